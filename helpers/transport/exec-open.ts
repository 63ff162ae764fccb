// Opening an exec session (a websocket upgrade through the API server to the kubelet) the way
// every other API call is made: through the run's rate limit, with a deadline, and never in a
// tight loop. After a failed open to a pod, the next open to it waits out a growing backoff; a
// refusal that retrying cannot fix (401, 403) fails at once for a while, without a new upgrade.
// Failures are TransportErrors naming the cause, so no caller mistakes them for a broken session.
import type { Throttle } from '../kube/throttle.ts';
import { createThrottle } from '../kube/throttle.ts';
import { TransportError, type AgentAddress } from './transport.ts';

export const DEFAULT_OPEN_TIMEOUT_MS = 10_000;
// Used only when the caller has no rate limit to share: an exec is an API call like any other.
const FALLBACK_QPS = 5;
const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
// How long a 401/403 is believed before one more upgrade is tried.
const REFUSAL_MEMORY_MS = 60_000;

export interface ExecOpenOptions {
  /** The run's API rate limit (the session's connection throttle); a private 5 qps one when absent. */
  throttle?: Throttle;
  /** Deadline of one websocket upgrade. */
  openTimeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ExecGate {
  /**
   * Opens an exec to the agent's pod: waits for its turn (backoff, then the rate limit), runs
   * `start` under the deadline, and closes a socket that opens too late with `discard`.
   */
  open<T>(agent: AgentAddress, start: () => Promise<T>, discard: (late: T) => void, signal?: AbortSignal): Promise<T>;
}

interface PodState {
  failures: number;
  retryAt: number;
  // A refusal that is repeated without a new upgrade until retryAt.
  refusal?: TransportError;
}

const where = (agent: AgentAddress) => `${agent.namespace}/${agent.name}`;
const kubelet = (agent: AgentAddress) => (agent.node ? `the kubelet on node ${agent.node}` : 'the kubelet of its node');

/** The HTTP status of a refused websocket upgrade ("Unexpected server response: 403"), if any. */
export function upgradeStatus(error: unknown): number | undefined {
  const message = messageOf(error);
  const match = /Unexpected server response: (\d{3})/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  // ws hands the client an ErrorEvent: { message, error }.
  const event = error as { message?: unknown; error?: unknown } | undefined;
  if (typeof event?.message === 'string' && event.message !== '') return event.message;
  if (event?.error instanceof Error) return event.error.message;
  return String(error);
}

/** What went wrong, in the words an operator needs; `permanent` when retrying cannot help. */
export function describeOpenFailure(agent: AgentAddress, error: unknown): { message: string; permanent: boolean } {
  const status = upgradeStatus(error);
  switch (status) {
    case 401:
      return { message: "the API server refused the exec: 401 Unauthorized (the kubeconfig's credentials were not accepted)", permanent: true };
    case 403:
      return { message: `the API server refused the exec: 403 Forbidden (needs create on pods/exec in ${agent.namespace})`, permanent: true };
    case 404:
      return { message: 'the exec failed: 404 Not Found (the pod is gone)', permanent: false };
    case 400:
      return { message: 'the exec failed: 400 Bad Request (the pod or its container is not running)', permanent: false };
    case undefined:
      return { message: `the exec failed: ${messageOf(error)}`, permanent: false };
    default:
      return { message: `the exec failed: HTTP ${status} from the API server (${kubelet(agent)} may be down or unreachable)`, permanent: false };
  }
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function createExecGate(options: ExecOpenOptions = {}): ExecGate {
  const throttle = options.throttle ?? createThrottle({ qps: FALLBACK_QPS });
  const openTimeoutMs = options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const pods = new Map<string, PodState>();

  function failed(agent: AgentAddress, error: TransportError, permanent: boolean): TransportError {
    const state = pods.get(where(agent)) ?? { failures: 0, retryAt: 0 };
    state.failures += 1;
    state.retryAt = now() + (permanent ? REFUSAL_MEMORY_MS : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (state.failures - 1)));
    if (permanent) state.refusal = error;
    else delete state.refusal;
    pods.set(where(agent), state);
    return error;
  }

  function withDeadline<T>(agent: AgentAddress, start: () => Promise<T>, discard: (late: T) => void, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (then: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        then();
      };
      const timer = setTimeout(() => {
        const message = `${kubelet(agent)} did not answer the exec upgrade within ${Math.round(openTimeoutMs / 1000)} s`;
        settle(() => reject(failed(agent, new TransportError('exec', agent, message), false)));
      }, openTimeoutMs);
      const onAbort = () => settle(() => reject(new TransportError('exec', agent, 'opening the exec: aborted', { cause: signal?.reason })));
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted === true) return onAbort();
      start().then(
        (opened) => {
          if (settled) discard(opened);
          settle(() => {
            pods.delete(where(agent));
            resolve(opened);
          });
        },
        (error: unknown) => {
          const { message, permanent } = describeOpenFailure(agent, error);
          settle(() => reject(failed(agent, new TransportError('exec', agent, message, { cause: error }), permanent)));
        },
      );
    });
  }

  return {
    async open(agent, start, discard, signal) {
      const state = pods.get(where(agent));
      if (state !== undefined) {
        const wait = state.retryAt - now();
        if (state.refusal !== undefined && wait > 0) throw state.refusal;
        if (wait > 0) await sleep(wait, signal);
      }
      signal?.throwIfAborted();
      await throttle.take();
      return withDeadline(agent, start, discard, signal);
    },
  };
}
