// Judgments on what the cluster's heartbeats say, as data: a component's leader Lease, and each
// node's heartbeat Lease against its Ready condition and its pressure conditions. Pure: the
// readings come in, verdicts with the words a failure needs go out. The control-plane suite judges
// its components by them, the gate the control plane's health before an upgrade.
import type { V1Node } from '@kubernetes/client-node';
import { ageText, type LeaseComponent, type LeaseReading, type LeaseState } from '../../helpers/kube/leases.ts';

export type LeaderVerdict =
  | { kind: 'held'; text: string }
  | { kind: 'stale'; text: string; likelyCause: string; confidence: 'high' | 'medium' }
  | { kind: 'absent'; text: string }
  | { kind: 'unreadable'; text: string };

export function judgeLeaderLease(component: LeaseComponent, reading: LeaseReading): LeaderVerdict {
  const where = `leader Lease kube-system/${component}`;
  if (reading.kind === 'absent') {
    return {
      kind: 'absent',
      text: `no ${where}: ${component} runs without leader election (--leader-elect=false), or has never started; the Lease cannot judge it, the functional checks do`,
    };
  }
  if (reading.kind === 'unreadable') return { kind: 'unreadable', text: `${where} could not be read: ${reading.reason}` };
  const lease = reading.lease;
  if (!lease.stale) return { kind: 'held', text: `${where} held, ${ageText(lease)}` };
  const durationMs = (lease.durationS ?? 15) * 1000;
  const long = lease.ageMs !== undefined && lease.ageMs > 2 * durationMs;
  return {
    kind: 'stale',
    text: lease.holder === undefined ? `${where} has no holder (${ageText(lease)})` : `${where} is not renewed: ${ageText(lease)}`,
    likelyCause: `${component} is stopped, hung, or cannot reach the API server: no instance renews its leader Lease, so none is acting (look at the ${component} process or pod and its log${lease.holder === undefined ? '' : `; the last leader was ${lease.holder}`})`,
    confidence: long ? 'high' : 'medium',
  };
}

export interface NodeHealth {
  node: string;
  ready: string;
  readyReason?: string;
  lease?: LeaseState;
  // Conditions that are True and should not be (MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable).
  pressure: string[];
}

export interface NodeProblem {
  node: string;
  component: 'kubelet' | 'kube-controller-manager' | 'node';
  text: string;
  likelyCause: string;
}

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];

export function nodeHealth(node: V1Node, lease: LeaseState | undefined): NodeHealth {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  return {
    node: node.metadata?.name ?? '',
    ready: ready?.status ?? 'absent',
    ...(ready?.reason === undefined ? {} : { readyReason: ready.reason }),
    ...(lease === undefined ? {} : { lease }),
    pressure: conditions
      .filter((c) => PRESSURE.includes(c.type) && c.status === 'True')
      .map((c) => `${c.type}${c.reason === undefined ? '' : ` (${c.reason})`}`),
  };
}

export function nodeLine(h: NodeHealth): string {
  const lease = h.lease === undefined ? 'no Lease' : `Lease ${h.lease.stale ? 'STALE, ' : ''}${ageText(h.lease)}`;
  return `${h.node}: Ready=${h.ready}${h.readyReason === undefined ? '' : ` (${h.readyReason})`}; ${lease}; ${h.pressure.length === 0 ? 'no pressure' : h.pressure.join(', ')}`;
}

// Whether each node's heartbeat and conditions agree and are healthy.
export function nodeProblems(nodes: readonly NodeHealth[]): NodeProblem[] {
  const problems: NodeProblem[] = [];
  for (const h of nodes) {
    const age = h.lease === undefined ? 'no heartbeat Lease' : ageText(h.lease);
    if (h.lease === undefined || h.lease.stale) {
      if (h.ready === 'True') {
        problems.push({
          node: h.node,
          component: 'kube-controller-manager',
          text: `${h.node}: heartbeat Lease stale (${age}) yet still Ready=True`,
          likelyCause: `the kubelet on ${h.node} stopped renewing its Lease and the node lifecycle controller has not marked the node Unknown: either it has only just stopped, or kube-controller-manager is not running`,
        });
      } else {
        problems.push({
          node: h.node,
          component: 'kubelet',
          text: `${h.node}: kubelet not heard from (${age}), Ready=${h.ready}${h.readyReason === undefined ? '' : ` (${h.readyReason})`}`,
          likelyCause: `the kubelet on ${h.node} is stopped, hung, or cannot reach the API server (its certificate, the network path)`,
        });
      }
    } else if (h.ready !== 'True') {
      problems.push({
        node: h.node,
        component: 'kubelet',
        text: `${h.node}: kubelet renews its Lease (${age}) but reports Ready=${h.ready}${h.readyReason === undefined ? '' : ` (${h.readyReason})`}`,
        likelyCause: `the kubelet on ${h.node} runs but its node is not ready: the container runtime or the network plugin (CNI config) is not ready there`,
      });
    }
    if (h.pressure.length > 0) {
      problems.push({
        node: h.node,
        component: 'node',
        text: `${h.node}: ${h.pressure.join(', ')}`,
        likelyCause: `${h.node} is short of memory, disk or process IDs (or its network is not set up): the kubelet evicts pods and the scheduler avoids it`,
      });
    }
  }
  return problems;
}
