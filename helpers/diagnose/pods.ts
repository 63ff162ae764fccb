// Why pods shakedown waits for do not become ready, said as the component at fault: pods nobody
// scheduled (the scheduler, with its leader Lease), pods bound to a node whose kubelet stopped
// heartbeating or is NotReady (that kubelet), sandboxes that cannot be made (the pod network or the
// container runtime on that node). One diagnosis per component and node, naming every pod it holds.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { ageText, type LeaseReading } from '../kube/leases.ts';
import type { Diagnosis } from './diagnosis.ts';
import type { Signals } from './signals.ts';

// A pod no scheduler looked at for this long is not just a busy scheduler.
export const UNSCHEDULED_GRACE_MS = 8_000;
// Without a Lease to read, only the wait itself speaks: this long with no scheduling at all.
export const UNSCHEDULED_NO_LEASE_MS = 30_000;
// A bound pod whose kubelet heartbeats but shows no container after this long.
export const UNSTARTED_GRACE_MS = 45_000;

export interface WaitedPod {
  name: string;
  pod: V1Pod;
}

const podAgeMs = (pod: V1Pod, at: Date): number => {
  const created = pod.metadata?.creationTimestamp;
  return created === undefined ? 0 : at.getTime() - new Date(created).getTime();
};

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

function eventsOf(events: readonly CoreV1Event[], pod: string): CoreV1Event[] {
  return events.filter((event) => event.involvedObject?.kind === 'Pod' && event.involvedObject.name === pod);
}

function lastWarning(events: readonly CoreV1Event[]): CoreV1Event | undefined {
  return events.filter((event) => event.type === 'Warning').at(-1);
}

function schedulerVerdict(reading: LeaseReading, waitedMs: number): Pick<Diagnosis, 'confidence' | 'fatal'> & { lease: string } {
  switch (reading.kind) {
    case 'lease':
      return reading.lease.stale
        ? { confidence: 'high', fatal: true, lease: `its leader Lease kube-system/kube-scheduler was ${ageText(reading.lease)}: no scheduler is running` }
        : {
            confidence: 'low',
            fatal: false,
            lease: `its leader Lease kube-system/kube-scheduler is held (${ageText(reading.lease)}), so a scheduler runs but does not place these pods`,
          };
    case 'absent':
      return {
        confidence: 'medium',
        fatal: waitedMs >= UNSCHEDULED_NO_LEASE_MS,
        lease: 'there is no leader Lease kube-system/kube-scheduler to tell whether it runs (leader election off)',
      };
    case 'unreadable':
      return { confidence: 'medium', fatal: waitedMs >= UNSCHEDULED_NO_LEASE_MS, lease: reading.reason };
  }
}

