import type { CoreV1Event } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { openKubeSession, type KubeSession } from '../kube/session.ts';
import { startFakeApiServer, type Answer, type FakeApiServer, type RecordedRequest } from '../kube/testing/fake-apiserver.ts';
import type { Evidence } from '../result.ts';
import { LOG_TAIL_LINES, MAX_OBJECTS, MAX_TEXT, collectFailureEvidence, orderEvents, toRef } from './failure-evidence.ts';

const NS = 'sd-20250101-abcdef';

const service = {
  kind: 'Service',
  metadata: { name: 'web', namespace: NS },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.20', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};

const slices = {
  kind: 'EndpointSliceList',
  items: [
    {
      metadata: { name: 'web-abc', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'node1', targetRef: { kind: 'Pod', name: 'web-a', namespace: NS } },
        { addresses: ['10.244.2.7'], conditions: { ready: false }, nodeName: 'node2', targetRef: { kind: 'Pod', name: 'web-b', namespace: NS } },
      ],
    },
  ],
};

const crashingPod = {
  kind: 'Pod',
  metadata: { name: 'web-b', namespace: NS },
  spec: { nodeName: 'node2' },
  status: {
    phase: 'Running',
    podIP: '10.244.2.7',
    conditions: [
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [agent]' },
      { type: 'PodScheduled', status: 'True' },
    ],
    containerStatuses: [
      {
        name: 'agent',
        ready: false,
        restartCount: 3,
        image: 'agent',
        imageID: '',
        state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error' } },
      },
    ],
  },
};

function event(type: string, reason: string, message: string, at: string, count = 1): CoreV1Event {
  return { metadata: { name: `${reason}-${at}`, namespace: NS }, involvedObject: {}, type, reason, message, count, lastTimestamp: new Date(at) };
}

const routes: Record<string, (request: RecordedRequest) => Answer | Promise<Answer>> = {
  [`/api/v1/namespaces/${NS}/services/web`]: () => ({ status: 200, body: service }),
  [`/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`]: () => ({ status: 200, body: slices }),
  [`/api/v1/namespaces/${NS}/pods/web-b`]: () => ({ status: 200, body: crashingPod }),
  [`/api/v1/namespaces/${NS}/pods/web-b/log`]: (request) =>
    new URL(request.path, 'https://x').searchParams.get('previous') === 'true'
      ? { status: 200, body: 'listening on :8080\npanic: cannot bind :8081: address in use\n' }
      : { status: 200, body: 'starting agent\n' },
  [`/api/v1/namespaces/${NS}/pods/gone`]: () => ({ status: 404, body: { kind: 'Status', code: 404, message: 'pods "gone" not found' } }),
  [`/api/v1/namespaces/${NS}/events`]: (request) => {
    const selector = new URL(request.path, 'https://x').searchParams.get('fieldSelector') ?? '';
    if (selector.includes('involvedObject.kind=Service')) {
      return {
        status: 200,
        body: {
          kind: 'EventList',
          items: [
            event('Normal', 'Created', 'created', '2025-01-01T10:00:03Z'),
            event('Warning', 'FailedToUpdateEndpoint', 'endpoint update failed', '2025-01-01T10:00:01Z'),
          ],
        },
      };
    }
    if (selector.includes('involvedObject.name=web-b'))
      return {
        status: 200,
        body: { kind: 'EventList', items: [event('Warning', 'BackOff', 'Back-off restarting failed container', '2025-01-01T10:00:05Z', 7)] },
      };
    return { status: 200, body: { kind: 'EventList', items: [] } };
  },
};

let server: FakeApiServer | undefined;
let session: KubeSession | undefined;
afterEach(async () => {
  await session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

async function api(extra: Record<string, (request: RecordedRequest) => Answer | Promise<Answer>> = {}) {
  const all = { ...routes, ...extra };
  server = await startFakeApiServer({
    handler: (request) => {
      const path = request.path.split('?')[0] ?? '';
      return all[path]?.(request);
    },
  });
  session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 1000 });
  return session.clients;
}

const byLabel = (evidence: Evidence[], label: string) => evidence.find((item) => item.label === label)?.text;

