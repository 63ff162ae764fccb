import { describe, expect, it } from 'vitest';
import { agentConfigMap, planFleet, probePod } from './manifests.ts';

const spec = { name: 'probe-0', namespace: 'sd-1', runId: 'sd-1', node: 'node1', group: 'node' as const, image: 'img:1', pullPolicy: 'IfNotPresent' as const };

describe('probePod', () => {
  it('meets Pod Security restricted', () => {
    const pod = probePod(spec);
    expect(pod.spec?.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    const container = pod.spec?.containers[0];
    expect(container?.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    expect(pod.spec?.volumes?.every((v) => v.configMap !== undefined)).toBe(true);
  });

  it('is pinned to its node through the scheduler, with small requests and a readiness probe on /healthz', () => {
    const pod = probePod(spec);
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node1'] }] },
    ]);
    const container = pod.spec?.containers[0];
    expect(container?.resources?.requests).toEqual({ cpu: '10m', memory: '32Mi' });
    expect(container?.readinessProbe?.httpGet).toEqual({ path: '/healthz', port: 8080 });
  });

  it('tells the agent who it is through the downward API and runs the bundle from the ConfigMap', () => {
    const container = probePod(spec).spec?.containers[0];
    const fields = Object.fromEntries((container?.env ?? []).filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]));
    expect(fields).toEqual({ POD_NAME: 'metadata.name', POD_NAMESPACE: 'metadata.namespace', NODE_NAME: 'spec.nodeName', POD_IP: 'status.podIP' });
    expect(container?.command).toEqual(['node', '/agent/agent.mjs']);
    expect(container?.volumeMounts).toEqual([{ name: 'agent', mountPath: '/agent', readOnly: true }]);
  });

  it('uses the image, pull policy and pull secret it is given', () => {
    const pod = probePod({ ...spec, image: 'localhost/shakedown/node:24', pullPolicy: 'Never', pullSecret: 'regcred' });
    expect(pod.spec?.containers[0]?.image).toBe('localhost/shakedown/node:24');
    expect(pod.spec?.containers[0]?.imagePullPolicy).toBe('Never');
    expect(pod.spec?.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(probePod(spec).spec?.imagePullSecrets).toBeUndefined();
  });

  it('carries the run labels', () => {
    expect(probePod(spec).metadata?.labels).toEqual({
      'app.kubernetes.io/managed-by': 'shakedown',
      'shakedown.dev/run-id': 'sd-1',
      'shakedown.dev/role': 'probe',
      'shakedown.dev/group': 'node',
      'shakedown.dev/node': 'node1',
      'shakedown.dev/probe': 'probe-0',
    });
    expect(agentConfigMap('sd-1', 'sd-1', 'code').data).toEqual({ 'agent.mjs': 'code' });
  });
});

describe('planFleet', () => {
  it('puts one agent on every node and spreads extras until the minimum is reached', () => {
    expect(planFleet({ nodes: ['a'], minAgents: 3 })).toEqual([
      { name: 'probe-0', node: 'a', group: 'node' },
      { name: 'probe-x0', node: 'a', group: 'extra' },
      { name: 'probe-x1', node: 'a', group: 'extra' },
    ]);
    expect(planFleet({ nodes: ['a', 'b'], minAgents: 3 }).map((p) => `${p.name}@${p.node}`)).toEqual(['probe-0@a', 'probe-1@b', 'probe-x0@a']);
    expect(planFleet({ nodes: ['a', 'b', 'c', 'd'], minAgents: 3 })).toHaveLength(4);
  });
});
