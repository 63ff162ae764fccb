// Why a claim is still Pending, as one likely cause: read in order from what is most certain (no
// class, no provisioner running) to what the events say (the provisioner refused, which also proves
// it runs; the consumer pod cannot be scheduled: a volume node affinity conflict, unbound immediate
// claims) to what is left.
// Pure over facts read elsewhere (diagnose.ts); unit-tested.
import type { V1StorageClass } from '@kubernetes/client-node';
import { NO_PROVISIONER } from './classes.ts';
import type { ProvisionerFinding } from './provisioner.ts';

export interface EventFact {
  type: string;
  reason: string;
  message: string;
}

export interface PendingFacts {
  // The claim's class ('' when none).
  className: string;
  sc?: V1StorageClass;
  finding?: ProvisionerFinding;
  claimEvents: EventFact[];
  // The consumer pod's events, when there is one.
  podEvents: EventFact[];
  waitedS: number;
}

export interface PendingCause {
  // Short: what is wrong.
  headline: string;
  likelyCause: string;
  // The provisioner is the origin (for correlation across checks).
  provisionerAtFault: boolean;
}

function last(events: readonly EventFact[], reason: string): EventFact | undefined {
  return events.filter((e) => e.reason === reason).at(-1);
}

export function pendingCause(f: PendingFacts): PendingCause {
  if (f.className === '') {
    return {
      headline: 'the claim has no StorageClass',
      likelyCause: 'there is no default StorageClass: a claim without storageClassName gets none, and only a PV without a class could bind it',
      provisionerAtFault: false,
    };
  }
  if (f.sc === undefined)
    return {
      headline: `StorageClass ${f.className} does not exist`,
      likelyCause: `the claim names StorageClass ${f.className}, which does not exist`,
      provisionerAtFault: false,
    };
  if (f.sc.provisioner === NO_PROVISIONER) {
    return {
      headline: `class ${f.className} has no provisioner`,
      likelyCause: `class ${f.className} uses ${NO_PROVISIONER}: only a matching static PV can bind the claim, and none matches`,
      provisionerAtFault: false,
    };
  }
  if (f.finding?.verdict === 'nowhere')
    return { headline: `provisioner ${f.sc.provisioner} is not running`, likelyCause: f.finding.summary, provisionerAtFault: true };
  // Its own refusal proves it runs, whatever its readiness probe says.
  const failed = last(f.claimEvents, 'ProvisioningFailed');
  if (failed !== undefined)
    return {
      headline: `provisioner ${f.sc.provisioner} failed to create the volume`,
      likelyCause: `the provisioner ${f.sc.provisioner} refuses: ${failed.message}`,
      provisionerAtFault: true,
    };
  if (f.finding?.verdict === 'not-ready')
    return { headline: `provisioner ${f.sc.provisioner} is not ready`, likelyCause: f.finding.summary, provisionerAtFault: true };
  const unschedulable = last(f.podEvents, 'FailedScheduling');
  if (unschedulable !== undefined)
    return {
      headline: 'the consumer pod cannot be scheduled',
      likelyCause: `the scheduler cannot place the pod that uses the claim: ${unschedulable.message}`,
      provisionerAtFault: false,
    };
  if (f.finding?.verdict === 'partial')
    return { headline: `provisioner ${f.sc.provisioner} is missing on some nodes`, likelyCause: f.finding.summary, provisionerAtFault: true };
  const waiting = last(f.claimEvents, 'ExternalProvisioning');
  if (waiting !== undefined) {
    return {
      headline: `provisioner ${f.sc.provisioner} created no volume in ${f.waitedS}s`,
      likelyCause: `the claim waits for ${f.sc.provisioner} (${waiting.message}); ${f.finding?.summary ?? 'its pods were not found'}, but it made no volume: its log tail is attached`,
      provisionerAtFault: true,
    };
  }
  return {
    headline: `no volume within ${f.waitedS}s`,
    likelyCause: `nothing bound the claim and no event says why; the provisioner: ${f.finding?.summary ?? 'not found'}`,
    provisionerAtFault: f.finding === undefined,
  };
}
