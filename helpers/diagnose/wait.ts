// Waiting the way every suite should: for pods (pod-wait.ts, the one diagnosing pod wait), and for
// the creation of objects in a namespace the run just made, until the cluster's signals name the
// component at fault, never a bare timeout.
import { poll } from '../wait/poll.ts';
import type { Diagnosis } from './diagnosis.ts';
import { diagnosisError, errorText } from './error.ts';
import { diagnoseRefusal, MISSING_SERVICE_ACCOUNT } from './pods.ts';
import type { SignalsApi } from './signals.ts';

export { diagnosisError, errorText } from './error.ts';
export { waitForPods, waitPodsReady, type PodWait, type PodsWaited } from './pod-wait.ts';

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
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const SERVICE_ACCOUNT_BOUND_MS = 20_000;

type Asked<T> = { made: true; value: T } | { made: false; error: unknown };

export async function createExplained<T>(action: () => Promise<T>, options: CreateInNewNamespace): Promise<T> {
  const now = options.now ?? (() => performance.now());
  let lastRead = -Infinity;
  let diagnosis: Diagnosis | undefined;
  let lapsed = false;
  const ask = async (): Promise<Asked<T>> => {
    try {
      return { made: true, value: await action() };
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
      return { made: false, error };
    }
  };
  const polled = await poll(ask, (asked) => asked.made || lapsed, {
    timeoutMs: options.boundMs ?? SERVICE_ACCOUNT_BOUND_MS,
    intervalMs: options.pollMs ?? 500,
    now,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const asked = polled.value;
  if (asked.made) return asked.value;
  if (diagnosis === undefined) throw asked.error;
  const waited = `pod creation asked ${polled.attempts} time(s) over ${(polled.elapsedMs / 1000).toFixed(1)} s`;
  throw diagnosisError({ ...diagnosis, evidence: [...diagnosis.evidence, waited] }, asked.error);
}
