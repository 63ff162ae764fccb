// Which nodes can take a probe pod, and why the others cannot.
import type { V1Node } from '@kubernetes/client-node';
import { nodeTopology, placedByLabels, type NodeTopology } from './topology.ts';

export interface NodeFacts {
  name: string;
  schedulable: boolean;
  // Why the node takes no probe pod, when it does not.
  reason?: string;
  internalIP?: string;
  // Zone, node pool and control-plane role, for the bounded probe fleet; absent when no label says.
  topology?: NodeTopology;
}

export function nodeFacts(node: V1Node): NodeFacts {
  const name = node.metadata?.name ?? '(unnamed)';
  const internalIP = node.status?.addresses?.find((address) => address.type === 'InternalIP')?.address;
  const base = { name, ...(placedByLabels(node) ? { topology: nodeTopology(node) } : {}), ...(internalIP === undefined ? {} : { internalIP }) };
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (node.spec?.unschedulable === true) return { ...base, schedulable: false, reason: 'cordoned (spec.unschedulable)' };
  if (ready?.status !== 'True') return { ...base, schedulable: false, reason: `not Ready (${ready?.reason ?? ready?.status ?? 'no Ready condition'})` };
  const taint = (node.spec?.taints ?? []).find((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (taint !== undefined)
    return { ...base, schedulable: false, reason: `tainted ${taint.key}${taint.value === undefined ? '' : `=${taint.value}`}:${taint.effect}` };
  return { ...base, schedulable: true };
}
