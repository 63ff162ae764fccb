// The engine's failure evidence read from the real cluster: a Service whose only pod keeps crashing
// and a pod whose image cannot be found. What the evidence says comes from the cluster's own
// signals (EndpointSlices, pod status, events, the previous container's log), never from how the
// test broke them. Everything lives in one namespace of ours, removed afterwards (and expiring).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { V1Pod } from '@kubernetes/client-node';
import { collectFailureEvidence } from '../helpers/engine/failure-evidence.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { runNamespace } from '../helpers/run/labels.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import type { Evidence } from '../helpers/result.ts';
import { KUBECONFIG } from './cli-child.ts';

const runId = newRunId();
const namespace = `${runId}-evidence`;
const image = `localhost/shakedown/node:${process.versions.node}`;
let session: KubeSession;

const restricted = {
  runAsNonRoot: true,
  runAsUser: 1000,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

function pod(name: string, podImage: string, command: string[]): V1Pod {
  return {
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 0,
      // A readiness probe that never passes: between two crashes the pod is not briefly Ready.
      containers: [
        {
          name: 'main',
          image: podImage,
          imagePullPolicy: 'Never',
          command,
          securityContext: restricted,
          readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 },
        },
      ],
    },
  };
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const text = (evidence: Evidence[], label: string) => evidence.find((item) => item.label === label)?.text ?? '';

beforeAll(async () => {
  session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  const core = session.clients.core;
  await core.createNamespace({
    body: runNamespace({ name: namespace, runId, expiresAt: new Date(Date.now() + 3600_000), purpose: 'failure evidence cluster test' }),
  });
  await core.createNamespacedPod({
    namespace,
    body: pod('crasher', image, ['node', '-e', "console.log('starting'); console.error('fatal: cannot open /config/agent.json'); process.exit(3)"]),
  });
  await core.createNamespacedPod({ namespace, body: pod('absent', 'localhost/shakedown/absent:0', ['true']) });
  await core.createNamespacedService({
    namespace,
    body: { metadata: { name: 'web', namespace }, spec: { selector: { app: 'crasher' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
  });
}, 60_000);

afterAll(async () => {
  await session?.clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await session?.close();
});

describe('failure evidence on the real cluster', () => {
  it('describes a Service with its crashing pod: endpoint not ready, exit code, BackOff event, the crash in the previous log', async () => {
    const core = session.clients.core;
    // Two restarts: the kubelet has backed off at least once, so the BackOff event exists.
    const crashed = await until(
      () => core.readNamespacedPod({ namespace, name: 'crasher' }),
      (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2,
      90_000,
    );
    expect(crashed.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThanOrEqual(2);

    const started = performance.now();
    const evidence = await collectFailureEvidence(session.clients, [{ kind: 'Service', name: 'web' }], { namespace });
    const elapsed = performance.now() - started;
    console.log(
      `failure evidence: ${evidence.length} blocks, ${evidence.reduce((n, e) => n + e.text.length, 0)} characters in ${elapsed.toFixed(0)} ms\n${evidence.map((e) => `── ${e.label} ──\n${e.text}`).join('\n')}`,
    );

    const node = crashed.spec?.nodeName ?? '';
    expect(text(evidence, `Service ${namespace}/web`)).toMatch(
      new RegExp(`^  ${crashed.status?.podIP?.replaceAll('.', '\\.')} http=8080/TCP not ready Pod crasher on ${node}$`, 'm'),
    );
    const described = text(evidence, `Pod ${namespace}/crasher`);
    expect(described).toContain(`on node ${node}`);
    expect(described).toMatch(/not ready: the agent keeps crashing: exit code 3 \(Error\), \d+ restarts/);
    expect(described).toMatch(/Warning BackOff( \(x\d+\))?: Back-off restarting failed container/);
    // Both tails are read; which one still holds the crash depends on where the restart loop is
    // (a terminated current container, or a running one after a restart) and on the kubelet's GC.
    const tails = [
      text(evidence, `log tail of pod ${namespace}/crasher (main)`),
      text(evidence, `log tail of pod ${namespace}/crasher (main, previous container)`),
    ];
    expect(tails.some((tail) => tail.endsWith('starting\nfatal: cannot open /config/agent.json'))).toBe(true);
    expect(elapsed).toBeLessThan(8000);

    // The node the pod runs on, as a failure whose origin names it would track it.
    const [nodeEvidence] = await collectFailureEvidence(session.clients, [{ kind: 'Node', name: node }], { namespace });
    expect(nodeEvidence?.label).toBe(`Node ${node}`);
    expect(nodeEvidence?.text).toMatch(/^Ready, 10\.217\.0\.\d+, kubelet v1\.34\.\d+/);
  }, 120_000);

  it("names a pod's missing image from its status and its Warning events", async () => {
    const core = session.clients.core;
    await until(
      () => core.readNamespacedPod({ namespace, name: 'absent' }),
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull',
      60_000,
    );
    const evidence = await collectFailureEvidence(session.clients, [{ kind: 'Pod', name: 'absent' }], { namespace });
    const described = text(evidence, `Pod ${namespace}/absent`);
    expect(described).toContain('not ready: ErrImageNeverPull:');
    expect(described).toMatch(/^  Warning ErrImageNeverPull/m);
  }, 90_000);
});