describe('collectFailureEvidence', () => {
  it('describes a tracked Service with its endpoints, events (Warning first) and the not-ready pod behind it with its log tails', async () => {
    const evidence = await collectFailureEvidence(await api(), [{ kind: 'Service', name: 'web' }], { namespace: NS });
    expect(evidence.map((item) => item.label)).toEqual([
      `Service ${NS}/web`,
      `Pod ${NS}/web-b`,
      `log tail of pod ${NS}/web-b (agent)`,
      `log tail of pod ${NS}/web-b (agent, previous container)`,
    ]);
    expect(byLabel(evidence, `Service ${NS}/web`)?.split('\n')).toEqual([
      'ClusterIP 10.96.0.20, ports http 80/TCP->8080, selector {"app":"web"}',
      'endpoints:',
      '  10.244.1.5 http=8080/TCP ready Pod web-a on node1',
      '  10.244.2.7 http=8080/TCP not ready Pod web-b on node2',
      'events:',
      '  Warning FailedToUpdateEndpoint: endpoint update failed',
      '  Normal Created: created',
    ]);
    const pod = byLabel(evidence, `Pod ${NS}/web-b`) ?? '';
    // The reason is judgePod's, the one the fleet's readiness wait gives.
    expect(pod).toContain('on node node2, IP 10.244.2.7, phase Running, not ready: the agent keeps crashing: exit code 1 (Error), 3 restarts');
    expect(pod).toContain('condition Ready=False (ContainersNotReady: containers with unready status: [agent])');
    expect(pod).toContain(
      'container agent: waiting (CrashLoopBackOff: back-off 40s restarting failed container), ready false, 3 restart(s), last exit code 1 (Error)',
    );
    expect(pod).toContain('Warning BackOff (x7): Back-off restarting failed container');
    expect(byLabel(evidence, `log tail of pod ${NS}/web-b (agent, previous container)`)).toBe('listening on :8080\npanic: cannot bind :8081: address in use');
    const logCall = server?.requests.find((request) => request.path.includes('/log') && request.path.includes('previous=true'));
    expect(logCall?.path).toContain(`tailLines=${LOG_TAIL_LINES}`);
    // The ready pod web-a is not read at all.
    expect(server?.requests.some((request) => request.path.includes('/pods/web-a'))).toBe(false);
  });

  it('says what could not be read instead of failing: a missing object, refused events', async () => {
    const clients = await api({
      [`/api/v1/namespaces/${NS}/events`]: () => ({ status: 403, body: { kind: 'Status', code: 403, message: 'events is forbidden' } }),
    });
    const evidence = await collectFailureEvidence(clients, [{ kind: 'Pod', name: 'gone' }], { namespace: NS });
    expect(evidence).toEqual([
      { label: `Pod ${NS}/gone`, text: 'could not read: HTTP 404: pods "gone" not found\nevents:\n  could not read events: HTTP 403: events is forbidden' },
    ]);
  });

  it('stops at its deadline and names what it did not collect, keeping what it did', async () => {
    const clients = await api({
      [`/api/v1/namespaces/${NS}/pods/slow`]: () => new Promise<Answer>((resolve) => setTimeout(() => resolve({ status: 200, body: crashingPod }), 1200)),
    });
    const started = performance.now();
    const evidence = await collectFailureEvidence(
      clients,
      [
        { kind: 'Pod', name: 'gone' },
        { kind: 'Pod', name: 'slow' },
      ],
      { namespace: NS, deadlineMs: 300 },
    );
    expect(performance.now() - started).toBeLessThan(1500);
    expect(evidence.map((item) => item.label)).toEqual([`Pod ${NS}/gone`, 'failure evidence']);
    expect(evidence[1]?.text).toBe(`collection stopped after 300ms; not collected: Pod ${NS}/slow`);
  });

  it('is bounded: at most MAX_OBJECTS objects, each text cut at MAX_TEXT', async () => {
    const long = 'x'.repeat(MAX_TEXT * 2);
    const clients = await api({
      [`/api/v1/namespaces/${NS}/events`]: () => ({
        status: 200,
        body: { kind: 'EventList', items: [event('Warning', 'Noisy', long, '2025-01-01T10:00:00Z')] },
      }),
    });
    const refs = Array.from({ length: MAX_OBJECTS + 3 }, (_, index) => ({ kind: 'ConfigMap', name: `cm-${index}` }));
    const evidence = await collectFailureEvidence(clients, [...refs, refs[0]!], { namespace: NS });
    expect(evidence).toHaveLength(MAX_OBJECTS + 1);
    expect(evidence.at(-1)).toEqual({
      label: 'failure evidence',
      text: `3 more tracked object(s) not described: ConfigMap ${NS}/cm-8, ConfigMap ${NS}/cm-9, ConfigMap ${NS}/cm-10`,
    });
    expect(evidence[0]?.text.length).toBeLessThan(MAX_TEXT + 100);
    expect(evidence[0]?.text).toMatch(/… \(\d+ more characters cut\)$/);
  });
});

