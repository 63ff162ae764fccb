// Why the controller that makes the pods waited for (a Job) has made none: its warning events.
// Admission refused them (Pod Security, a webhook, a ResourceQuota), or the namespace has no
// `default` ServiceAccount yet (the controller-manager's, diagnoseRefusal). Pod Security and a
// webhook's denial do not change by waiting; a quota may free up and a ServiceAccount may come.
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Diagnosis } from './diagnosis.ts';
import { diagnoseRefusal, MISSING_SERVICE_ACCOUNT } from './pods.ts';
import type { Signals } from './signals.ts';

export interface PodOwner {
  kind: string;
  name: string;
}

// An API server's refusal of a pod by admission: Pod Security, a webhook, a ResourceQuota.
export const ADMISSION_REFUSAL = /PodSecurity|admission webhook|denied the request|exceeded quota/i;
const HOPELESS_REFUSAL = /PodSecurity|denied the request/i;

export function ownerWarnings(events: readonly CoreV1Event[], owner: PodOwner): CoreV1Event[] {
  return events.filter((event) => event.type === 'Warning' && event.involvedObject?.kind === owner.kind && event.involvedObject.name === owner.name);
}

export function diagnoseOwner(owner: PodOwner, namespace: string, signals: Signals): Diagnosis | undefined {
  const last = ownerWarnings(signals.events, owner).at(-1);
  if (last === undefined) return undefined;
  const message = last.message ?? '';
  const said = `${last.reason ?? 'Warning'}: ${message}`.trim();
  if (MISSING_SERVICE_ACCOUNT.test(message)) {
    const refusal = diagnoseRefusal(message, namespace, signals.controllerManager);
    if (refusal !== undefined)
      return {
        ...refusal,
        fatal: signals.controllerManager.kind === 'lease' && signals.controllerManager.lease.stale,
        subjects: [`${owner.kind} ${owner.name}`],
      };
  }
  if (ADMISSION_REFUSAL.test(message)) {
    const quota = /exceeded quota/i.test(message);
    return {
      component: 'admission',
      summary: `admission refuses the pods of ${owner.kind} ${namespace}/${owner.name}: ${said}`,
      evidence: [`${owner.kind} ${namespace}/${owner.name}: ${said}`],
      confidence: 'high',
      fatal: HOPELESS_REFUSAL.test(message),
      hint: quota
        ? `A ResourceQuota of namespace ${namespace} leaves no room for the pod: kubectl -n ${namespace} describe resourcequota`
        : `An admission policy (Pod Security, or the webhook named above) refuses the pod: allow Pod Security "restricted" pods in namespace ${namespace}, or exempt it from the webhook`,
      reproduce: `kubectl -n ${namespace} describe ${owner.kind.toLowerCase()} ${owner.name}`,
      subjects: [`${owner.kind} ${owner.name}`],
    };
  }
  return {
    component: 'kube-controller-manager',
    summary: `the ${owner.kind} controller has not made the pod of ${owner.kind} ${namespace}/${owner.name}: ${said}`,
    evidence: [`${owner.kind} ${namespace}/${owner.name}: ${said}`],
    confidence: 'medium',
    fatal: false,
    reproduce: `kubectl -n ${namespace} describe ${owner.kind.toLowerCase()} ${owner.name}`,
    subjects: [`${owner.kind} ${owner.name}`],
  };
}
