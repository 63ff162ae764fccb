// Which world the NetworkPolicy suite builds, as data: a named model per purpose, and the checks
// each one serves. The run's profile says which checks run (c.run.checks?.netpol, titles as the
// manifest declares them); the smallest model that serves every one of them is built, else the
// full 3x3 world every case is written against.
//
// Lanes: every policy of every case lives in namespace x, and y and z never get one, so a cell of
// a case's table depends only on the policies of the x it uses. The world has one x per lane (x1,
// x2, ...: own name, own namespace label) and shares y and z; a case on lane k sees the model with
// x = xk, and cases on different lanes run at the same time without seeing each other's policies.
// Cells between two lanes' x are never asked.
//
// The verdict's model: namespaces x and y, pods a and b, every port on TCP and UDP. Pods are
// placed round-robin, pod i of namespace j on node (i + j) % nodes (deployWorld), so with two or
// more nodes a default deny of ingress into x blocks paths from the same node (y/b -> x/a) and
// from another node (x/b -> x/a), from the same namespace and from another one.
import type { ReachModel } from './model.ts';
import { LATENCY_CHECK, VERDICT_CHECK } from './netpol-cases.ts';
import { NETPOL_PORTS } from './pods.ts';

// Every case of netpol-cases.ts is written against this one.
export const MODEL: ReachModel = { namespaces: ['x', 'y', 'z'], pods: ['a', 'b', 'c'], ports: NETPOL_PORTS };
// Enough for the enforcement verdict (4 pods, 8 creates, 4 exec sessions instead of 9, 18, 9).
export const VERDICT_MODEL: ReachModel = { namespaces: ['x', 'y'], pods: ['a', 'b'], ports: NETPOL_PORTS };

// Lanes of the full world by default (--netpol-lanes): cases running at once. One: on a 2-node
// cluster that every suite loads at once, 2 and 3 lanes made the netpol suite 10-20 s faster and
// the run's other checks slower, enough for ingress route tables to time out (3 of 9 full runs).
export const LANES = 1;
// The namespace every policy lives in: one per lane.
export const POLICED = 'x';

export interface WorldModel {
  name: string;
  model: ReachModel;
  // The checks (manifest titles) it serves; 'all': any check.
  serves: readonly string[] | 'all';
  // How many policed namespaces (lanes) it has.
  lanes: number;
}

// Smallest first; the last serves everything.
export const WORLD_MODELS: readonly WorldModel[] = [
  { name: 'verdict', model: VERDICT_MODEL, serves: [VERDICT_CHECK, LATENCY_CHECK], lanes: 1 },
  { name: 'full', model: MODEL, serves: 'all', lanes: LANES },
];

// The world for the checks that run (undefined: every check of the suite), the full one on `lanes` lanes.
export function worldModelFor(checks: readonly string[] | undefined, lanes = LANES): WorldModel {
  const fits = (world: WorldModel) => world.serves === 'all' || (checks !== undefined && checks.every((title) => world.serves.includes(title)));
  const found = WORLD_MODELS.find(fits);
  return found === undefined || found.serves === 'all' ? { name: 'full', model: MODEL, serves: 'all', lanes } : found;
}

// The policed namespace of lane k (0-based) as the world names it: "x1", "x2", ...
export const laneNamespace = (lane: number): string => `${POLICED}${lane + 1}`;

// A namespace of the model in the world: every lane's x for x, itself for a shared peer.
const inWorld = (logical: string, lanes: number): string[] => (logical === POLICED ? Array.from({ length: lanes }, (_, k) => laneNamespace(k)) : [logical]);

// The namespaces the world builds, by the world's names: each lane's x, then the shared peers.
export function worldNamespaces(model: ReachModel, lanes: number): string[] {
  return model.namespaces.flatMap((ns) => inWorld(ns, lanes));
}

// The world namespace of a logical one, on lane k.
export const worldNamespace = (logical: string, lane: number): string => (logical === POLICED ? laneNamespace(lane) : logical);

// The node of each pod of a model: pod i of namespace j on node (i + j) % nodes.
export function placement(model: ReachModel, nodes: readonly string[]): Map<string, string> {
  return new Map(model.namespaces.flatMap((ns, j) => model.pods.map((pod, i) => [`${ns}/${pod}`, nodes[(i + j) % nodes.length] ?? ''] as const)));
}

// The node of each pod of the world ("x2/b" -> node): every lane's x placed as the model's x, so
// each lane sees the placement above (its x pods and their peers spread over the nodes as without
// lanes, and a case's per-node finding is the same on every lane).
export function worldPlacement(model: ReachModel, lanes: number, nodes: readonly string[]): Map<string, string> {
  return new Map(
    [...placement(model, nodes)].flatMap(([id, node]) => {
      const [ns = '', pod = ''] = id.split('/');
      return inWorld(ns, lanes).map((world) => [`${world}/${pod}`, node] as const);
    }),
  );
}