describe('nodes', () => {
  it("describes a Node a failure's origin names: what is wrong with its conditions, taints, and its events from the default namespace", async () => {
    const node = {
      kind: 'Node',
      metadata: { name: 'node2' },
      spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
      status: {
        addresses: [{ type: 'InternalIP', address: '10.217.0.12' }],
        nodeInfo: { kubeletVersion: 'v1.34.4' },
        conditions: [
          { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' },
          { type: 'NetworkUnavailable', status: 'True', reason: 'NoRouteCreated' },
          { type: 'MemoryPressure', status: 'False' },
        ],
      },
    };
    const clients = await api({
      '/api/v1/nodes/node2': () => ({ status: 200, body: node }),
      '/api/v1/namespaces/default/events': () => ({
        status: 200,
        body: { kind: 'EventList', items: [event('Normal', 'NodeNotReady', 'Node node2 status is now: NodeNotReady', '2025-01-01T10:00:00Z')] },
      }),
    });
    const evidence = await collectFailureEvidence(clients, [{ kind: 'Node', name: 'node2', namespace: 'ignored' }], { namespace: NS });
    expect(evidence).toEqual([
      {
        label: 'Node node2',
        text: [
          'not Ready (NodeStatusUnknown: Kubelet stopped posting node status.), 10.217.0.12, kubelet v1.34.4, cordoned (unschedulable)',
          'condition NetworkUnavailable=True (NoRouteCreated)',
          'taint node.kubernetes.io/unreachable:NoExecute',
          'events:',
          '  Normal NodeNotReady: Node node2 status is now: NodeNotReady',
        ].join('\n'),
      },
    ]);
    expect(server?.requests.find((request) => request.path.startsWith('/api/v1/namespaces/default/events'))?.path).toContain(
      encodeURIComponent('involvedObject.kind=Node,involvedObject.name=node2'),
    );
  });
});

describe('log tails', () => {
  it('keeps the end of a long log, where the crash is', async () => {
    const long = `${'early line\n'.repeat(1000)}panic: the last words`;
    const clients = await api({ [`/api/v1/namespaces/${NS}/pods/web-b/log`]: () => ({ status: 200, body: long }) });
    const evidence = await collectFailureEvidence(clients, [{ kind: 'Pod', name: 'web-b' }], { namespace: NS });
    const tail = byLabel(evidence, `log tail of pod ${NS}/web-b (agent)`) ?? '';
    expect(tail.length).toBeLessThanOrEqual(MAX_TEXT);
    expect(tail).toMatch(/^… \(\d+ characters cut\)\n/);
    expect(tail.endsWith('panic: the last words')).toBe(true);
  });
});

describe('toRef and orderEvents', () => {
  it('reads a reference from an object an API call returned, or refuses one without kind', () => {
    expect(toRef(service)).toEqual({ kind: 'Service', name: 'web', namespace: NS });
    expect(toRef({ kind: 'Pod', name: 'p' })).toEqual({ kind: 'Pod', name: 'p' });
    expect(toRef({ metadata: { name: 'no-kind' } })).toBeUndefined();
  });

  it('puts Warning events first, then the most recent', () => {
    const ordered = orderEvents([
      event('Normal', 'A', '', '2025-01-01T10:00:09Z'),
      event('Warning', 'B', '', '2025-01-01T10:00:01Z'),
      event('Warning', 'C', '', '2025-01-01T10:00:05Z'),
    ]);
    expect(ordered.map((e) => e.reason)).toEqual(['C', 'B', 'A']);
  });
});
