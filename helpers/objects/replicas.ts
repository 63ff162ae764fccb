// Which pods of a workload are replicas to judge. A pod with a deletion timestamp is leaving (a
// rollout or a scale-down in progress): it may still look Ready while its process has stopped, so
// judging it would blame a healthy workload. Every per-replica check (CoreDNS, Ingress controllers,
// provisioners, the probe fleet) leaves such pods out and says so in its evidence.
import type { V1Pod } from '@kubernetes/client-node';
import type { Evidence } from '../result.ts';

export interface Replicas<P> {
  live: P[];
  terminating: P[];
}

export function isTerminating(pod: Pick<V1Pod, 'metadata'>): boolean {
  return pod.metadata?.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
}

export function splitReplicas<P extends Pick<V1Pod, 'metadata'>>(pods: readonly P[]): Replicas<P> {
  const split: Replicas<P> = { live: [], terminating: [] };
  for (const pod of pods) (isTerminating(pod) ? split.terminating : split.live).push(pod);
  return split;
}

// "coredns-5f6b (node1), coredns-7c9d (node2) terminating for 4 s": what a reader needs to see that
// the pods were left out on purpose and why. Undefined when none is terminating.
export function terminatingEvidence(pods: readonly V1Pod[], now: Date = new Date()): Evidence | undefined {
  const terminating = pods.filter(isTerminating);
  if (terminating.length === 0) return undefined;
  const lines = terminating.map((pod) => {
    const since = new Date(pod.metadata?.deletionTimestamp ?? now).getTime();
    const seconds = Math.max(0, Math.round((now.getTime() - since) / 1000));
    return `${pod.metadata?.namespace ?? '?'}/${pod.metadata?.name ?? '?'} on ${pod.spec?.nodeName ?? '(unscheduled)'}: terminating for ${seconds} s (grace period ${pod.metadata?.deletionGracePeriodSeconds ?? '?'} s)`;
  });
  return { label: 'left out of per-replica checks: pods being deleted (a rollout or scale-down in progress)', text: lines.join('\n') };
}
