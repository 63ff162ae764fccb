// Waiting for pods the way every suite should: until they are ready, or until what the cluster
// shows names the component at fault (diagnosePods), or until the bound, when the best diagnosis
// found so far (or each pod's own reason) is the error, never a bare "not ready after N s".
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { judgePod } from '../fleet/readiness.ts';
import { statusMessage } from '../kube/api-errors.ts';
import { byWeight, where, type Diagnosis } from './diagnosis.ts';
import { diagnosePods, diagnoseRefusal, UNSCHEDULED_GRACE_MS } from './pods.ts';
import type { SignalsApi } from './signals.ts';

// The component at fault, as the error that ends a wait.
export function diagnosisError(diagnosis: Diagnosis, cause?: unknown, also: readonly Diagnosis[] = []): ShakedownError {
  return new ShakedownError('SD_SETUP_FAILED', `${where(diagnosis)} is at fault (${diagnosis.confidence} confidence): ${diagnosis.summary}`, {
    ...(cause === undefined ? {} : { cause }),
    details: [...diagnosis.evidence, ...also.map((other) => `also: ${other.summary}`), ...(diagnosis.reproduce === undefined ? [] : [`to see it: ${diagnosis.reproduce}`])].join('\n'),
    ...(diagnosis.hint === undefined ? {} : { hint: diagnosis.hint }),
  });
}

export function errorText(error: unknown): string {
  return error instanceof ApiException ? (statusMessage(error) ?? `HTTP ${error.code}`) : error instanceof Error ? error.message : String(error);
}

// Creating an object in a namespace of the run failed: the component at fault when the cluster's
// signals name one (a namespace without its default ServiceAccount), else undefined.
export async function explainRefusal(signals: SignalsApi | undefined, namespace: string, error: unknown): Promise<ShakedownError | undefined> {
  if (signals === undefined) return undefined;
  const read = await signals.read(namespace).catch(() => undefined);
  const diagnosis = read === undefined ? undefined : diagnoseRefusal(errorText(error), namespace, read.controllerManager);
  return diagnosis === undefined ? undefined : diagnosisError(diagnosis, error);
}

export interface PodWait {
  // Lists the pods waited for (every namespace of them).
  list: () => Promise<V1Pod[]>;
  expected: number;
  // Where events are read for the diagnosis.
  namespace: string;
  signals?: SignalsApi;
  what: string;
  timeoutMs: number;
  pollMs?: number;
  diagnoseEveryMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function waitPodsReady(wait: PodWait): Promise<V1Pod[]> {
  const now = wait.now ?? Date.now;
  const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  let diagnoses: Diagnosis[] = [];
  let lastRead = -Infinity;
  for (;;) {
    wait.signal?.throwIfAborted();
    const pods = await wait.list();
    const notReady = pods.filter((pod) => !judgePod(pod).ready);
    if (pods.length >= wait.expected && notReady.length === 0) return pods;
    const fatal = notReady.find((pod) => judgePod(pod).fatal);
    if (fatal !== undefined) throw new ShakedownError('SD_SETUP_FAILED', `${wait.what}: pod ${fatal.metadata?.namespace}/${fatal.metadata?.name} on ${fatal.spec?.nodeName ?? 'no node'} cannot become ready: ${judgePod(fatal).reason}`);
    if (wait.signals !== undefined && now() - started >= UNSCHEDULED_GRACE_MS && now() - lastRead >= (wait.diagnoseEveryMs ?? 3000)) {
      lastRead = now();
      const signals = await wait.signals.read(wait.namespace).catch(() => undefined);
      diagnoses = signals === undefined ? [] : diagnosePods(notReady.map((pod) => ({ name: pod.metadata?.name ?? '', pod })), signals).sort(byWeight);
      const [first] = diagnoses.filter((d) => d.fatal);
      if (first !== undefined) throw diagnosisError(first, undefined, diagnoses.filter((d) => d !== first));
    }
    if (now() - started >= wait.timeoutMs) {
      const [best, ...rest] = diagnoses;
      if (best !== undefined) throw diagnosisError(best, undefined, rest);
      const reasons = notReady.map((pod) => `${pod.metadata?.namespace}/${pod.metadata?.name} on ${pod.spec?.nodeName ?? 'no node'}: ${judgePod(pod).reason}`);
      throw new ShakedownError('SD_SETUP_FAILED', `${wait.what}: ${pods.length < wait.expected ? `${wait.expected - pods.length} pod(s) missing, ` : ''}${notReady.length} not ready after ${Math.round((now() - started) / 1000)} s: ${reasons[0] ?? ''}`, {
        details: reasons.join('\n'),
      });
    }
    await sleep(wait.pollMs ?? 500);
  }
}
