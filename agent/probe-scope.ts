// The frame every prober runs in: a stopwatch, a hard deadline, cancellation, exactly one result,
// and cleanup that always runs. Probers report through it and never throw.
import { cancelledError, classifyError, timeoutError } from './classify.ts';
import type { ProbeResult, ProbeTarget } from './protocol.ts';

export type Finding = Omit<ProbeResult, 'id' | 'kind' | 'ms'>;

/** What a probe runs under besides its target. */
export interface ProbeContext {
  /**
   * Cancels the probe (the client that asked for it is gone): it ends at once with an error and its
   * sockets are closed; a probe whose signal has aborted already does not start.
   */
  signal?: AbortSignal;
}

export interface ProbeScope {
  /** Ends the probe with a result; later calls are ignored. */
  finish(finding: Finding): void;
  /** Ends the probe with a classified error; later calls are ignored. */
  fail(error: unknown): void;
  /** Registers cleanup (close sockets) that runs once the probe has ended. */
  onEnd(cleanup: () => void): void;
}

function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

export function runProbeScope(target: ProbeTarget, body: (scope: ProbeScope) => void, context: ProbeContext = {}): Promise<ProbeResult> {
  const start = performance.now();
  const { signal } = context;
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    let ended = false;
    const end = ({ outcome, ...rest }: Finding): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
      resolve({ id: target.id, kind: target.kind, outcome, ms: elapsedMs(start), ...rest });
      for (const cleanup of cleanups) cleanup();
    };
    const scope: ProbeScope = {
      finish: end,
      fail: (error) => end(classifyError(error)),
      onEnd: (cleanup) => (ended ? cleanup() : cleanups.push(cleanup)),
    };
    const cancel = () => scope.fail(cancelledError(signal?.reason));
    const timer = setTimeout(() => scope.fail(timeoutError(target.timeoutMs)), target.timeoutMs);
    if (signal?.aborted === true) return cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      body(scope);
    } catch (error) {
      scope.fail(error);
    }
  });
}
