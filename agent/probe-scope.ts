// The frame every prober runs in: a stopwatch, a hard deadline, exactly one result, and cleanup
// that always runs. Probers report through it and never throw.
import { classifyError, timeoutError } from './classify.ts';
import type { ProbeResult, ProbeTarget } from './protocol.ts';

export type Finding = Omit<ProbeResult, 'id' | 'kind' | 'ms'>;

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

export function runProbeScope(target: ProbeTarget, body: (scope: ProbeScope) => void): Promise<ProbeResult> {
  const start = performance.now();
  return new Promise((resolve) => {
    const cleanups: Array<() => void> = [];
    let ended = false;
    const end = ({ outcome, ...rest }: Finding): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      resolve({ id: target.id, kind: target.kind, outcome, ms: elapsedMs(start), ...rest });
      for (const cleanup of cleanups) cleanup();
    };
    const scope: ProbeScope = {
      finish: end,
      fail: (error) => end(classifyError(error)),
      onEnd: (cleanup) => (ended ? cleanup() : cleanups.push(cleanup)),
    };
    const timer = setTimeout(() => scope.fail(timeoutError(target.timeoutMs)), target.timeoutMs);
    try {
      body(scope);
    } catch (error) {
      scope.fail(error);
    }
  });
}
