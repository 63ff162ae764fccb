// Judging the node pairs: each ordered pair is ok, loses only its large payloads (MTU), loses only
// UDP while TCP passes (udp), or loses small TCP too (down). Then correlate: a node every failing pair goes through (or to, or from)
// is named once instead of its pairs; otherwise each failing pair is named with its direction.
// Pure: from observed cells (facets source-node, target-node, payload, probe, bytes) and the MTUs
// the agents reported.
import type { InterfaceMtu } from '../../agent/protocol.ts';
import type { ObservedCell } from '../probe/reach.ts';
import { formatGrid } from '../evidence.ts';
import type { Classification, Grid, Origin } from '../result.ts';
import { PAYLOADS, payloadNamed } from './pairs.ts';

export type PairStatus = 'ok' | 'mtu' | 'udp' | 'down';

export interface FailedProbe {
  probe: string;
  bytes?: number;
  seen: string;
}

export interface PairVerdict {
  source: string;
  target: string;
  status: PairStatus;
  failed: FailedProbe[];
  // The large probes that passed (a TCP upload passes where a datagram of the same MTU is lost: TCP adapts its segment size).
  passedLarge: FailedProbe[];
  classification?: Classification;
}

export interface PairFinding {
  message: string;
  classification: Classification;
  likelyCause: string;
  origin?: Origin;
  // One line per failing pair, with what failed.
  lines: string[];
}

type Judged = Pick<ObservedCell, 'facets' | 'judgement' | 'result' | 'error' | 'target'>;

const key = (source: string, target: string) => `${source}\u0000${target}`;

function seenOf(cell: Judged): string {
  if (cell.error !== undefined) return `not asked: ${cell.error}`;
  if (cell.result === undefined) return 'no result';
  // A timeout is said with the probe's own bound, so probes that all timed out read as one.
  if (cell.result.outcome === 'timeout') return `timeout after ${cell.target.timeoutMs}ms`;
  return cell.result.outcome === 'ok' ? cell.judgement.observed : `${cell.result.outcome}${cell.result.code === undefined ? '' : ` (${cell.result.code})`}`;
}

export function pairVerdicts(cells: readonly Judged[]): PairVerdict[] {
  const byPair = new Map<string, { source: string; target: string; cells: Judged[] }>();
  for (const cell of cells) {
    const source = cell.facets['source-node'] ?? '?';
    const target = cell.facets['target-node'] ?? '?';
    const entry = byPair.get(key(source, target)) ?? { source, target, cells: [] };
    entry.cells.push(cell);
    byPair.set(key(source, target), entry);
  }
  return [...byPair.values()].map(({ source, target, cells: mine }) => {
    const failing = mine.filter((cell) => !cell.judgement.ok);
    const smallFails = failing.some((cell) => cell.facets.payload !== 'large');
    const onlyUdp = failing.every((cell) => cell.facets.protocol === 'udp') && mine.some((cell) => cell.facets.protocol === 'tcp');
    const status: PairStatus = failing.length === 0 ? 'ok' : !smallFails ? 'mtu' : onlyUdp ? 'udp' : 'down';
    const failed = failing.map((cell) => ({
      probe: cell.facets.probe ?? '?',
      ...(cell.facets.bytes === undefined ? {} : { bytes: Number(cell.facets.bytes) }),
      seen: seenOf(cell),
    }));
    const passedLarge = mine
      .filter((cell) => cell.judgement.ok && cell.facets.payload === 'large')
      .map((cell) => ({ probe: cell.facets.probe ?? '?', ...(cell.facets.bytes === undefined ? {} : { bytes: Number(cell.facets.bytes) }), seen: 'passed' }));
    const classification = failing[0]?.judgement.classification;
    return { source, target, status, failed, passedLarge, ...(classification === undefined ? {} : { classification }) };
  });
}

export function mtuText(node: string, mtu: InterfaceMtu | undefined): string {
  if (mtu === undefined) return `unknown on ${node}`;
  return mtu.mtu === undefined ? `unreadable on ${node} (${mtu.interface}: ${mtu.error ?? 'no value'})` : `${mtu.mtu} on ${node} (${mtu.interface})`;
}

function probeText(failed: FailedProbe, withSeen = true): string {
  const payload = payloadNamed(failed.probe);
  return `${payload === undefined ? failed.probe : payload.describe(failed.bytes)}${withSeen ? ` (${failed.seen})` : ''}`;
}

function listOf(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}

