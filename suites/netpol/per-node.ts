// A truth table's mismatches grouped by the node whose enforcer had to act on them. A NetworkPolicy
// is enforced where the pod it selects runs: ingress on the node of the pod it protects (the
// target), egress on the node of the pod it restricts (the source). So every cell that a policy
// governs has one or two enforcing nodes, and a node where no policy holds shows as a node whose
// cells all leaked while another node's cells held.
//
// Per node: the pods on it that a policy selects, the cells it had to act on, those it alone had
// to block and did (proof that it enforces), those it alone had to block and that were reached
// anyway (leaked), and every other mismatch among its cells. Its state:
//   enforced      no mismatch among its cells
//   not-enforced  something leaked and nothing it had to block was blocked: no policy holds there
//   partial       anything else (some paths held, others not)
// Cells that no policy governs (no enforcing node) are kept apart: their mismatches are no enforcer's.
import { cellKey, probesOf, type ReachModel, type Truth } from './model.ts';
import type { PolicyDraft } from './policy.ts';
import { compare, observedSymbol, type Mismatch, type Observed } from './table.ts';

export type Direction = 'ingress' | 'egress';

export interface Policed {
  node: string;
  // The model's pod id, "x/b".
  pod: string;
  direction: Direction;
}

export type NodeState = 'enforced' | 'not-enforced' | 'partial';

export interface NodeGroup {
  node: string;
  // The pods on it that a policy selects, with the direction it polices them in, sorted.
  policed: Policed[];
  // Cells it had to act on (alone or with another node).
  cells: number;
  // Cells it alone had to block, blocked.
  held: number;
  // Cells it alone had to block, reached anyway.
  leaked: Mismatch[];
  // Other mismatches among its cells: a path it should allow was blocked, a cell was not observed,
  // or a cell that two nodes had to block leaked through both.
  other: Mismatch[];
  state: NodeState;
}

export interface ByNode {
  // Sorted by node name.
  nodes: NodeGroup[];
  // Mismatches of cells no policy governs.
  unpoliced: Mismatch[];
}

type Draft = Pick<PolicyDraft, 'namespace' | 'pod' | 'types'>;

export function selects(draft: Draft, id: string): boolean {
  const [namespace, pod] = id.split('/');
  return draft.namespace === namespace && (draft.pod === undefined || draft.pod === pod);
}

// Who must act on one cell (none for a pod reaching itself, which no policy can cut).
export function enforcersOf(drafts: readonly Draft[], placement: ReadonlyMap<string, string>, from: string, to: string): Policed[] {
  if (from === to) return [];
  const out: Policed[] = [];
  if (drafts.some((d) => d.types.includes('Ingress') && selects(d, to))) out.push({ node: placement.get(to) ?? '', pod: to, direction: 'ingress' });
  if (drafts.some((d) => d.types.includes('Egress') && selects(d, from))) out.push({ node: placement.get(from) ?? '', pod: from, direction: 'egress' });
  return out;
}

// The pods the drafts select, each with its node and direction, sorted by pod.
export function policedPods(drafts: readonly Draft[], placement: ReadonlyMap<string, string>): Policed[] {
  const out: Policed[] = [];
  for (const [pod, node] of [...placement].sort(([a], [b]) => a.localeCompare(b))) {
    for (const direction of ['ingress', 'egress'] as const) {
      const type = direction === 'ingress' ? 'Ingress' : 'Egress';
      if (drafts.some((d) => d.types.includes(type) && selects(d, pod))) out.push({ node, pod, direction });
    }
  }
  return out;
}

export const policedText = (p: Policed): string => `${p.pod} (${p.direction})`;

// "x/a (ingress), x/b (ingress and egress) on node2": one entry per pod, in the order given.
export function policedList(policed: readonly Policed[], withNode = false): string {
  const byPod = Map.groupBy(policed, (p) => p.pod);
  return [...byPod]
    .map(([pod, list]) => `${pod} (${[...new Set(list.map((p) => p.direction))].join(' and ')})${withNode ? ` on ${list[0]?.node ?? ''}` : ''}`)
    .join(', ');
}

