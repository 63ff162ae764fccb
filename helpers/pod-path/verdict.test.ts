// The pair judgement against a simulated pod network: a fake transport that loses what a rule says
// (probes larger than a link's MTU on some pairs, everything on others), so the tests read what a
// person would be told.
import { describe, expect, it } from 'vitest';
import type { InterfaceMtu, ProbeTarget } from '../../agent/protocol.ts';
import { AGENT_PORTS, type ProbeAgent } from '../fleet/descriptor.ts';
import { reach } from '../probe/reach.ts';
import { createFakeTransport } from '../transport/fake.ts';
import { choosePairs, pairCells } from './pairs.ts';
import { judgePairs, pairLine, pairTable, pairVerdicts, suspectNode, type PairVerdict } from './verdict.ts';

const agent = (i: number): ProbeAgent => ({
  name: `probe-${i}`,
  namespace: 'run',
  node: `node${i}`,
  podIP: `10.244.${i}.2`,
  group: 'node',
  ports: AGENT_PORTS,
  labels: {},
  token: 't',
});
const nodeOfIP = (ip: string) => `node${ip.split('.')[2] ?? '?'}`;

// lost(source node, target node, bytes sent or undefined for a small probe) => the probe vanishes.
async function simulate(n: number, lost: (from: string, to: string, bytes: number | undefined, protocol: 'tcp' | 'udp') => boolean, mtu = 1500) {
  const agents = Array.from({ length: n }, (_, i) => agent(i + 1));
  const transport = createFakeTransport((source, target: ProbeTarget) => {
    if (target.kind !== 'tcp' && target.kind !== 'udp') return { outcome: 'error', ms: 0, detail: 'unexpected' };
    const to = nodeOfIP(target.host);
    if (lost(source.node ?? '?', to, target.size, target.kind)) return { outcome: 'timeout', ms: target.timeoutMs, detail: 'no answer', code: 'ETIMEDOUT' };
    return { outcome: 'ok', ms: 1, detail: '', reply: { pod: `probe-${to.slice(4)}`, text: 'network' } };
  });
  const mtus = new Map<string, InterfaceMtu>(agents.map((a) => [a.node, { interface: 'eth0', mtu }]));
  const cells = pairCells(choosePairs(agents, false), (a) => mtus.get(a.node)?.mtu, 1000);
  const run = await reach(transport, cells, { policy: { deadlineMs: 0 }, sleep: async () => {} });
  const verdicts = pairVerdicts(run.cells);
  return { verdicts, finding: judgePairs(verdicts, mtus) };
}

