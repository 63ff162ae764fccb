// Whether NetworkPolicy is enforced at all, judged from one default-deny step: the baseline (no
// policy) table, then the table once a default-deny policy had every chance to take effect.
//   enforced      the deny table matched its expectation
//   not-enforced  the deny changed nothing: every cell still reached, as in the baseline
//   partial       something changed, but not as expected (enforced, wrongly or slowly); grouped by
//                 the node that had to enforce each path (per-node.ts), it may name nodes where no
//                 policy holds while it holds on others (nodeFinding): "not enforced on node2"
//   no-baseline   without any policy, pods did not all reach each other: nothing can be judged
import type { Origin } from '../../helpers/result.ts';
import { blockedCount, compare, type Mismatch, type Observed } from './table.ts';
import type { ReachModel, Truth } from './model.ts';
import { missingNodes, type ByNode, type NodeGroup } from './per-node.ts';

export type Enforcement = 'enforced' | 'not-enforced' | 'partial' | 'no-baseline';

export interface VerdictInput {
  model: ReachModel;
  baseline: Observed;
  denyExpected: Truth;
  denyObserved: Observed;
}

export function judgeEnforcement(input: VerdictInput): Enforcement {
  const allAllowed: Truth = new Map();
  if (compare(input.model, allAllowed, input.baseline).length > 0) return 'no-baseline';
  if (compare(input.model, input.denyExpected, input.denyObserved).length === 0) return 'enforced';
  return blockedCount(input.model, input.denyObserved) === 0 ? 'not-enforced' : 'partial';
}

export function notEnforcedMessage(plugin: string): string {
  return `NetworkPolicy is not enforced by this cluster's network plugin: ${plugin}`;
}

// The component a per-node finding points at: the verdict and every case failed for it are one finding.
export const enforcerSuspect = (nodes: readonly string[]): string => `the NetworkPolicy enforcer on ${listOf(nodes)}`;

export function notEnforcedOnMessage(nodes: readonly string[]): string {
  return `NetworkPolicy is not enforced on ${listOf(nodes)}`;
}

export function listOf(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}

export interface NodeFinding {
  // The nodes where no policy holds.
  nodes: string[];
  // The nodes where it holds.
  holding: string[];
  // The probes that reached what only those nodes had to block.
  leaked: Mismatch[];
  // What held where, and what did not: "a default deny of ingress into x held on node1 (x/a, x/c: 32
  // probes blocked) and on none of node2's pods (x/b: 16 probes reached)".
  detail: string;
  origin: Origin;
}

// A table's mismatches grouped by enforcing node (per-node.ts) name nodes where no policy holds
// while it holds on others: the finding, its words and its origin. Undefined when there is none.
export function nodeFinding(byNode: ByNode, what: string): NodeFinding | undefined {
  const found = missingNodes(byNode);
  if (found === undefined) return undefined;
  const nodes = found.missing.map((g) => g.node);
  const pods = (groups: readonly NodeGroup[]) => [...new Set(groups.flatMap((g) => g.policed.map((p) => p.pod)))].join(', ');
  const leaked = found.missing.reduce((n, g) => n + g.leaked.length, 0);
  const held = found.holding.reduce((n, g) => n + g.held, 0);
  const holding = listOf(found.holding.map((g) => g.node));
  const directions = new Set(found.missing.flatMap((g) => g.policed.map((p) => p.direction)));
  // Ingress is enforced at the target's node, egress at the source's.
  const dimension = directions.size !== 1 ? 'node' : directions.has('ingress') ? 'target-node' : 'source-node';
  const whose = nodes.length === 1 ? `${nodes[0]}'s` : `${listOf(nodes)}'s`;
  return {
    nodes,
    holding: found.holding.map((g) => g.node),
    leaked: found.missing.flatMap((g) => g.leaked),
    detail: `${what} held on ${holding} (${pods(found.holding)}: ${held} probes blocked) and on none of ${whose} pods (${pods(found.missing)}: ${leaked} probes reached)`,
    origin: {
      dimension,
      value: nodes.join(', '),
      summary: `all ${leaked} probes that only ${listOf(nodes)} had to block were reached; the ${held} that ${holding} had to block were blocked: ${notEnforcedOnMessage(nodes)}`,
      confidence: leaked >= 2 && held >= 2 ? 'high' : 'medium',
      suspect: enforcerSuspect(nodes),
    },
  };
}
