// Which ordered node pairs the data-path checks probe, and the cells for each pair, as data.
//
// Probe count. With N nodes (one probe agent each) there are N x (N - 1) ordered node pairs, and
// each pair gets the PAYLOADS below (4 probes): 4 x N x (N - 1) probes, quadratic. Up to
// ALL_PAIRS_UP_TO nodes every ordered pair is probed (24 nodes: 552 pairs, 2208 probes, 92 per
// agent). Above it, each node probes PEER_SHIFTS.length peers, the nodes at -4..-1 and +1..+4 in
// name order (a ring), so every node is probed from 8 nodes and probes 8 nodes, in both directions
// of each sampled pair: 8 x N pairs, 32 x N probes, linear. At 500 nodes: 4000 pairs, 16,000
// probes (32 per agent) instead of 249,500 pairs and 998,000 probes. --network-all-pairs probes
// every pair at any size.
import { MAX_TCP_SIZE, MAX_UDP_SIZE, type ProbeTarget } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../fleet/descriptor.ts';
import { EXPECT, answeredBy, type Expectation } from '../probe/expectations.ts';
import type { Cell } from '../probe/reach.ts';

export const ALL_PAIRS_UP_TO = 24;
export const PEER_SHIFTS = [1, -1, 2, -2, 3, -3, 4, -4] as const;
// A TCP upload of this many MTUs: several full segments, so a path that loses full-size frames loses it.
export const TCP_LARGE_MTUS = 8;
// When an agent cannot tell its MTU: the Ethernet default.
export const DEFAULT_MTU = 1500;

export interface Pair {
  source: ProbeAgent;
  target: ProbeAgent;
}

export interface PairPlan {
  pairs: Pair[];
  // 'all' every ordered pair; 'ring' PEER_SHIFTS peers per node.
  mode: 'all' | 'ring';
  nodes: number;
}

// Agents in node name order, so the ring (and the report) is the same from run to run.
export function choosePairs(agents: readonly ProbeAgent[], all: boolean): PairPlan {
  const ordered = [...agents].sort((a, b) => a.node.localeCompare(b.node));
  const n = ordered.length;
  if (all || n <= ALL_PAIRS_UP_TO) {
    return {
      mode: 'all',
      nodes: n,
      pairs: ordered.flatMap((source) => ordered.filter((target) => target.node !== source.node).map((target) => ({ source, target }))),
    };
  }
  const pairs: Pair[] = [];
  ordered.forEach((source, i) => {
    for (const shift of PEER_SHIFTS) {
      const target = ordered[(((i + shift) % n) + n) % n];
      if (target !== undefined && target.node !== source.node) pairs.push({ source, target });
    }
  });
  return { mode: 'ring', nodes: n, pairs };
}

// One line for the report: how many pairs and probes, and how that grows.
export function probeCountText(plan: PairPlan, probes: number, perPair: number): string {
  const n = plan.nodes;
  const growth =
    plan.mode === 'all'
      ? `every ordered pair: ${perPair} x N x (N - 1) = ${perPair} x ${n} x ${Math.max(0, n - 1)}`
      : `a ring of ${PEER_SHIFTS.length} peers per node above ${ALL_PAIRS_UP_TO} nodes: ${perPair} x ${PEER_SHIFTS.length} x N = ${perPair} x ${PEER_SHIFTS.length} x ${n} (--network-all-pairs for all ${n * (n - 1)} pairs)`;
  return `${probes} probes over ${plan.pairs.length} ordered node pairs of ${n} nodes (${growth})`;
}

// What one probe of a pair sends, as data. `bytes` is what the probe carries from source to target.
export interface Payload {
  name: string;
  protocol: 'tcp' | 'udp';
  size: 'small' | 'large';
  bytes: (mtu: number, ipv6: boolean) => number | undefined;
  describe: (bytes: number | undefined) => string;
}

export const PAYLOADS: readonly Payload[] = [
  { name: 'tcp', protocol: 'tcp', size: 'small', bytes: () => undefined, describe: () => 'a small TCP echo' },
  { name: 'udp', protocol: 'udp', size: 'small', bytes: () => undefined, describe: () => 'a small UDP datagram' },
  // Within what the agent accepts: jumbo frames (MTU 9001) would ask for more than a bulk line holds.
  {
    name: 'tcp-large',
    protocol: 'tcp',
    size: 'large',
    bytes: (mtu) => Math.min(TCP_LARGE_MTUS * mtu, MAX_TCP_SIZE),
    describe: (bytes) => `a ${bytes}-byte TCP upload`,
  },
  // The largest datagram the sender's MTU carries unfragmented: MTU - 20 (IPv4 header) - 8 (UDP), or - 40 - 8 over IPv6.
  {
    name: 'udp-large',
    protocol: 'udp',
    size: 'large',
    bytes: (mtu, ipv6) => Math.min(mtu - (ipv6 ? 48 : 28), MAX_UDP_SIZE),
    describe: (bytes) => `a ${bytes}-byte UDP datagram (the sender's MTU less the IP and UDP headers)`,
  },
];

export function payloadNamed(name: string): Payload | undefined {
  return PAYLOADS.find((payload) => payload.name === name);
}

// `mtuOf` gives the sender's interface MTU, as its agent reported it.
export function pairCells(plan: PairPlan, mtuOf: (agent: ProbeAgent) => number | undefined, timeoutMs: number): Cell[] {
  return plan.pairs.flatMap(({ source, target }) => {
    const mtu = mtuOf(source) ?? DEFAULT_MTU;
    const ipv6 = target.podIP.includes(':');
    return PAYLOADS.map((payload): Cell => {
      const bytes = payload.bytes(mtu, ipv6);
      const probe: ProbeTarget =
        payload.protocol === 'tcp'
          ? { id: '', kind: 'tcp', host: target.podIP, port: target.ports.tcp, payload: 'network', timeoutMs, ...(bytes === undefined ? {} : { size: bytes }) }
          : { id: '', kind: 'udp', host: target.podIP, port: target.ports.udp, payload: 'network', timeoutMs, ...(bytes === undefined ? {} : { size: bytes }) };
      return {
        source,
        row: `${source.name}@${source.node}`,
        column: `${target.node}/${payload.name}`,
        target: probe,
        expect: answeredBy({ pod: target.name }),
        facets: {
          'source-node': source.node,
          'target-node': target.node,
          protocol: payload.protocol,
          payload: payload.size,
          probe: payload.name,
          ...(bytes === undefined ? {} : { bytes: String(bytes) }),
        },
      };
    });
  });
}

// Pod to the other node's address: a TCP handshake with its kubelet port (nothing sent), for the
// same pairs. Targets without an address get no cell.
export function nodeAddressCells(plan: PairPlan, addressOf: (node: string) => { ip: string; port: number } | undefined, timeoutMs: number): Cell[] {
  return plan.pairs.flatMap(({ source, target }) => {
    const address = addressOf(target.node);
    if (address === undefined) return [];
    const expect: Expectation = { ...EXPECT.answered, name: 'connected' };
    return [
      {
        source,
        row: `${source.name}@${source.node}`,
        column: `${target.node} ${address.ip}:${address.port}`,
        target: { id: '', kind: 'tcp', host: address.ip, port: address.port, connectOnly: true, timeoutMs },
        expect,
        facets: { 'source-node': source.node, 'target-node': target.node },
      },
    ];
  });
}
