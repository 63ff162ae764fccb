// Where a node sits: its zone, its node pool, and whether it is a control-plane node, read from the
// well-known labels. The pool label differs by provider; the first one present wins, and a node
// with none falls back to its instance type (nodes of one pool share it), then to "default".
import type { V1Node } from '@kubernetes/client-node';

export const ZONE_LABELS = ['topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/zone'] as const;

export const POOL_LABELS = [
  'cloud.google.com/gke-nodepool',
  'eks.amazonaws.com/nodegroup',
  'alpha.eksctl.io/nodegroup-name',
  'karpenter.sh/nodepool',
  'kubernetes.azure.com/agentpool',
  'agentpool',
  'doks.digitalocean.com/node-pool',
  'node.kubernetes.io/pool',
  'node-pool',
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/instance-type',
] as const;

export const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'] as const;

export interface NodeTopology {
  zone: string;
  pool: string;
  controlPlane: boolean;
}

export const NO_ZONE = 'no-zone';
export const DEFAULT_POOL = 'default';

export function topologyOf(labels: Readonly<Record<string, string>>): NodeTopology {
  const first = (keys: readonly string[]) => keys.map((key) => labels[key]).find((value) => value !== undefined && value !== '');
  return {
    zone: first(ZONE_LABELS) ?? NO_ZONE,
    pool: first(POOL_LABELS) ?? DEFAULT_POOL,
    controlPlane: CONTROL_PLANE_LABELS.some((key) => key in labels),
  };
}

export function nodeTopology(node: V1Node): NodeTopology {
  return topologyOf(node.metadata?.labels ?? {});
}

// Whether any of the labels above is on the node (otherwise its topology is only the defaults).
export function placedByLabels(node: V1Node): boolean {
  const labels = node.metadata?.labels ?? {};
  return [...ZONE_LABELS, ...POOL_LABELS, ...CONTROL_PLANE_LABELS].some((key) => key in labels);
}
