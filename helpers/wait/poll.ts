// The one way a check waits for the cluster: ask, judge the answer, and ask again on a policy until
// it holds or the deadline passes. It says how long it took (a latency to report, not a sleep to
// wait out) and never throws for the condition: the caller judges the last value.
//
// A policy may ask for `consecutive` right answers in a row (Gateway API conformance's rule for
// telling propagation from failure: the first of them is when it settled), and for `minAttempts`
// asks even past the deadline (a busy cluster answers late, not never).

export interface PollPolicy {
  // From the first ask, or an absolute deadline on `now`'s clock (whichever is given; deadline wins).
  timeoutMs?: number;
  deadline?: number;
  intervalMs?: number;
  consecutive?: number;
  minAttempts?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface Polled<T> {
  value: T;
  ok: boolean;
  // From the first ask to the last answer.
  elapsedMs: number;
  attempts: number;
  // From the first ask to the first answer of the streak that settled it (ok only).
  settledMs?: number;
  // Right answers in a row at the end.
  streak: number;
}

export const DEFAULT_INTERVAL_MS = 250;

// Sleeps, or rejects with the signal's reason as soon as it is aborted.
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) return reject(signal.reason as Error);
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

// A signal that aborts after `ms`, or with its parent: the bound of one request or stream.
export function timeoutSignal(ms: number, parent?: AbortSignal): AbortSignal {
  const own = AbortSignal.timeout(Math.max(0, ms));
  return parent === undefined ? own : AbortSignal.any([parent, own]);
}

export async function poll<T>(attempt: () => Promise<T>, accept: (value: T) => boolean, policy: PollPolicy): Promise<Polled<T>> {
  const now = policy.now ?? (() => performance.now());
  const sleep = policy.sleep ?? pause;
  const started = now();
  const deadline = policy.deadline ?? started + (policy.timeoutMs ?? 0);
  const wanted = Math.max(1, policy.consecutive ?? 1);
  const minAttempts = policy.minAttempts ?? 1;
  let streak = 0;
  let streakStart = 0;
  for (let attempts = 1; ; attempts++) {
    policy.signal?.throwIfAborted();
    const asked = now();
    const value = await attempt();
    const at = now();
    if (accept(value)) {
      if (streak === 0) streakStart = asked;
      streak++;
    } else streak = 0;
    const elapsedMs = at - started;
    if (streak >= wanted) return { value, ok: true, elapsedMs, attempts, settledMs: streakStart - started, streak };
    if (at >= deadline && attempts >= minAttempts) return { value, ok: false, elapsedMs, attempts, streak };
    await sleep(policy.intervalMs ?? DEFAULT_INTERVAL_MS, policy.signal);
  }
}

export interface Relooked<T> {
  value: T;
  // The first reading, when it was bad and read again.
  first?: T;
}

// "Look once more before judging": a reading that looks bad is read again after `afterMs`, and the
// second reading is the one judged (a readiness probe that missed once under load, a kubelet that
// renews its Lease late, is not a verdict). `onBad` hears the first reading (for the check's log).
export async function relook<T>(
  read: () => Promise<T>,
  bad: (value: T) => boolean,
  policy: { afterMs: number; signal?: AbortSignal; onBad?: (value: T) => void; sleep?: (ms: number, signal?: AbortSignal) => Promise<void> },
): Promise<Relooked<T>> {
  const first = await read();
  if (!bad(first)) return { value: first };
  policy.onBad?.(first);
  await (policy.sleep ?? pause)(policy.afterMs, policy.signal);
  return { value: await read(), first };
}