// Pods that exist but are not ready, with the cluster's signals read at one moment.
export function diagnosePods(pods: readonly WaitedPod[], signals: Signals): Diagnosis[] {
  const found = new Map<string, Diagnosis>();
  const add = (key: string, make: () => Diagnosis, subject: string, line?: string) => {
    const diagnosis = found.get(key) ?? make();
    found.set(key, diagnosis);
    diagnosis.subjects.push(subject);
    if (line !== undefined) diagnosis.evidence.push(line);
  };

  const unbound = pods.filter(({ pod }) => pod.spec?.nodeName === undefined || pod.spec.nodeName === '');
  const neverLooked = unbound.filter(
    ({ pod }) => !(pod.status?.conditions ?? []).some((c) => c.type === 'PodScheduled') && podAgeMs(pod, signals.at) >= UNSCHEDULED_GRACE_MS,
  );
  if (neverLooked.length > 0) {
    const waited = Math.max(...neverLooked.map(({ pod }) => podAgeMs(pod, signals.at)));
    const verdict = schedulerVerdict(signals.scheduler, waited);
    const scheduling = neverLooked
      .flatMap(({ name }) => eventsOf(signals.events, name))
      .filter((e) => e.reason === 'Scheduled' || e.reason === 'FailedScheduling');
    found.set('kube-scheduler', {
      component: 'kube-scheduler',
      summary: `kube-scheduler is not scheduling: ${neverLooked.length} pod(s) unbound for up to ${seconds(waited)} with ${scheduling.length === 0 ? 'no scheduling event and ' : ''}no PodScheduled condition; ${verdict.lease}`,
      evidence: [
        verdict.lease,
        ...neverLooked.map(({ name, pod }) => `pod ${name}: no node after ${seconds(podAgeMs(pod, signals.at))}, no PodScheduled condition`),
      ],
      confidence: verdict.confidence,
      fatal: verdict.fatal,
      hint: 'Check the kube-scheduler process or pod on the control-plane nodes: its log and its /healthz on port 10259',
      reproduce: 'kubectl -n kube-system get lease kube-scheduler -o yaml',
      subjects: neverLooked.map(({ name }) => name),
    });
  }

  for (const { name, pod } of pods) {
    const node = pod.spec?.nodeName;
    if (node === undefined || node === '') continue;
    const lease = signals.nodeLeases?.get(node);
    const condition = signals.nodes?.get(node);
    if (lease?.stale === true) {
      add(
        `kubelet/${node}`,
        () => ({
          component: 'kubelet',
          node,
          summary: `the kubelet on ${node} has stopped heartbeating: its node Lease kube-node-lease/${node} was ${ageText(lease)} (renewed every ${Math.round((lease.durationS ?? 40) / 4)} s when healthy); pods bound to ${node} are not started`,
          evidence: [
            `node Lease kube-node-lease/${node}: ${ageText(lease)}`,
            `node ${node} Ready condition: ${condition?.ready ?? 'unknown'}${condition?.reason ? ` (${condition.reason})` : ''}`,
          ],
          confidence: 'high',
          fatal: true,
          hint: `Check the kubelet on ${node} (systemctl status kubelet, journalctl -u kubelet) and its container runtime`,
          reproduce: `kubectl -n kube-node-lease get lease ${node} -o yaml; kubectl describe node ${node}`,
          subjects: [],
        }),
        name,
        `pod ${name}: bound to ${node}, ${pod.status?.phase ?? 'no phase'}, ${(pod.status?.containerStatuses ?? []).length === 0 ? 'no container reported by the kubelet' : 'containers not ready'}`,
      );
      continue;
    }
    if (condition !== undefined && condition.ready !== 'True') {
      add(
        `kubelet/${node}`,
        () => ({
          component: 'kubelet',
          node,
          summary: `node ${node} is not Ready (${condition.ready}${condition.reason ? `, ${condition.reason}` : ''}${condition.message ? `: ${condition.message}` : ''}); pods bound to it are not started`,
          evidence: [
            `node ${node} Ready: ${condition.ready} ${condition.reason ?? ''} ${condition.message ?? ''}`.trim(),
            ...(lease === undefined ? [] : [`node Lease: ${ageText(lease)}`]),
          ],
          confidence: 'high',
          fatal: true,
          hint: `The node's conditions and events say why the kubelet reports it not Ready`,
          reproduce: `kubectl describe node ${node}`,
          subjects: [],
        }),
        name,
      );
      continue;
    }
    const warning = lastWarning(eventsOf(signals.events, name));
    if (warning?.reason === 'FailedCreatePodSandBox') {
      const network = /network|cni|ip address|ipam/i.test(warning.message ?? '');
      const component = network ? 'pod-network' : 'container-runtime';
      add(
        `${component}/${node}`,
        () => ({
          component,
          node,
          summary: `the ${network ? 'pod network (CNI)' : 'container runtime'} on ${node} cannot create pod sandboxes: ${warning.message ?? 'no message'}`,
          evidence: [],
          confidence: 'high',
          fatal: false,
          hint: network
            ? `The CNI plugin on ${node} fails: its configuration (/etc/cni/net.d), its binaries (/opt/cni/bin) and its agent pod or service on that node`
            : `The container runtime on ${node} fails: containerd/CRI-O status and log on that node`,
          subjects: [],
        }),
        name,
        `pod ${name}: ${warning.reason}: ${warning.message ?? ''}`,
      );
      continue;
    }
    const started = (pod.status?.containerStatuses ?? []).length > 0;
    if (!started && podAgeMs(pod, signals.at) >= UNSTARTED_GRACE_MS) {
      add(
        `kubelet/${node}`,
        () => ({
          component: 'kubelet',
          node,
          summary: `the kubelet on ${node} heartbeats but has not started pods bound to it${warning === undefined ? ' and reports no event about them' : `; last event ${warning.reason}: ${warning.message ?? ''}`}`,
          evidence: lease === undefined ? [] : [`node Lease kube-node-lease/${node}: ${ageText(lease)}`],
          confidence: 'low',
          fatal: false,
          hint: `The kubelet log on ${node} says what it is doing with these pods (image pulls, volume mounts, the container runtime)`,
          subjects: [],
        }),
        name,
        `pod ${name}: bound to ${node} ${seconds(podAgeMs(pod, signals.at))} ago, no container reported`,
      );
    }
  }
  return [...found.values()];
}

// Pod creation refused because the namespace has no `default` ServiceAccount: the controller-manager
// (its serviceaccount controller) has not made it.
export const MISSING_SERVICE_ACCOUNT = /error looking up service account|serviceaccount "default" not found/i;

export function diagnoseRefusal(message: string, namespace: string, reading: LeaseReading): Diagnosis | undefined {
  if (!MISSING_SERVICE_ACCOUNT.test(message)) return undefined;
  const lease =
    reading.kind === 'lease'
      ? `its leader Lease kube-system/kube-controller-manager was ${ageText(reading.lease)}${reading.lease.stale ? ': no controller-manager is running' : ''}`
      : reading.kind === 'absent'
        ? 'there is no leader Lease kube-system/kube-controller-manager to tell whether it runs (leader election off)'
        : reading.reason;
  return {
    component: 'kube-controller-manager',
    summary: `kube-controller-manager has not created the default ServiceAccount of the new namespace ${namespace}, so the API server refuses its pods; ${lease}`,
    evidence: [`pod creation refused: ${message}`, lease],
    confidence: reading.kind === 'lease' && !reading.lease.stale ? 'medium' : 'high',
    fatal: true,
    hint: 'Check the kube-controller-manager process or pod on the control-plane nodes: its log and its /healthz on port 10257',
    reproduce: `kubectl -n kube-system get lease kube-controller-manager -o yaml; kubectl -n ${namespace} get serviceaccounts`,
    subjects: [namespace],
  };
}
