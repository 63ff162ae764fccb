import { describe, expect, it } from 'vitest';
import { AGENT_PORTS, type ProbeAgent } from '../fleet/descriptor.ts';
import { ALL_PAIRS_UP_TO, PAYLOADS, PEER_SHIFTS, choosePairs, nodeAddressCells, pairCells, probeCountText } from './pairs.ts';

const agent = (i: number, ip = `10.244.${i}.2`): ProbeAgent => ({
  name: `probe-${i}`,
  namespace: 'run',
  node: `node${String(i).padStart(3, '0')}`,
  podIP: ip,
  group: 'node',
  ports: AGENT_PORTS,
  labels: {},
  token: 't',
});
const fleet = (n: number) => Array.from({ length: n }, (_, i) => agent(i));

describe('choosing node pairs', () => {
  it('takes every ordered pair of different nodes up to the bound', () => {
    expect(choosePairs(fleet(2), false).pairs.map((p) => `${p.source.node}->${p.target.node}`)).toEqual(['node000->node001', 'node001->node000']);
    const plan = choosePairs(fleet(ALL_PAIRS_UP_TO), false);
    expect(plan).toMatchObject({ mode: 'all', nodes: 24 });
    expect(plan.pairs).toHaveLength(24 * 23);
    expect(choosePairs([agent(0)], false).pairs).toEqual([]);
  });

  it('above the bound, a ring of 8 peers per node: each node probes 8 and is probed by 8, every sampled pair in both directions', () => {
    const plan = choosePairs(fleet(25), false);
    expect(plan.mode).toBe('ring');
    expect(plan.pairs).toHaveLength(25 * PEER_SHIFTS.length);
    const keys = new Set(plan.pairs.map((p) => `${p.source.node}->${p.target.node}`));
    expect(keys.size).toBe(plan.pairs.length);
    for (const p of plan.pairs) expect(keys.has(`${p.target.node}->${p.source.node}`)).toBe(true);
    const into = Map.groupBy(plan.pairs, (p) => p.target.node);
    expect([...into.values()].every((pairs) => pairs.length === 8)).toBe(true);
  });

  it('at 500 nodes the probes stay linear (16,000), unless every pair is asked for', () => {
    const agents = fleet(500);
    const plan = choosePairs(agents, false);
    const cells = pairCells(plan, () => 1500, 1000);
    expect(plan.pairs).toHaveLength(4000);
    expect(cells).toHaveLength(16_000);
    expect(probeCountText(plan, cells.length, PAYLOADS.length)).toBe(
      '16000 probes over 4000 ordered node pairs of 500 nodes (a ring of 8 peers per node above 24 nodes: 4 x 8 x N = 4 x 8 x 500 (--network-all-pairs for all 249500 pairs))',
    );
    expect(choosePairs(fleet(30), true).pairs).toHaveLength(30 * 29);
  });
});

describe('pair cells', () => {
  it('sends small and large probes sized from the sender MTU, facets naming pair, protocol and size', () => {
    const plan = choosePairs([agent(1), agent(2)], false);
    const cells = pairCells(plan, (a) => (a.node === 'node001' ? 1450 : undefined), 2000);
    expect(cells).toHaveLength(8);
    const from1 = cells.filter((cell) => cell.facets['source-node'] === 'node001');
    expect(from1.map((cell) => [cell.facets.probe, cell.target.kind, 'size' in cell.target ? cell.target.size : undefined])).toEqual([
      ['tcp', 'tcp', undefined],
      ['udp', 'udp', undefined],
      ['tcp-large', 'tcp', 8 * 1450],
      ['udp-large', 'udp', 1422],
    ]);
    expect(from1[3]?.facets).toEqual({
      'source-node': 'node001',
      'target-node': 'node002',
      protocol: 'udp',
      payload: 'large',
      probe: 'udp-large',
      bytes: '1422',
    });
    // An agent that could not tell its MTU: the Ethernet default.
    expect(cells.filter((cell) => cell.facets['source-node'] === 'node002').map((cell) => cell.facets.bytes)).toEqual([undefined, undefined, '12000', '1472']);
    expect(from1[0]?.expect).toMatchObject({ answer: 'answered', by: { pod: 'probe-2' } });
  });

  it('keeps a jumbo-frame upload within what the agent accepts', () => {
    const cells = pairCells(choosePairs([agent(1), agent(2)], false), () => 9001, 1000);
    expect(cells.filter((cell) => cell.facets.payload === 'large').map((cell) => cell.facets.bytes)).toEqual(['65000', '8973', '65000', '8973']);
  });

  it('leaves 48 bytes of headers over IPv6', () => {
    const cells = pairCells(choosePairs([agent(1, 'fd00::1'), agent(2, 'fd00::2')], false), () => 1500, 1000);
    expect(cells.find((cell) => cell.facets.probe === 'udp-large')?.facets.bytes).toBe('1452');
  });

  it("node address cells: a handshake with the other node's kubelet port, none for a node without an address", () => {
    const plan = choosePairs([agent(1), agent(2), agent(3)], false);
    const cells = nodeAddressCells(plan, (node) => (node === 'node003' ? undefined : { ip: `10.217.0.${node.slice(-1)}`, port: 10250 }), 1000);
    expect(cells).toHaveLength(4);
    expect(cells[0]).toMatchObject({
      column: 'node002 10.217.0.2:10250',
      target: { kind: 'tcp', host: '10.217.0.2', port: 10250, connectOnly: true },
      facets: { 'source-node': 'node001', 'target-node': 'node002' },
    });
  });
});
