// The heartbeats the cluster keeps: the leader Leases of kube-scheduler and kube-controller-manager,
// the API server identity Leases and each kubelet's node Lease. A Lease renewed long ago is the
// plainest sign that the process holding it is hung or gone, whatever runs it (pod or host process).
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import { statusCode } from './api-errors.ts';

export type LeaseComponent = 'kube-scheduler' | 'kube-controller-manager';

export const LEASE_NAMESPACE = 'kube-system';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const APISERVER_IDENTITY_SELECTOR = 'apiserver.kubernetes.io/identity=kube-apiserver';

// Kubelets renew every quarter of their 40 s lease; two missed renewals are a hung kubelet.
const NODE_RENEW_GRACE_MS = 20_000;
const DEFAULT_COMPONENT_LEASE_S = 15;

export interface LeaseState {
  namespace: string;
  name: string;
  holder?: string;
  renewedAt?: Date;
  durationS?: number;
  // Time since the last renewal (absent when never renewed).
  ageMs?: number;
  // True when the holder has let it lapse: no live holder.
  stale: boolean;
}

// What a component's leader Lease says: a state, "absent" (no leader election: nothing to read)
// or "unreadable" (no permission, or the API failed) with the reason.
export type LeaseReading = { kind: 'lease'; lease: LeaseState } | { kind: 'absent' } | { kind: 'unreadable'; reason: string };

export function leaseState(lease: V1Lease, now: Date, staleAfterMs?: number): LeaseState {
  const spec = lease.spec ?? {};
  const renewed = spec.renewTime ?? spec.acquireTime;
  const renewedAt = renewed === undefined ? undefined : new Date(renewed);
  const durationS = spec.leaseDurationSeconds;
  const ageMs = renewedAt === undefined ? undefined : Math.max(0, now.getTime() - renewedAt.getTime());
  const limit = staleAfterMs ?? (durationS ?? DEFAULT_COMPONENT_LEASE_S) * 1000;
  return {
    namespace: lease.metadata?.namespace ?? '',
    name: lease.metadata?.name ?? '',
    ...(spec.holderIdentity ? { holder: spec.holderIdentity } : {}),
    ...(renewedAt === undefined ? {} : { renewedAt }),
    ...(durationS === undefined ? {} : { durationS }),
    ...(ageMs === undefined ? {} : { ageMs }),
    stale: ageMs === undefined || ageMs > limit || !spec.holderIdentity,
  };
}

export async function componentLease(api: CoordinationV1Api, component: LeaseComponent, now: () => Date = () => new Date()): Promise<LeaseReading> {
  try {
    const lease = await api.readNamespacedLease({ namespace: LEASE_NAMESPACE, name: component });
    return { kind: 'lease', lease: leaseState(lease, now()) };
  } catch (error) {
    const code = statusCode(error);
    if (code === 404) return { kind: 'absent' };
    return {
      kind: 'unreadable',
      reason: code === 403 ? `not allowed to read Lease ${LEASE_NAMESPACE}/${component}` : `Lease ${LEASE_NAMESPACE}/${component}: ${(error as Error).message}`,
    };
  }
}

export function nodeLeaseState(lease: V1Lease, now: Date): LeaseState {
  const durationMs = (lease.spec?.leaseDurationSeconds ?? 40) * 1000;
  return leaseState(lease, now, Math.min(durationMs, Math.max(NODE_RENEW_GRACE_MS, durationMs / 2)));
}

// Every node's heartbeat Lease by node name; undefined when they cannot be read.
export async function nodeLeases(api: CoordinationV1Api, now: () => Date = () => new Date()): Promise<Map<string, LeaseState> | undefined> {
  try {
    const list = await api.listNamespacedLease({ namespace: NODE_LEASE_NAMESPACE });
    const at = now();
    return new Map(list.items.map((lease) => [lease.metadata?.name ?? '', nodeLeaseState(lease, at)]));
  } catch {
    return undefined;
  }
}

// The API server instances that announce themselves (one identity Lease each, renewed every 10 s).
export async function apiServerLeases(api: CoordinationV1Api, now: () => Date = () => new Date()): Promise<LeaseState[] | undefined> {
  try {
    const list = await api.listNamespacedLease({ namespace: LEASE_NAMESPACE, labelSelector: APISERVER_IDENTITY_SELECTOR });
    const at = now();
    return list.items.map((lease) => leaseState(lease, at));
  } catch {
    return undefined;
  }
}

export function ageText(lease: LeaseState): string {
  if (lease.ageMs === undefined) return 'never renewed';
  return `last renewed ${Math.round(lease.ageMs / 1000)} s ago${lease.holder ? ` by ${lease.holder}` : ''}${lease.durationS === undefined ? '' : ` (lease duration ${lease.durationS} s)`}`;
}
