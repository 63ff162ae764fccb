// Which world the NetworkPolicy suite builds, as data: a named model per purpose, and the checks
// each one serves. The run's profile says which checks run (c.run.checks?.netpol, titles as the
// manifest declares them); the smallest model that serves every one of them is built, else the
// full 3x3 world every case is written against.
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

export interface WorldModel {
  name: string;
  model: ReachModel;
  // The checks (manifest titles) it serves; 'all': any check.
  serves: readonly string[] | 'all';
}

// Smallest first; the last serves everything.
export const WORLD_MODELS: readonly WorldModel[] = [
  { name: 'verdict', model: VERDICT_MODEL, serves: [VERDICT_CHECK, LATENCY_CHECK] },
  { name: 'full', model: MODEL, serves: 'all' },
];

// The world for the checks that run (undefined: every check of the suite).
export function worldModelFor(checks: readonly string[] | undefined): WorldModel {
  const fits = (world: WorldModel) => world.serves === 'all' || (checks !== undefined && checks.every((title) => world.serves.includes(title)));
  return WORLD_MODELS.find(fits) ?? { name: 'full', model: MODEL, serves: 'all' };
}

// The node of each pod of a model: pod i of namespace j on node (i + j) % nodes.
export function placement(model: ReachModel, nodes: readonly string[]): Map<string, string> {
  return new Map(model.namespaces.flatMap((ns, j) => model.pods.map((pod, i) => [`${ns}/${pod}`, nodes[(i + j) % nodes.length] ?? ''] as const)));
}
