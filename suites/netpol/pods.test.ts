import { describe, expect, it } from 'vitest';
import { AGENT_TOKEN_FILE, AGENT_TOKEN_MOUNT, AGENT_TOKEN_SECRET } from '../../helpers/fleet/manifests.ts';
import { NETPOL_PORTS, netpolPod } from './pods.ts';

describe('NetworkPolicy pods', () => {
  const pod = netpolPod({
    name: 'a',
    namespace: 'ns-x',
    logicalNamespace: 'x',
    runId: 'sd-20261122-abcdef',
    node: 'node1',
    image: 'node:24-alpine',
    pullPolicy: 'IfNotPresent',
  });

  it('serves every model port on TCP and UDP, with the names named-port policies use', () => {
    const ports = (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? []);
    for (const port of NETPOL_PORTS) expect(ports).toContainEqual({ name: port.name, containerPort: port.port, protocol: port.protocol });
    expect(pod.spec?.containers.map((c) => c.name)).toEqual(['agent', 'agent-2']);
    expect(pod.metadata?.labels).toMatchObject({
      'shakedown.dev/netpol-pod': 'a',
      'shakedown.dev/netpol-ns': 'x',
      'shakedown.dev/run-id': 'sd-20261122-abcdef',
    });
  });

  it('meets Pod Security restricted in every container', () => {
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const container of pod.spec?.containers ?? []) {
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    }
  });

  it("mounts the run's agent token into both agents, which refuse to start without it", () => {
    expect(pod.spec?.volumes).toContainEqual(
      expect.objectContaining({ name: 'agent-token', secret: expect.objectContaining({ secretName: AGENT_TOKEN_SECRET }) }),
    );
    for (const container of pod.spec?.containers ?? []) {
      expect(container.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: AGENT_TOKEN_MOUNT, readOnly: true }));
      expect(container.env).toContainEqual({ name: 'AGENT_TOKEN_FILE', value: AGENT_TOKEN_FILE });
    }
  });
});