describe('judging node pairs', () => {
  it('passes when every probe of every pair arrives', async () => {
    const { verdicts, finding } = await simulate(3, () => false);
    expect(verdicts).toHaveLength(6);
    expect(verdicts.every((v) => v.status === 'ok')).toBe(true);
    expect(finding).toBeUndefined();
  });

  it('names the pair, the direction and MTU when only the datagram of a full MTU is lost one way, with the MTUs of both ends and the size', async () => {
    // As on the local cluster with node2's link at 1280: the full-size datagram vanishes, TCP adapts.
    const { verdicts, finding } = await simulate(
      2,
      (from, to, bytes) => from === 'node1' && to === 'node2' && bytes !== undefined && bytes > 1252 && bytes < 2000,
      1500,
    );
    expect(verdicts.find((v) => v.source === 'node1')?.status).toBe('mtu');
    expect(finding?.message).toBe(
      "from the probe on node1 to the probe on node2: only large payloads fail, MTU: a 1472-byte UDP datagram (the sender's MTU less the IP and UDP headers) (timeout after 1000ms); " +
        'the small TCP and UDP probes and a 12000-byte TCP upload pass; pod interface MTU 1500 on node1 (eth0), 1500 on node2 (eth0); the opposite direction (node2 to node1) passes',
    );
    expect(finding?.origin).toMatchObject({ dimension: 'pair & payload', value: 'node1 -> node2, large', confidence: 'high' });
    expect(finding?.likelyCause).toMatch(/^an MTU black hole/);
    expect(finding?.classification).toBe('timeout');
  });

  it('names both directions when large payloads are lost both ways between two nodes', async () => {
    const { finding } = await simulate(2, (_from, _to, bytes) => bytes !== undefined, 1450);
    expect(finding?.message).toMatch(
      /^between the probes on node1 and node2, both ways, only large payloads fail: MTU: from the probe on node1 to the probe on node2: .*a 11600-byte TCP upload .*a 1422-byte UDP datagram/,
    );
    expect(finding?.origin).toMatchObject({ dimension: 'pair & payload', value: 'node1 <-> node2, large', confidence: 'medium' });
  });

  it('names a blocked pair without MTU when small probes fail too', async () => {
    const { finding } = await simulate(2, (from, to) => (from === 'node1' && to === 'node2') || (from === 'node2' && to === 'node1'));
    expect(finding?.message).toMatch(
      /^between the probes on node1 and node2, both ways, probes fail: from the probe on node1 to the probe on node2: every probe, TCP and UDP, small and large, fails \(timeout after 1000ms\); from the probe on node2 to the probe on node1: every probe/,
    );
    expect(finding?.message).not.toMatch(/only large payloads/);
    expect(finding?.origin).toMatchObject({ dimension: 'pair', value: 'node1 <-> node2' });
    expect(finding?.likelyCause).toMatch(/route or tunnel between these nodes/);
  });

  it('names one node when every pair through it fails, instead of its pairs', async () => {
    const { verdicts, finding } = await simulate(4, (from, to) => from === 'node3' || to === 'node3');
    expect(suspectNode(verdicts)).toEqual({ node: 'node3', role: 'through' });
    expect(finding?.message).toBe('every node pair through node3 (to it and from it) fails (6 of 12 pairs); the 6 pairs between the other nodes pass');
    expect(finding?.origin).toMatchObject({ dimension: 'node', value: 'node3', confidence: 'high', suspect: 'the pod network on node3' });
    expect(finding?.lines).toHaveLength(6);
    expect(pairTable(verdicts)).toBe(
      [
        'from \\ to  node1 node2 node3 node4',
        'node1      -     .     X     .',
        'node2      .     -     X     .',
        'node3      X     X     -     X',
        'node4      .     .     X     -',
      ].join('\n'),
    );
  });

  it('names the node large payloads cannot enter, and says MTU', async () => {
    const { finding } = await simulate(3, (_from, to, bytes) => to === 'node2' && bytes !== undefined);
    expect(finding?.message).toBe('every node pair to node2 fails (2 of 6 pairs, only their large payloads: MTU); the 4 pairs between the other nodes pass');
    expect(finding?.likelyCause).toMatch(/here the link into node2 \(pod interface MTU 1500 on node2 \(eth0\)\)$/);
  });

  it('says what EMSGSIZE means when the sender was told the path is smaller', () => {
    const mtus = new Map([
      ['node1', { interface: 'eth0', mtu: 1500 }],
      ['node2', { interface: 'eth0', mtu: 1500 }],
    ]);
    const v = {
      source: 'node2',
      target: 'node1',
      status: 'mtu' as const,
      failed: [{ probe: 'udp-large', bytes: 1472, seen: 'error (EMSGSIZE)' }],
      passedLarge: [],
    };
    expect(pairLine(v, mtus)).toBe(
      "from the probe on node2 to the probe on node1: only large payloads fail, MTU: a 1472-byte UDP datagram (the sender's MTU less the IP and UDP headers) (error (EMSGSIZE)) " +
        '(EMSGSIZE: an ICMP "fragmentation needed" told the sender the path carries less than its datagram); the small TCP and UDP probes pass; pod interface MTU 1500 on node2 (eth0), 1500 on node1 (eth0)',
    );
  });

  it('says which probes of a pair fail when only some small ones do', async () => {
    const { finding } = await simulate(2, (from, _to, bytes) => from === 'node2' && bytes === undefined);
    expect(finding?.message).toMatch(
      /^from the probe on node2 to the probe on node1: a small TCP echo and a small UDP datagram fail \(timeout after 1000ms\); the opposite direction \(node1 to node2\) passes$/,
    );
    expect(finding?.origin).toMatchObject({ dimension: 'pair', value: 'node2 -> node1' });
  });

  it('names UDP between a pair when only UDP is lost and TCP passes, with what that breaks', async () => {
    const { verdicts, finding } = await simulate(2, (_from, _to, _bytes, protocol) => protocol === 'udp');
    expect(verdicts.map((v) => v.status)).toEqual(['udp', 'udp']);
    expect(finding?.message).toMatch(
      /^between the probes on node1 and node2, both ways, only UDP fails, TCP passes: from the probe on node1 to the probe on node2: only UDP fails: a small UDP datagram and a 1472-byte UDP datagram .*; the small TCP echo and the large TCP upload pass/,
    );
    expect(finding?.origin).toMatchObject({ dimension: 'pair & protocol', value: 'node1 <-> node2, udp', suspect: 'UDP between node1 and node2' });
    expect(finding?.likelyCause).toMatch(/^UDP is dropped between these nodes while TCP passes/);
    expect(finding?.likelyCause).toMatch(/DNS from pods on one node to the CoreDNS replicas on the other, VXLAN encapsulation .* NodePort/);
    expect(pairTable(verdicts).split('\n').slice(1)).toEqual(['node1      -     U', 'node2      U     -']);
  });

  it('a pair that loses TCP too is down, not UDP', async () => {
    const { verdicts, finding } = await simulate(2, (from, _to, bytes, protocol) => from === 'node1' && (protocol === 'udp' || bytes === undefined));
    expect(verdicts.find((v) => v.source === 'node1')?.status).toBe('down');
    expect(finding?.origin).toMatchObject({ dimension: 'pair', value: 'node1 -> node2', suspect: 'the pod network from node1 to node2' });
  });

  it('lists unrelated failing pairs without inventing an origin', async () => {
    const { finding } = await simulate(
      4,
      (from, to, bytes) => (from === 'node1' && to === 'node2') || (from === 'node3' && to === 'node4' && bytes !== undefined),
    );
    expect(finding?.origin).toBeUndefined();
    expect(finding?.message).toMatch(/^2 of 12 node pairs fail: from the probe on node1 to the probe on node2: .* \(and 1 more\)$/);
    expect(finding?.lines[1]).toMatch(/^from the probe on node3 to the probe on node4: only large payloads fail, MTU/);
  });

  it('with two nodes never blames one of them: both are in every pair', () => {
    const v = (source: string, target: string, status: PairVerdict['status']): PairVerdict => ({ source, target, status, failed: [], passedLarge: [] });
    expect(suspectNode([v('node1', 'node2', 'down'), v('node2', 'node1', 'down')])).toBeUndefined();
  });
});
