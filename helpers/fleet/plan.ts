// The bounded probe fleet: which nodes get a probe pod, and which of those pods the matrix checks
// (every source x every target) use. The old plan (one agent per node, every check all-to-all)
// costs N pods and N² probes per check: 250,000 probes per check at 500 nodes.
//
// Two kinds of checks, two bounds:
// - Matrix checks (pod to pod across nodes, Service from everywhere) use a SAMPLE of the node
//   agents: first a greedy cover of every zone (topology.kubernetes.io/zone) and every node pool
//   (the provider's pool label, else the instance type, see kube/topology.ts), workers before
//   control-plane nodes, then filled round-robin over the (zone, pool) groups up to
//   MATRIX_TARGET, never more than MATRIX_CAP. Probes per matrix check <= MATRIX_CAP² x targets
//   per pair; zones or pools the cap leaves out are listed as not covered.
// - Per-node checks (this node's kube-proxy, this node's DNS path, this node's NodePort) need one
//   agent on EVERY node, and each probes from its own node only: O(N) probes, one batch per node.
//   So every schedulable node gets an agent, up to NODE_CAP; nodes beyond it are listed as not
//   covered, with the reason. Why every node rather than a subset: a per-node fault (one broken
//   kube-proxy, one node's routes) is exactly what a sample misses, and an agent costs 10m CPU and
//   32Mi of requests per node, one pod create, and one probe batch per per-node check; at 500
//   nodes that is 500 creates through the rate limit (25 s at 20 qps) and no quadratic term.
// Control-plane nodes carry an agent only when schedulable (the caller passes schedulable nodes);
// extras (group 'extra') top the fleet up to minAgents on tiny clusters, as before.
//
// Measured in scale.test.ts (fake API server, 500 nodes, 10 zones, 4 pools; 2 control-plane nodes
// tainted): 498 pods; 1000 setup API calls (498 pod creates, 498 route checks, 4 others), about
// 50 s of the default 20 qps rate limit; a matrix check 10 calls and 200 probes (all-to-all:
// 500,000); a per-node check 498 calls (25 s at 20 qps) and 2 probes per node.
import type { NodeFacts } from '../kube/nodes.ts';
import { DEFAULT_POOL, NO_ZONE } from '../kube/topology.ts';
import type { AgentGroup, FleetCoverage, FleetDescriptor, ProbeAgent } from './descriptor.ts';

// One probe pod to create: its name, the node it is pinned to, and its group.
export interface PlannedAgent {
  name: string;
  node: string;
  group: AgentGroup;
}

export const MATRIX_TARGET = 8;
export const MATRIX_CAP = 24;
export const NODE_CAP = 1000;

export interface PlanNode {
  name: string;
  zone: string;
  pool: string;
  controlPlane: boolean;
}

export interface FleetPlan {
  agents: PlannedAgent[];
  coverage: FleetCoverage;
}

export interface BoundedPlanOptions {
  nodes: readonly (PlanNode | string)[];
  minAgents: number;
  matrixTarget?: number;
  matrixCap?: number;
  nodeCap?: number;
}

export function planNode(node: PlanNode | string): PlanNode {
  return typeof node === 'string' ? { name: node, zone: NO_ZONE, pool: DEFAULT_POOL, controlPlane: false } : node;
}

export function planNodes(facts: readonly NodeFacts[]): PlanNode[] {
  return facts.map((node) => ({
    name: node.name,
    zone: node.topology?.zone ?? NO_ZONE,
    pool: node.topology?.pool ?? DEFAULT_POOL,
    controlPlane: node.topology?.controlPlane ?? false,
  }));
}

const groupKey = (node: PlanNode) => `${node.zone}\u0000${node.pool}`;

// The matrix sample, as node names: every zone and pool first, then spread over (zone, pool).
export function sampleNodes(nodes: readonly PlanNode[], target: number, cap: number): PlanNode[] {
  // Workers first, then by name: deterministic, and control-plane nodes only when needed.
  const ordered = [...nodes].sort((a, b) => Number(a.controlPlane) - Number(b.controlPlane) || a.name.localeCompare(b.name));
  const groups = new Map<string, PlanNode[]>();
  for (const node of ordered) groups.set(groupKey(node), [...(groups.get(groupKey(node)) ?? []), node]);
  const chosen: PlanNode[] = [];
  const taken = new Set<string>();
  const zones = new Set<string>();
  const pools = new Set<string>();
  const take = (node: PlanNode) => {
    chosen.push(node);
    taken.add(node.name);
    zones.add(node.zone);
    pools.add(node.pool);
  };
  // Greedy cover: each round, the group adding the most new zones and pools (ties: workers, then order).
  while (chosen.length < cap) {
    let best: PlanNode | undefined;
    let bestGain = 0;
    for (const members of groups.values()) {
      const candidate = members.find((node) => !taken.has(node.name));
      if (candidate === undefined) continue;
      const gain = Number(!zones.has(candidate.zone)) + Number(!pools.has(candidate.pool));
      const better = gain > bestGain || (gain === bestGain && gain > 0 && best !== undefined && best.controlPlane && !candidate.controlPlane);
      if (better) {
        best = candidate;
        bestGain = gain;
      }
    }
    if (best === undefined) break;
    take(best);
  }
  // Fill: one more node from each group in turn, until the target.
  for (let added = true; added && chosen.length < Math.min(target, cap);) {
    added = false;
    for (const members of groups.values()) {
      if (chosen.length >= Math.min(target, cap)) break;
      const next = members.find((node) => !taken.has(node.name));
      if (next === undefined) continue;
      take(next);
      added = true;
    }
  }
  return chosen;
}

