// Namespaces are emptied and removed by the namespace controller in kube-controller-manager: when
// its leader Lease has lapsed nobody will finish a deletion, and waiting longer cannot help. Given
// to a namespace removal as its reason to stop waiting (run/namespaces.ts giveUp).
import type { CoordinationV1Api } from '@kubernetes/client-node';
import { ageText, componentLease } from '../kube/leases.ts';
import type { Blocked } from '../run/namespaces.ts';

export function namespaceControllerDown(coordination: CoordinationV1Api): () => Promise<Blocked | undefined> {
  return async () => {
    const reading = await componentLease(coordination, 'kube-controller-manager');
    if (reading.kind !== 'lease' || !reading.lease.stale) return undefined;
    return {
      component: 'kube-controller-manager',
      reason: `the namespace controller (kube-controller-manager) is not running: its leader Lease kube-system/kube-controller-manager was ${ageText(reading.lease)}`,
    };
  };
}
