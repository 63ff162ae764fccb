import { describe, expect, it } from 'vitest';
import { agentAuthCurlHeader, agentConfigMap, agentTokenSecret, newAgentToken, probePod } from './manifests.ts';

const spec = { name: 'probe-0', namespace: 'sd-1', runId: 'sd-1', node: 'node1', group: 'node' as const, image: 'img:1', pullPolicy: 'IfNotPresent' as const };

describe('probePod', () => {
  it('meets Pod Security restricted', () => {
    const pod = probePod(spec);
    expect(pod.spec?.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65534,
      runAsGroup: 65534,
      fsGroup: 65534,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const container = pod.spec?.containers[0];
    expect(container?.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(pod.spec?.automountServiceAccountToken).toBe(false);
    // Only ConfigMap and Secret volumes: both allowed by "restricted".
    expect(pod.spec?.volumes?.map((v) => Object.keys(v).filter((k) => k !== 'name'))).toEqual([['configMap'], ['secret']]);
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
    expect(container?.volumeMounts).toEqual([
      { name: 'agent', mountPath: '/agent', readOnly: true },
      { name: 'agent-token', mountPath: '/var/run/shakedown-agent', readOnly: true },
    ]);
  });

  it("mounts the run's token Secret read-only, readable by the agent's group only, and names the file for the agent", () => {
    const pod = probePod(spec);
    expect(pod.spec?.volumes?.find((v) => v.name === 'agent-token')).toEqual({
      name: 'agent-token',
      secret: { secretName: 'shakedown-agent-token', defaultMode: 0o440 },
    });
    expect(pod.spec?.containers[0]?.env).toContainEqual({ name: 'AGENT_TOKEN_FILE', value: '/var/run/shakedown-agent/token' });
    expect(probePod({ ...spec, tokenSecret: 'netpol-token' }).spec?.volumes?.find((v) => v.name === 'agent-token')?.secret?.secretName).toBe('netpol-token');
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

describe("the run's API token", () => {
  it('is 32 random bytes in base64url, new every time', () => {
    const tokens = new Set(Array.from({ length: 20 }, newAgentToken));
    expect(tokens.size).toBe(20);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('lives in an immutable Secret labelled with the run', () => {
    expect(agentTokenSecret('sd-2', 'run-2', 'tok')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 'shakedown-agent-token', namespace: 'sd-2', labels: { 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': 'run-2' } },
      immutable: true,
      data: { token: 'dG9r' },
    });
    expect(agentTokenSecret('x', 'r', 'tok', 'other').metadata?.name).toBe('other');
  });

  it('is read from the cluster by reproduce commands, never written into them', () => {
    expect(agentAuthCurlHeader('sd-2')).toBe(
      `-H "Authorization: Bearer $(kubectl -n sd-2 get secret shakedown-agent-token -o jsonpath='{.data.token}' | base64 -d)"`,
    );
  });
});
