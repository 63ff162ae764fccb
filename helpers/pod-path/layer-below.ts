// The layer below, checked before a component above it is named. When Service or DNS failures come
// from (or go to) one node or a pair of nodes, the pods of those nodes are probed directly, pod IP
// to pod IP over the same node pairs (small and large, TCP and UDP: pairs.ts), before kube-proxy or
// CoreDNS is blamed. When the direct path fails too, the pod network is the finding (a route, the
// MTU, UDP dropped), in the same words and with the same suspect as the network suite's; when it
// passes, the finding says the layer below was ruled out and how.
//
// The probes run only when a check is failing, whether or not the network suite was chosen, and are
// made once per run context for each set of nodes: the checks of a suite that fail for one reason
// share one probe set.
import type { CheckContext } from '../engine/check.ts';
import { everyNodeAgents } from '../fleet/plan.ts';
import { reach, type BelowVerdict } from '../probe/reach.ts';
import { gridEvidence } from '../evidence.ts';
import type { Evidence, Origin } from '../result.ts';
import { agentMtus } from './mtus.ts';
import { PAYLOADS, choosePairs, pairCells } from './pairs.ts';
import { judgePairs, pairGrid, pairVerdicts, type PairFinding, type PairVerdict } from './verdict.ts';

export interface PodPath {
  // The nodes whose pairs were probed (each with every other node, both ways).
  nodes: string[];
  verdicts: PairVerdict[];
  finding: PairFinding | undefined;
  probes: number;
  evidence: Evidence;
}

const cache = new WeakMap<object, Map<string, Promise<PodPath | undefined>>>();

// The node pairs through `nodes`, probed directly between the probe pods; undefined when fewer than
// two nodes have a probe pod (there is no pair to probe).
export function podPathThrough(c: Pick<CheckContext, 'run' | 'cluster' | 'signal'>, nodes: readonly string[]): Promise<PodPath | undefined> {
  const key = [...new Set(nodes)].sort().join(',');
  let runCache = cache.get(c.run);
  if (runCache === undefined) cache.set(c.run, (runCache = new Map()));
  let probed = runCache.get(key);
  if (probed === undefined) {
    probed = probePodPath(c, key.split(','));
    runCache.set(key, probed);
    probed.catch(() => runCache.delete(key));
  }
  return probed;
}

async function probePodPath(c: Pick<CheckContext, 'run' | 'cluster' | 'signal'>, nodes: readonly string[]): Promise<PodPath | undefined> {
  const agents = everyNodeAgents(c.run.fleet);
  if (new Set(agents.map((agent) => agent.node)).size < 2) return undefined;
  const plan = choosePairs(agents, false);
  const through = { ...plan, pairs: plan.pairs.filter(({ source, target }) => nodes.includes(source.node) || nodes.includes(target.node)) };
  if (through.pairs.length === 0) return undefined;
  const { transport } = await c.cluster();
  const involved = agents.filter((agent) => through.pairs.some(({ source, target }) => source === agent || target === agent));
  const mtus = await agentMtus(transport, involved, c.signal);
  const cells = pairCells(through, (agent) => mtus.get(agent.node)?.mtu, c.run.timeouts.probeMs);
  const run = await reach(transport, cells, { signal: c.signal, policy: { deadlineMs: 0 } });
  const verdicts = pairVerdicts(run.cells);
  const finding = judgePairs(verdicts, mtus);
  const label = `the layer below: direct pod-to-pod probes between the probe pods of ${list(nodes)} and the other nodes (${PAYLOADS.map((p) => p.name).join(', ')}; . all pass, M only large fail, U only UDP fails, X small TCP fails)`;
  const lines = finding === undefined ? [] : ['', ...finding.lines];
  return { nodes: [...nodes], verdicts, finding, probes: cells.length, evidence: gridEvidence(label, [pairGrid(verdicts)], lines) };
}

// For a failing check: the pod path through the nodes its origin names, or through every node when
// its origin names none (no shared origin, or one about a port or a protocol: which port's backends
// fail can follow from where they run, and a broken path between the nodes explains it first),
// judged; undefined when there is no pair to probe. For failReach's `below`.
export async function layerBelow(c: Pick<CheckContext, 'run' | 'cluster' | 'signal'>, origin: Origin | undefined): Promise<BelowVerdict | undefined> {
  const all = [...new Set(everyNodeAgents(c.run.fleet).map((agent) => agent.node))];
  const named = origin === undefined ? [] : nodesOfOrigin(origin, all);
  const nodes = named.length > 0 ? named : all;
  const path = await podPathThrough(c, nodes);
  return path === undefined ? undefined : judgeLayerBelow(path, origin?.suspect);
}

// Judges a failure whose origin names nodes against the pod path through them. `component` is what
// the check would blame otherwise ("kube-proxy on node2").
export function judgeLayerBelow(path: PodPath, component: string | undefined): BelowVerdict {
  const blamed = component ?? 'what runs above it (kube-proxy, CoreDNS)';
  if (path.finding !== undefined) {
    const finding = path.finding;
    const origin: Origin = finding.origin ?? {
      dimension: 'node pairs',
      value: list(path.nodes),
      summary: finding.message,
      confidence: 'medium',
      suspect: `the pod network through ${list(path.nodes)}`,
    };
    return {
      below: 'fails',
      origin: { ...origin, summary: `the pod network below fails: ${origin.summary}` },
      likelyCause: `the layer below fails, so ${blamed} is not the first suspect: direct pod-to-pod probes ${finding.message}. ${finding.likelyCause}`,
      evidence: [path.evidence],
    };
  }
  const passing = path.verdicts.filter((v) => v.status === 'ok').length;
  return {
    below: 'passes',
    ruledOut: `the pod network below is ruled out: direct pod-to-pod probes through ${list(path.nodes)} pass (${path.probes} probes over ${passing} node pair${passing === 1 ? '' : 's'}, TCP and UDP, small and large)`,
    evidence: [path.evidence],
  };
}

// The nodes an origin names: its source-node, target-node or node values; every node for traffic
// "cross node"; none for an origin that is not about nodes.
export function nodesOfOrigin(origin: Pick<Origin, 'dimension' | 'value'> | undefined, allNodes: readonly string[]): string[] {
  if (origin === undefined) return [];
  const dimensions = origin.dimension.split(' & ');
  const values = origin.value.split(' & ');
  const nodes = new Set<string>();
  dimensions.forEach((dimension, i) => {
    const value = values[i] ?? '';
    if (dimension === 'source-node' || dimension === 'target-node' || dimension === 'node') for (const node of value.split(', ')) nodes.add(node.trim());
    if (dimension === 'direction' && value === 'cross node') for (const node of allNodes) nodes.add(node);
  });
  return [...nodes].filter((node) => allNodes.includes(node));
}

function list(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}
