import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../agent/protocol.ts';
import { AGENT_PORTS, type ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { failReach, reach } from '../../helpers/probe/reach.ts';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import { CASES, type Created, type ServiceCase, type World } from './services-cases.ts';
import { SERVICE_ORIGIN, endpointsDifference, endpointsMatch, likelyCause, sampleAnswers, selectorOf } from './services-run.ts';
import { failingCheck } from '../../helpers/testing/failing-check.ts';

const agent = (name: string, namespace: string, node: string, ip: string): ProbeAgent => ({
  name,
  namespace,
  node,
  podIP: ip,
  group: 'node',
  ports: AGENT_PORTS,
  labels: {},
  token: 't',
});
const backends = [
  agent('probe-0', 'run-svc', 'node1', '10.244.1.10'),
  agent('probe-1', 'run-svc', 'node2', '10.244.2.10'),
  agent('probe-x0', 'run-svc', 'node1', '10.244.1.11'),
];
const sources = [agent('probe-0', 'run', 'node1', '10.244.1.2'), agent('probe-1', 'run', 'node2', '10.244.2.2')];
const world: World = { namespace: 'run-svc', backends, sources, timeoutMs: 2000, dns: { server: '10.96.0.10', domain: 'cluster.local' } };
const kase = (check: ServiceCase['check']) =>
  CASES.find((k) => k.check === check) ??
  (() => {
    throw new Error(check);
  })();

// Services by ClusterIP; each answers from the backends its node-selector picks.
const services: Record<string, Created> = {
  'on-n0': { name: 'on-n0', ip: '10.96.5.1', backends: backends.filter((b) => b.node === 'node1') },
  'on-n1': { name: 'on-n1', ip: '10.96.5.2', backends: backends.filter((b) => b.node === 'node2') },
  'port-map': { name: 'port-map', ip: '10.96.5.3', backends },
};

function echo(target: ProbeTarget) {
  const url = new URL(target.kind === 'http' ? target.url : 'http://x/');
  const service = Object.values(services).find((s) => s.ip === url.hostname);
  const pod = service?.backends[0];
  const port = url.port === '8090' ? 8081 : 8080;
  return {
    outcome: 'ok' as const,
    ms: 2,
    detail: '',
    http: {
      status: 200,
      headers: {},
      echo: {
        pod: pod?.name ?? '',
        port,
        namespace: 'run-svc',
        node: pod?.node ?? '',
        podIP: pod?.podIP ?? '',
        clientIP: '',
        clientPort: 0,
        method: 'GET',
        path: '/',
        host: '',
        headers: {},
      },
    },
  };
}

describe('services: cross-node case on the fake transport', () => {
  it('passes when every node reaches the Service of every node', async () => {
    const cells = kase('crossNode').cells?.(world, services) ?? [];
    expect(cells.map((cell) => `${cell.row}>${cell.column}`)).toEqual(['node1>node1', 'node1>node2', 'node2>node1', 'node2>node2']);
    const run = await reach(
      createFakeTransport((_a, target) => echo(target)),
      cells,
      { policy: { deadlineMs: 0 } },
    );
    expect(run.mismatches).toEqual([]);
  });

  it('with Service rules gone on node2, names one origin, the node2 proxy, with node1 as proof', async () => {
    const transport = createFakeTransport((source, target) => (source.node === 'node2' ? { outcome: 'timeout', ms: 2000, detail: 'no answer' } : echo(target)));
    const run = await reach(transport, kase('crossNode').cells?.(world, services) ?? [], { policy: { deadlineMs: 0 } });
    const c = failingCheck();
    await expect(
      failReach(c, run, { what: 'Service probes', origin: SERVICE_ORIGIN, likelyCause: (origin) => likelyCause(kase('crossNode'), origin) }),
    ).rejects.toThrow();
    expect(c.failure?.classification).toBe('timeout');
    expect(c.failure?.details.origin).toMatchObject({ dimension: 'source-node', value: 'node2', confidence: 'high' });
    expect(c.failure?.message).toBe(
      '2 of 4 Service probes not as expected, twice: all 2 probes from pods on node2 fail (timeout); the 2 probes from pods on node1 succeed: Service traffic from node2 is not translated: kube-proxy (or what replaces it) on node2',
    );
    expect(c.failure?.details.likelyCause).toBe('Service traffic from node2 is not translated: kube-proxy (or what replaces it) on node2');
    const lines = c.failure?.details.evidence?.find((e) => e.label.startsWith('mismatches'))?.text ?? '';
    expect(lines.match(/kubectl -n run exec probe-1 -c agent -- node -e/g)).toHaveLength(2);
  });

  it('a port sent to the Service port instead of the named targetPort is a wrong backend on that port, from every node', async () => {
    const transport = createFakeTransport((_source, target) => {
      const answer = echo(target);
      return { ...answer, http: { ...answer.http, echo: { ...answer.http.echo, port: 8080 } } };
    });
    const run = await reach(transport, kase('portMapping').cells?.(world, services) ?? [], { policy: { deadlineMs: 0 } });
    const c = failingCheck();
    await expect(failReach(c, run, { what: 'Service probes', origin: SERVICE_ORIGIN })).rejects.toThrow();
    expect(c.failure?.classification).toBe('wrong-backend');
    expect(c.failure?.details.origin).toMatchObject({ dimension: 'port', value: '8090' });
    expect(c.failure?.message).toContain('Service port 8090 is not mapped to its targetPort');
  });
});

describe('services: the objects of a case', () => {
  it("select the suite's own backends, never the shared fleet", () => {
    expect(selectorOf('all', 'r1')).toEqual({ 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': 'r1', 'shakedown.dev/role': 'probe' });
    expect(selectorOf({ node: 'node2' }, 'r1')).toMatchObject({ 'shakedown.dev/node': 'node2' });
    for (const k of CASES) {
      const created = Object.fromEntries(k.services(world).map((d, i) => [d.name, { name: d.name, ip: `10.96.9.${i}`, backends }]));
      for (const cell of k.cells?.(world, created) ?? []) expect(cell.source === 'runner' ? 'runner' : cell.source.namespace).toMatch(/^run(-svc)?$/);
      for (const draft of k.services(world)) expect(selectorOf(draft.select, 'r1')).not.toHaveProperty('shakedown.dev/group');
    }
  });

  it('judge EndpointSlices against the backends, naming what differs', () => {
    const view = (b: ProbeAgent, ready = true) => ({ address: b.podIP, pod: b.name, node: b.node, ready, terminating: false, ports: [] });
    expect(
      endpointsMatch(
        backends.map((b) => view(b)),
        backends,
      ),
    ).toBe(true);
    const seen = [
      view(backends[0] as ProbeAgent),
      view(backends[1] as ProbeAgent, false),
      { address: '10.244.9.9', pod: 'other', node: 'node3', ready: true, terminating: false, ports: [] },
    ];
    expect(endpointsMatch(seen, backends)).toBe(false);
    expect(endpointsDifference(seen, backends)).toEqual([
      'missing probe-x0 10.244.1.11 on node1',
      'extra 10.244.9.9 (other)',
      'wrong 10.244.2.10: pod probe-1 node node2 NOT ready',
    ]);
  });

  it('judge load spread over many answers', () => {
    const spread = kase('loadSpread').samples;
    const answers = new Map([
      [sources[0] as ProbeAgent, [...Array(40).fill('probe-0'), ...Array(40).fill('probe-1'), ...Array(9).fill('probe-x0'), undefined]],
    ]);
    const judged = spread?.judge(answers, world);
    expect(judged?.problems).toEqual(['1 of 90 requests got no answer', 'probe-x0 got 9, expected at least 10']);
  });

  it('asks a sample request that got no answer once more before it counts', async () => {
    const targets: ProbeTarget[] = Array.from({ length: 6 }, (_, i) => ({ id: `#${i}`, kind: 'http', url: 'http://10.96.0.50:80/', timeoutMs: 2000 }));
    // #1 is lost once (a busy node); #4 goes to a black hole every time it is asked.
    const transport = createFakeTransport((_agent, target) =>
      target.id === '#1' || target.id.startsWith('#4')
        ? { outcome: 'timeout', ms: 2000, detail: 'no answer in 2000ms' }
        : { outcome: 'ok', ms: 3, detail: 'answered', reply: { pod: 'probe-x0', text: '' } },
    );
    const log: string[] = [];
    const pods = await sampleAnswers(transport, sources[0] as ProbeAgent, targets, { concurrency: 4, log: (line) => log.push(line) });
    expect(pods).toEqual(['probe-x0', 'probe-x0', 'probe-x0', 'probe-x0', undefined, 'probe-x0']);
    expect(transport.calls.map((call) => call.targets.map((t) => t.id))).toEqual([
      ['#0', '#1', '#2', '#3', '#4', '#5'],
      ['#1 again', '#4 again'],
    ]);
    expect(log).toEqual(['from probe-0 on node1: 2 of 6 requests got no answer, asked once more: 1 again without one']);
  });
});