function stateOf(group: Omit<NodeGroup, 'state'>): NodeState {
  if (group.leaked.length === 0 && group.other.length === 0) return 'enforced';
  return group.leaked.length > 0 && group.held === 0 ? 'not-enforced' : 'partial';
}

export function groupByNode(model: ReachModel, drafts: readonly Draft[], placement: ReadonlyMap<string, string>, expected: Truth, observed: Observed): ByNode {
  const mismatches = new Map(compare(model, expected, observed).map((m) => [m.key, m]));
  const groups = new Map<string, Omit<NodeGroup, 'state' | 'policed'> & { policed: Map<string, Policed> }>();
  const groupOf = (node: string) => {
    let group = groups.get(node);
    if (group === undefined) groups.set(node, (group = { node, policed: new Map(), cells: 0, held: 0, leaked: [], other: [] }));
    return group;
  };
  const unpoliced: Mismatch[] = [];
  for (const probe of probesOf(model)) {
    const key = cellKey(probe.from, probe.to, probe.port);
    const enforcers = enforcersOf(drafts, placement, probe.from, probe.to);
    const mismatch = mismatches.get(key);
    if (enforcers.length === 0) {
      if (mismatch !== undefined) unpoliced.push(mismatch);
      continue;
    }
    const nodes = [...new Set(enforcers.map((e) => e.node))];
    const alone = nodes.length === 1;
    const mustBlock = expected.get(key) === false;
    for (const node of nodes) {
      const group = groupOf(node);
      group.cells += 1;
      for (const e of enforcers) if (e.node === node) group.policed.set(policedText(e), e);
      if (mismatch === undefined) {
        if (alone && mustBlock) group.held += 1;
      } else if (alone && mustBlock && observedSymbol(mismatch.observed) === '.') group.leaked.push(mismatch);
      else group.other.push(mismatch);
    }
  }
  const nodes = [...groups.values()]
    .map((g) => ({ ...g, policed: [...g.policed].sort(([a], [b]) => a.localeCompare(b)).map(([, p]) => p) }))
    .map((g) => ({ ...g, state: stateOf(g) }))
    .sort((a, b) => a.node.localeCompare(b.node));
  return { nodes, unpoliced };
}

// Nodes where no policy holds while it holds on another node: a finding about those nodes (not
// about the plugin as a whole, nor about how it reads one policy). Undefined when there is none.
export function missingNodes(byNode: ByNode): { missing: NodeGroup[]; holding: NodeGroup[] } | undefined {
  const missing = byNode.nodes.filter((n) => n.state === 'not-enforced');
  const holding = byNode.nodes.filter((n) => n.state !== 'not-enforced' && n.held > 0);
  return missing.length === 0 || holding.length === 0 ? undefined : { missing, holding };
}

const STATE_TEXT: Record<NodeState, string> = { enforced: 'enforced', 'not-enforced': 'NOT enforced', partial: 'partly enforced' };

// One line per node: its state, the pods it polices, what held and what did not.
export function byNodeText(byNode: ByNode): string {
  const lines = byNode.nodes.map((g) => {
    const counts = [
      `${g.held} probe(s) it had to block blocked`,
      ...(g.leaked.length > 0 ? [`${g.leaked.length} reached`] : []),
      ...(g.other.length > 0 ? [`${g.other.length} other mismatch(es)`] : []),
    ];
    return `${g.node}: ${STATE_TEXT[g.state]}; policies select ${policedList(g.policed)}; ${counts.join(', ')}`;
  });
  if (byNode.unpoliced.length > 0) lines.push(`(no policy selects either pod) ${byNode.unpoliced.length} mismatch(es), no enforcer's`);
  return lines.join('\n');
}
