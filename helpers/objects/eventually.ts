// Polls until a condition holds or a deadline passes, and says how long it took: a latency to
// report, not a sleep to wait out. Never throws for the condition; the caller judges the last value.

export interface Eventually<T> {
  value: T;
  ok: boolean;
  elapsedMs: number;
  attempts: number;
}

export interface EventuallyOptions {
  timeoutMs: number;
  intervalMs?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function eventually<T>(attempt: () => Promise<T>, accept: (value: T) => boolean, options: EventuallyOptions): Promise<Eventually<T>> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  for (let attempts = 1; ; attempts++) {
    options.signal?.throwIfAborted();
    const value = await attempt();
    const elapsedMs = now() - started;
    if (accept(value)) return { value, ok: true, elapsedMs, attempts };
    if (elapsedMs >= options.timeoutMs) return { value, ok: false, elapsedMs, attempts };
    await sleep(options.intervalMs ?? 250);
  }
}