// One pair, its direction and what failed.
export function pairLine(verdict: PairVerdict, mtus: ReadonlyMap<string, InterfaceMtu>): string {
  const direction = `from the probe on ${verdict.source} to the probe on ${verdict.target}`;
  // One outcome for all of them is said once, after the list.
  const seen = new Set(verdict.failed.map((f) => f.seen));
  const shared = seen.size === 1 && verdict.failed.length > 1 ? ` (${[...seen][0]})` : '';
  const what = listOf(verdict.failed.map((f) => probeText(f, shared === ''))) + shared;
  if (verdict.status === 'mtu') {
    const passed = verdict.passedLarge.length === 0 ? '' : ` and ${listOf(verdict.passedLarge.map((p) => probeText(p, false)))}`;
    const told = verdict.failed.some((f) => f.seen.includes('EMSGSIZE'))
      ? ' (EMSGSIZE: an ICMP "fragmentation needed" told the sender the path carries less than its datagram)'
      : '';
    return `${direction}: only large payloads fail, MTU: ${what}${told}; the small TCP and UDP probes${passed} pass; pod interface MTU ${mtuText(verdict.source, mtus.get(verdict.source))}, ${mtuText(verdict.target, mtus.get(verdict.target))}`;
  }
  if (verdict.status === 'udp') return `${direction}: only UDP fails: ${what}; the small TCP echo and the large TCP upload pass`;
  if (verdict.passedLarge.length === 0 && verdict.failed.length === PAYLOADS.length)
    return `${direction}: every probe, TCP and UDP, small and large, fails${shared === '' ? `: ${what}` : shared}`;
  return `${direction}: ${what.slice(0, what.length - shared.length)} ${verdict.failed.length === 1 ? 'fails' : 'fail'}${shared}`;
}

type NodeRole = 'through' | 'to' | 'from';

// A node that explains every failing pair: all pairs through it fail (or all to it, or all from it)
// and no other pair does. Needs 3 nodes or more: with 2, both nodes are in every pair.
export function suspectNode(verdicts: readonly PairVerdict[]): { node: string; role: NodeRole } | undefined {
  const nodes = [...new Set(verdicts.flatMap((v) => [v.source, v.target]))].sort();
  if (nodes.length < 3) return undefined;
  const failing = new Set(verdicts.filter((v) => v.status !== 'ok').map((v) => key(v.source, v.target)));
  if (failing.size < 2) return undefined;
  const same = (pairs: readonly PairVerdict[]) => pairs.length === failing.size && pairs.every((v) => failing.has(key(v.source, v.target)));
  for (const role of ['through', 'to', 'from'] as const) {
    for (const node of nodes) {
      const pairs = verdicts.filter((v) => (role === 'to' ? v.target === node : role === 'from' ? v.source === node : v.source === node || v.target === node));
      if (same(pairs) && verdicts.length > pairs.length) return { node, role };
    }
  }
  return undefined;
}

const MTU_CAUSE =
  'an MTU black hole: the pods send frames as large as their interface MTU, and a link on the path carries less. Usual causes: an overlay MTU larger than the underlay allows, ' +
  'the encapsulation overhead not subtracted from the pod MTU (VXLAN 50 bytes, IPIP 20, WireGuard 60, GENEVE 50+), a node or router interface with a smaller MTU, ' +
  'and ICMP "fragmentation needed" (type 3 code 4) filtered or never sent, so senders never learn the path MTU';
const UDP_CAUSE =
  'UDP is dropped between these nodes while TCP passes: a host firewall, security group or cloud ACL that allows only TCP between the nodes, or conntrack dropping UDP. ' +
  'It also breaks DNS from pods on one node to the CoreDNS replicas on the other, VXLAN encapsulation (UDP 8472 or 4789) where the CNI uses it, and NodePort and Service traffic over UDP';
const PAIR_CAUSE =
  "the route or tunnel between these nodes: the CNI's routes to the other node's pod range, its encapsulation blocked between the nodes (VXLAN UDP 8472 or 4789, IPIP protocol 4, BGP routes not exchanged), or a host firewall";