export function planBoundedFleet(options: BoundedPlanOptions): FleetPlan {
  const nodes = options.nodes.map(planNode);
  const matrixCap = options.matrixCap ?? MATRIX_CAP;
  const nodeCap = options.nodeCap ?? NODE_CAP;
  const sample = sampleNodes(nodes, options.matrixTarget ?? MATRIX_TARGET, matrixCap);
  const inSample = new Set(sample.map((node) => node.name));
  // The sample first (so it always has agents), then the rest spread over the groups up to the cap.
  const rest = nodes.filter((node) => !inSample.has(node.name));
  const withAgent = [...sample, ...sampleNodes(rest, rest.length, rest.length)].slice(0, nodeCap);
  const withAgentNames = new Set(withAgent.map((node) => node.name));
  // Agents keep the order of the nodes as given, so names are stable from run to run.
  const agents: PlannedAgent[] = nodes
    .filter((node) => withAgentNames.has(node.name))
    .map((node, index) => ({ name: `probe-${index}`, node: node.name, group: 'node' }));
  const agentOf = new Map(agents.map((agent) => [agent.node, agent.name]));
  for (let extra = 0; agents.length < options.minAgents && withAgent.length > 0; extra++) {
    const node = withAgent[extra % withAgent.length]?.name ?? '';
    agents.push({ name: `probe-x${extra}`, node, group: 'extra' });
  }
  const allZones = [...new Set(nodes.map((node) => node.zone))].sort();
  const allPools = [...new Set(nodes.map((node) => node.pool))].sort();
  const sampledZones = new Set(sample.map((node) => node.zone));
  const sampledPools = new Set(sample.map((node) => node.pool));
  return {
    agents,
    coverage: {
      matrix: sample.map((node) => agentOf.get(node.name) ?? ''),
      zones: allZones,
      pools: allPools,
      uncovered: { zones: allZones.filter((zone) => !sampledZones.has(zone)), pools: allPools.filter((pool) => !sampledPools.has(pool)) },
      notCovered: nodes
        .filter((node) => !withAgentNames.has(node.name))
        .map((node) => ({ node: node.name, reason: `beyond the fleet's bound of ${nodeCap} probe pods` })),
      bounds: { matrixCap, nodeCap },
    },
  };
}

// What checks ask of the fleet. A descriptor without coverage (made by hand, or by an older
// plan) counts every node agent as both.

// The sources and targets of a matrix check: the sample, covering every zone and node pool.
export function matrixAgents(fleet: Pick<FleetDescriptor, 'agents' | 'coverage'>): ProbeAgent[] {
  const nodeAgents = everyNodeAgents(fleet);
  if (fleet.coverage === undefined) return nodeAgents;
  const wanted = new Set(fleet.coverage.matrix);
  return nodeAgents.filter((agent) => wanted.has(agent.name));
}

// One agent per covered node, for per-node checks: each probes from its own node only.
export function everyNodeAgents(fleet: Pick<FleetDescriptor, 'agents'>): ProbeAgent[] {
  return fleet.agents.filter((agent) => agent.group === 'node');
}

// One line for the progress log: how many agents, the matrix sample, and what is not covered.
export function coverageText(fleet: Pick<FleetDescriptor, 'agents' | 'coverage'>): string {
  const nodes = everyNodeAgents(fleet).length;
  const extras = fleet.agents.length - nodes;
  const coverage = fleet.coverage;
  if (coverage === undefined) return `${fleet.agents.length} agents`;
  const uncovered = [...coverage.uncovered.zones.map((z) => `zone ${z}`), ...coverage.uncovered.pools.map((p) => `pool ${p}`)];
  return [
    `${nodes} node agent(s)${extras > 0 ? ` + ${extras} extra` : ''}`,
    `matrix sample ${coverage.matrix.length} (cap ${coverage.bounds.matrixCap}) over ${coverage.zones.length} zone(s) and ${coverage.pools.length} pool(s)`,
    ...(uncovered.length > 0 ? [`not in the matrix: ${uncovered.join(', ')}`] : []),
    ...(coverage.notCovered.length > 0 ? [`${coverage.notCovered.length} node(s) without an agent (cap ${coverage.bounds.nodeCap})`] : []),
  ].join('; ');
}
