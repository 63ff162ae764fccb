// The one diagnosing pod wait of the engine: the probe fleet (setup and own pods), a suite's pods
// (NetworkPolicy) and the in-cluster runner's Job pod (deploy --wait) all wait through it. It looks
// at the pods on poll's policy until they are ready (or, for a Job's pod, started), and never ends
// on a bare "not ready after N s":
// - a pod that cannot become ready by waiting (an image that cannot be pulled, a crash loop, a bad
//   container config: judgePod) ends it at once, naming the pod, its node, the reason, its last
//   warning event, with its events and log tail (the crashed container's) as details;
// - from UNSCHEDULED_GRACE_MS on, the cluster's signals (leader and node Leases, node conditions,
//   the namespace's events) name the component at fault (diagnosePods: the scheduler, a node's
//   kubelet, pod network or container runtime; diagnoseOwner: admission, Pod Security, a quota, the
//   controller that makes no pod); a fatal one ends the wait, or when the wait may go on without a
//   node (partial), leaves that node's pods out and says so;
// - at the bound, the best diagnosis found is the error, else each pod that is not ready and why.
import type { CoreV1Api, CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { ShakedownError, type ErrorCode } from '../errors.ts';
import { judgePod, warningLines, type PodVerdict } from '../fleet/readiness.ts';
import { poll } from '../wait/poll.ts';
import { byWeight, type Diagnosis } from './diagnosis.ts';
import { diagnosisError } from './error.ts';
import { diagnoseOwner, type PodOwner } from './owner.ts';
import { diagnosePods, UNSCHEDULED_GRACE_MS } from './pods.ts';
import type { Signals, SignalsApi } from './signals.ts';

export interface ExpectedPod {
  name: string;
  // The node it is meant for: named in messages, and left out with its node (partial).
  node?: string;
}

// A pod's warning events and the tail of its log, read for the error only.
export interface PodEvidenceApi {
  podEvents(namespace: string, pod: string): Promise<CoreV1Event[]>;
  // `previous`: the log of the container that crashed, not of the one waiting to restart.
  podLogTail(namespace: string, pod: string, lines: number, previous?: boolean): Promise<string>;
}

export function podEvidenceApi(core: CoreV1Api, container: string): PodEvidenceApi {
  return {
    podEvents: async (namespace, pod) =>
      (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}` })).items,
    podLogTail: async (namespace, pod, lines, previous) =>
      core.readNamespacedPodLog({ namespace, name: pod, container, tailLines: lines, ...(previous === true ? { previous: true } : {}) }),
  };
}

// One pod waited for, as one look saw it.
export interface PodSlot {
  // Absent for a pod waited for by count that is not there yet.
  name?: string;
  namespace: string;
  node?: string;
  pod?: V1Pod;
  verdict: PodVerdict;
}

export interface PodWait {
  // Lists the pods waited for (every namespace of them).
  list: () => Promise<V1Pod[]>;
  // How many pods (all listed must be ready, and at least this many), or which by name.
  expected: number | readonly ExpectedPod[];
  // Where events are read for the diagnosis.
  namespace: string;
  signals?: SignalsApi | undefined;
  // The pods, plural ("probe pods"); one of them is named without the final s.
  what: string;
  // 'ready' (default): the Ready condition; 'started': the container runs or ran (a Job's pod).
  until?: 'ready' | 'started';
  // The container judged for 'started' and whose log is read (default the first).
  container?: string;
  // How a pod is named in the error (default "probe pod probe-0 on node node1").
  name?: (slot: PodSlot) => string;
  // What makes the pods (a Job): its warning events say why there is none.
  owner?: PodOwner;
  // Events and log tails of the pods that are not ready, for the error's details.
  evidence?: PodEvidenceApi;
  // The image the pods run: a pull failure names it.
  image?: { image: string; why?: string; pullPolicy?: string };
  // The hint for a pod's reason (default a generic one).
  hint?: (reason: string) => string;
  // May the wait go on without the nodes a fatal diagnosis names (expected by name with nodes)?
  partial?: boolean | undefined;
  // The code of the error at the bound when nothing was diagnosed (default SD_SETUP_FAILED).
  timeoutCode?: ErrorCode;
  timeoutMs: number;
  pollMs?: number | undefined;
  // How often the cluster's signals are read while pods are not ready (default 3 s).
  diagnoseEveryMs?: number | undefined;
  signal?: AbortSignal | undefined;
  now?: (() => number) | undefined;
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  // Told what the wait is for each time that changes ("waiting for 3 probe pods: 1 ready (…)").
  onWait?: ((line: string) => void) | undefined;
}

export interface PodsWaited {
  // The last listing.
  pods: V1Pod[];
  // Nodes left out, with the diagnosis that named them (partial).
  dropped: Map<string, Diagnosis>;
  elapsedMs: number;
}

// Pods looked at for an error's details, with their events and log tail.
const EVIDENCE_PODS = 5;
const LOG_LINES = 10;
const IMAGE_REASON = /ImagePull|ErrImageNeverPull|InvalidImageName/;
const NOT_FOUND: PodVerdict = { ready: false, fatal: false, reason: 'not found' };
const NOT_MADE: PodVerdict = { ready: false, fatal: false, reason: 'not made yet' };

interface Look {
  pods: V1Pod[];
  stuck: PodSlot[];
}

export async function waitForPods(wait: PodWait): Promise<PodsWaited> {
  const now = wait.now ?? (() => performance.now());
  const started = now();
  const dropped = new Map<string, Diagnosis>();
  let diagnoses: Diagnosis[] = [];
  let lastRead = -Infinity;
  let said = '';
  const kept = (slot: PodSlot) => slot.node === undefined || !dropped.has(slot.node);

  const look = async (): Promise<Look> => {
    const pods = await wait.list();
    const all = slotsOf(wait, pods).filter(kept);
    const stuck = all.filter((slot) => !slot.verdict.ready);
    if (stuck.length === 0) return { pods, stuck };
    const line = waitLine(wait, all.length, stuck);
    if (line !== said) wait.onWait?.((said = line));
    const fatal = stuck.filter((slot) => slot.verdict.fatal);
    if (fatal.length > 0) throw await stuckError(wait, fatal);
    if (wait.signals !== undefined && now() - started >= UNSCHEDULED_GRACE_MS && now() - lastRead >= (wait.diagnoseEveryMs ?? 3000)) {
      lastRead = now();
      const signals = await wait.signals.read(wait.namespace).catch(() => undefined);
      diagnoses = signals === undefined ? [] : diagnose(wait, stuck, signals);
      for (const diagnosis of diagnoses.filter((d) => d.fatal)) {
        const node = diagnosis.node;
        const others = all.filter((slot) => slot.node !== node && kept(slot));
        if (node === undefined || wait.partial !== true || typeof wait.expected === 'number' || others.length === 0)
          throw diagnosisError(
            diagnosis,
            undefined,
            diagnoses.filter((d) => d !== diagnosis),
          );
        dropped.set(node, diagnosis);
      }
    }
    return { pods, stuck: stuck.filter(kept) };
  };

  const polled = await poll(look, ({ stuck }) => stuck.length === 0, {
    timeoutMs: wait.timeoutMs,
    intervalMs: wait.pollMs ?? 500,
    now,
    ...(wait.sleep === undefined ? {} : { sleep: wait.sleep }),
    ...(wait.signal === undefined ? {} : { signal: wait.signal }),
  });
  if (polled.ok) return { pods: polled.value.pods, dropped, elapsedMs: polled.elapsedMs };
  // What the cluster's signals named, even when no sign was strong enough to end the wait early.
  const [best, ...rest] = diagnoses;
  if (best !== undefined) throw diagnosisError(best, undefined, rest);
  throw await stuckError(wait, polled.value.stuck, polled.elapsedMs);
}

// The pods once ready, or the error that names why not.
export async function waitPodsReady(wait: PodWait): Promise<V1Pod[]> {
  return (await waitForPods(wait)).pods;
}

function containerOf(pod: V1Pod | undefined, name: string | undefined) {
  const statuses = pod?.status?.containerStatuses ?? [];
  return name === undefined ? statuses[0] : statuses.find((status) => status.name === name);
}

function judge(wait: PodWait, pod: V1Pod): PodVerdict {
  if (wait.until === 'started') {
    const state = containerOf(pod, wait.container)?.state;
    if (state?.running !== undefined || state?.terminated !== undefined) return { ready: true, fatal: false };
  }
  return judgePod(pod);
}

function slotsOf(wait: PodWait, pods: readonly V1Pod[]): PodSlot[] {
  const slot = (pod: V1Pod, name = pod.metadata?.name ?? '', node = pod.spec?.nodeName): PodSlot => ({
    name,
    namespace: pod.metadata?.namespace ?? wait.namespace,
    ...(node === undefined || node === '' ? {} : { node }),
    pod,
    verdict: judge(wait, pod),
  });
  if (typeof wait.expected === 'number') {
    const missing = Array.from({ length: Math.max(0, wait.expected - pods.length) }, (): PodSlot => ({ namespace: wait.namespace, verdict: NOT_MADE }));
    return [...pods.map((pod) => slot(pod)), ...missing];
  }
  const byName = new Map(pods.map((pod) => [pod.metadata?.name ?? '', pod]));
  return wait.expected.map((expected) => {
    const pod = byName.get(expected.name);
    if (pod !== undefined) return slot(pod, expected.name, expected.node ?? pod.spec?.nodeName);
    return { name: expected.name, namespace: wait.namespace, ...(expected.node === undefined ? {} : { node: expected.node }), verdict: NOT_FOUND };
  });
}

function diagnose(wait: PodWait, stuck: readonly PodSlot[], signals: Signals): Diagnosis[] {
  const found = diagnosePods(
    stuck.flatMap((slot) => (slot.pod === undefined ? [] : [{ name: slot.name ?? '', pod: slot.pod }])),
    signals,
  );
  if (wait.owner !== undefined && stuck.some((slot) => slot.pod === undefined)) {
    const owner = diagnoseOwner(wait.owner, wait.namespace, signals);
    if (owner !== undefined) found.push(owner);
  }
  return found.sort(byWeight);
}

const noun = (wait: PodWait) => wait.what.replace(/s$/, '');
const counted = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

// "waiting for 3 probe pods: 1 ready (probe-0: ContainerCreating, …)".
export function waitLine(wait: Pick<PodWait, 'what' | 'until'>, total: number, stuck: readonly PodSlot[]): string {
  const [first] = stuck;
  const why = first === undefined ? '' : ` (${first.name ?? 'none yet'}: ${first.verdict.reason ?? 'not ready'}${stuck.length > 1 ? ', …' : ''})`;
  return `waiting for ${counted(total, noun(wait as PodWait))}: ${total - stuck.length} ${wait.until === 'started' ? 'started' : 'ready'}${why}`;
}

function subject(wait: PodWait, slot: PodSlot): string {
  if (wait.name !== undefined) return wait.name(slot);
  const name = slot.name === undefined ? '(not made yet)' : slot.namespace === wait.namespace ? slot.name : `${slot.namespace}/${slot.name}`;
  return `${noun(wait)} ${name}${slot.node === undefined ? '' : ` on node ${slot.node}`}`;
}

// The crashed container's log says why it crashed; the one waiting to restart has none yet.
function crashed(pod: V1Pod | undefined, container: string | undefined): boolean {
  const status = containerOf(pod, container);
  return (status?.restartCount ?? 0) > 0 && status?.state?.running === undefined;
}

// Pods that cannot become ready (waitedMs absent) or are not ready at the bound.
async function stuckError(wait: PodWait, stuck: readonly PodSlot[], waitedMs?: number): Promise<ShakedownError> {
  const evidence = await Promise.all(
    stuck.map(async (slot, index) => {
      if (wait.evidence === undefined || slot.name === undefined || index >= EVIDENCE_PODS) return { events: [], log: [] };
      const [events, log] = await Promise.all([
        wait.evidence.podEvents(slot.namespace, slot.name).then(warningLines, () => []),
        wait.evidence.podLogTail(slot.namespace, slot.name, LOG_LINES, crashed(slot.pod, wait.container)).catch(() => ''),
      ]);
      return {
        events,
        log: log
          .trim()
          .split('\n')
          .filter((line) => line !== ''),
      };
    }),
  );
  const details: string[] = [];
  if (wait.image !== undefined) {
    const about = [wait.image.why, wait.image.pullPolicy === undefined ? undefined : `pull policy ${wait.image.pullPolicy}`].filter(
      (part) => part !== undefined,
    );
    details.push(`image ${wait.image.image}${about.length === 0 ? '' : ` (${about.join(', ')})`}`);
  }
  for (const [index, slot] of stuck.entries()) {
    details.push(
      `pod ${slot.namespace}/${slot.name ?? '(not made yet)'}${slot.node === undefined ? '' : ` on node ${slot.node}`}: ${slot.verdict.reason ?? 'not ready'}`,
    );
    for (const line of evidence[index]?.events ?? []) details.push(`  event ${line}`);
    for (const line of evidence[index]?.log ?? []) details.push(`  log ${line}`);
  }
  const [first] = stuck;
  const reason = first?.verdict.reason ?? 'not ready';
  const lastEvent = evidence[0]?.events.at(-1);
  const image = wait.image !== undefined && IMAGE_REASON.test(reason) ? ` (image ${wait.image.image})` : '';
  const missing = stuck.filter((slot) => slot.name === undefined && slot !== first).length;
  const others =
    stuck.length > 1 ? ` (and ${stuck.length - 1} more ${noun(wait)}${stuck.length > 2 ? 's' : ''}${missing > 0 ? `, ${missing} not made yet` : ''})` : '';
  const started = wait.until === 'started';
  const seconds = Math.round((waitedMs ?? 0) / 1000);
  const lead =
    waitedMs === undefined
      ? started
        ? 'cannot start'
        : 'cannot become ready'
      : started
        ? `did not start within ${seconds} s`
        : `not ready after ${seconds} s`;
  const message = `${first === undefined ? wait.what : subject(wait, first)} ${lead}: ${reason}${lastEvent !== undefined && !reason.includes(lastEvent) ? `; last event ${lastEvent}` : ''}${image}${others}`;
  return new ShakedownError(waitedMs === undefined ? 'SD_SETUP_FAILED' : (wait.timeoutCode ?? 'SD_SETUP_FAILED'), message, {
    details: details.join('\n'),
    hint: wait.hint?.(reason) ?? defaultHint(reason, waitedMs !== undefined),
  });
}

function defaultHint(reason: string, timedOut: boolean): string {
  if (IMAGE_REASON.test(reason)) return 'The nodes cannot get the image: is it where the cluster pulls from, and does the pod have the pull secret it needs?';
  if (/not scheduled/.test(reason)) return "The scheduler cannot place the pod: check the nodes' taints, free resources and ResourceQuotas.";
  if (/crash/.test(reason)) return 'The container exits at start: read its log above.';
  return `Read the events above; admission webhooks, quotas and a slow image pull are the usual causes.${timedOut ? ' --setup-timeout allows more time.' : ''}`;
}