export function judgePairs(verdicts: readonly PairVerdict[], mtus: ReadonlyMap<string, InterfaceMtu>): PairFinding | undefined {
  const failing = verdicts.filter((v) => v.status !== 'ok');
  if (failing.length === 0) return undefined;
  const passing = verdicts.length - failing.length;
  const onlyMtu = failing.every((v) => v.status === 'mtu');
  const onlyUdp = failing.every((v) => v.status === 'udp');
  const classification = failing[0]?.classification ?? 'error';
  const lines = failing.map((v) => pairLine(v, mtus));
  const mtuNote = onlyMtu ? ', only their large payloads: MTU' : onlyUdp ? ', only UDP: TCP passes' : '';
  const pairCause = onlyMtu ? MTU_CAUSE : onlyUdp ? UDP_CAUSE : PAIR_CAUSE;
  const facet = onlyMtu
    ? { dimension: 'pair & payload', tail: ', large' }
    : onlyUdp
      ? { dimension: 'pair & protocol', tail: ', udp' }
      : { dimension: 'pair', tail: '' };
  const suspect = suspectNode(verdicts);
  if (suspect !== undefined) {
    const { node, role } = suspect;
    const phrase = role === 'through' ? `through ${node} (to it and from it)` : role === 'to' ? `to ${node}` : `from ${node}`;
    const summary = `every node pair ${phrase} fails (${failing.length} of ${verdicts.length} pairs${mtuNote}); the ${passing} pairs between the other nodes pass`;
    return {
      message: summary,
      classification,
      likelyCause: onlyMtu
        ? `${MTU_CAUSE}; here the link ${role === 'from' ? 'out of' : 'into'} ${node} (pod interface MTU ${mtuText(node, mtus.get(node))})`
        : onlyUdp
          ? `${UDP_CAUSE}; here on ${node}`
          : `the pod network on ${node}: its CNI agent, its routes or tunnel device, or a host firewall on ${node}`,
      origin: { dimension: 'node', value: node, summary, confidence: passing >= 2 ? 'high' : 'medium', suspect: `the pod network on ${node}` },
      lines,
    };
  }
  const first = failing[0] as PairVerdict;
  const reverse = (v: PairVerdict) => failing.find((w) => w.source === v.target && w.target === v.source);
  if (failing.length === 2 && reverse(first) !== undefined && reverse(first)?.status === first.status) {
    const [a, b] = [first.source, first.target].sort();
    const what = first.status === 'mtu' ? 'only large payloads fail: MTU' : first.status === 'udp' ? 'only UDP fails, TCP passes' : 'probes fail';
    const summary = `between the probes on ${a} and ${b}, both ways, ${what}: ${lines.join('; ')}${passing > 0 ? `; the other ${passing} pair${passing === 1 ? '' : 's'} pass${passing === 1 ? 'es' : ''}` : ''}`;
    return {
      message: summary,
      classification,
      likelyCause: pairCause,
      origin: {
        dimension: facet.dimension,
        value: `${a} <-> ${b}${facet.tail}`,
        summary,
        confidence: passing > 0 ? 'high' : 'medium',
        suspect: pairSuspect(first.status, a ?? '', b ?? '', true),
      },
      lines,
    };
  }
  if (failing.length === 1) {
    const opposite = verdicts.some((v) => v.source === first.target && v.target === first.source)
      ? `; the opposite direction (${first.target} to ${first.source}) passes`
      : '';
    const others = passing - (opposite === '' ? 0 : 1);
    const summary = `${lines[0] ?? ''}${opposite}${others > 0 ? `, and so do the other ${others} pair${others === 1 ? '' : 's'}` : ''}`;
    return {
      message: summary,
      classification,
      likelyCause: pairCause,
      origin: {
        dimension: facet.dimension,
        value: `${first.source} -> ${first.target}${facet.tail}`,
        summary,
        confidence: passing > 0 ? 'high' : 'medium',
        suspect: pairSuspect(first.status, first.source, first.target, false),
      },
      lines,
    };
  }
  const message = `${failing.length} of ${verdicts.length} node pairs fail${mtuNote}: ${lines[0] ?? ''}${failing.length > 1 ? ` (and ${failing.length - 1} more)` : ''}`;
  return {
    message,
    classification,
    likelyCause:
      onlyMtu || onlyUdp
        ? pairCause
        : failing.some((v) => v.status === 'mtu')
          ? `${PAIR_CAUSE}; for the pairs that lose only large payloads, ${MTU_CAUSE}`
          : PAIR_CAUSE,
    lines,
  };
}

// The component a pair's finding points at: the same words whichever suite found it, so the report
// correlates the network suite's finding with the Service and DNS failures it explains.
export function pairSuspect(status: PairStatus, a: string, b: string, bothWays: boolean): string {
  const between = bothWays ? `between ${a} and ${b}` : `from ${a} to ${b}`;
  if (status === 'mtu') return `the path MTU ${between}`;
  if (status === 'udp') return `UDP ${between}`;
  return `the pod network ${between}`;
}

// Rows are sources, columns targets: "." every probe passed, "M" only large payloads failed, "U" only UDP failed, "X" small TCP failed too.
export const PAIR_LEGEND: Readonly<Record<string, string>> = {
  '.': 'all pass',
  M: 'only large payloads fail',
  U: 'only UDP fails',
  X: 'small TCP fails too',
  '-': 'the node itself',
};

// The node pairs as a grid: rows from, columns to.
export function pairGrid(verdicts: readonly PairVerdict[]): Grid {
  const nodes = [...new Set(verdicts.flatMap((v) => [v.source, v.target]))].sort();
  const symbol = new Map(verdicts.map((v) => [key(v.source, v.target), v.status === 'ok' ? '.' : v.status === 'mtu' ? 'M' : v.status === 'udp' ? 'U' : 'X']));
  return {
    corner: 'from \\ to',
    columns: nodes,
    rows: nodes.map((source) => ({ name: source, cells: nodes.map((target) => (source === target ? '-' : (symbol.get(key(source, target)) ?? ' '))) })),
    legend: { ...PAIR_LEGEND },
  };
}

export function pairTable(verdicts: readonly PairVerdict[]): string {
  return formatGrid(pairGrid(verdicts));
}
