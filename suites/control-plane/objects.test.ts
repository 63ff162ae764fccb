import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MARKER, SERVER_SCRIPT, deployment, nodePod, podState } from './objects.ts';

const image = { image: 'localhost/shakedown/node:24', pullPolicy: 'Never' as const, why: 'test' };

describe('the pods of the control-plane suite', () => {
  it('are pinned by node affinity (not nodeName) and meet Pod Security restricted', () => {
    const pod = nodePod({ name: 'node-0', namespace: 'ns', runId: 'r1', node: 'node1', image });
    expect(pod.spec?.nodeName).toBeUndefined();
    expect(pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]?.matchFields?.[0]).toEqual({
      key: 'metadata.name',
      operator: 'In',
      values: ['node1'],
    });
    const container = pod.spec?.containers[0];
    expect(pod.spec?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true });
    expect(container?.imagePullPolicy).toBe('Never');
    const d = deployment({ name: 'web', namespace: 'ns', runId: 'r1', image });
    expect(d.spec?.template.spec?.affinity).toBeUndefined();
    expect(d.spec?.selector.matchLabels).toEqual({ 'shakedown.dev/cp-role': 'web' });
  });

  it('run a server that logs its start and answers with its pod and node, and exits on SIGTERM', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const child = spawn(process.execPath, ['-e', SERVER_SCRIPT], { env: { POD_NAME: 'node-0', NODE_NAME: 'node1', PORT: String(port) } });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.once('data', (d: Buffer) => resolve(d.toString()));
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(line.trim()).toBe(`${MARKER} listening node-0 node1`);
      const answer = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(answer).toBe(`${MARKER} node-0 node1\n`);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('say why a pod is not running', () => {
    expect(podState(undefined)).toBe('never seen');
    expect(
      podState({ spec: { containers: [] }, status: { conditions: [{ type: 'PodScheduled', status: 'False', message: '0/2 nodes are available' }] } }),
    ).toBe('unschedulable: 0/2 nodes are available');
    expect(podState({ spec: { containers: [] }, status: {} })).toBe('not bound to a node');
    expect(
      podState({
        spec: { containers: [], nodeName: 'n1' },
        status: {
          containerStatuses: [{ name: 'a', image: '', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImageNeverPull' } } }],
        },
      }),
    ).toBe('ErrImageNeverPull');
  });
});
