// Waiting for pods the way every suite should: until they are ready, or until what the cluster
// shows names the component at fault (diagnosePods), or until the bound, when the best diagnosis
// found so far (or each pod's own reason) is the error, never a bare "not ready after N s".
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import { judgePod } from '../fleet/readiness.ts';
import { statusMessage } from '../kube/api-errors.ts';
import { byWeight, where, type Diagnosis } from './diagnosis.ts';
import { diagnosePods, diagnoseRefusal, MISSING_SERVICE_ACCOUNT, UNSCHEDULED_GRACE_MS } from './pods.ts';
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

// A new namespace's pods are refused until kube-controller-manager has made its `default`
// ServiceAccount; the API server's admission waits for it about a second. A controller-manager that
// runs but is busy (its client rate limit spent deleting other namespaces) can take longer, so while
// its leader Lease is fresh the creation is asked again, up to `boundMs`; a lapsed Lease names it at
// once, and so does the bound. Any other refusal is thrown as it came.
export interface CreateInNewNamespace {
  namespace: string;
  signals?: SignalsApi;
  boundMs?: number;
  pollMs?: number;
  // How often the Lease is read again while refusals go on.
  readEveryMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const SERVICE_ACCOUNT_BOUND_MS = 20_000;

export async function createExplained<T>(action: () => Promise<T>, options: CreateInNewNamespace): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  let lastRead = -Infinity;
  let diagnosis: Diagnosis | undefined;
  let lapsed = false;
  let asked = 0;
  for (;;) {
    asked += 1;
    try {
      return await action();
    } catch (error) {
      if (!MISSING_SERVICE_ACCOUNT.test(errorText(error))) throw error;
      if (options.signals !== undefined && now() - lastRead >= (options.readEveryMs ?? 3000)) {
        lastRead = now();
        const read = await options.signals.read(options.namespace).catch(() => undefined);
        if (read !== undefined) {
          diagnosis = diagnoseRefusal(errorText(error), options.namespace, read.controllerManager);
          lapsed = read.controllerManager.kind === 'lease' && read.controllerManager.lease.stale;
        }
      }
      if (lapsed || now() - started >= (options.boundMs ?? SERVICE_ACCOUNT_BOUND_MS)) {
        if (diagnosis === undefined) throw error;
        const waited = `pod creation asked ${asked} time(s) over ${((now() - started) / 1000).toFixed(1)} s`;
        throw diagnosisError({ ...diagnosis, evidence: [...diagnosis.evidence, waited] }, error);
      }
      options.signal?.throwIfAborted();
      await sleep(options.pollMs ?? 500);
    }
  }
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
