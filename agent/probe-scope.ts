// The frame every prober runs in: a stopwatch, a hard deadline, cancellation, exactly one result,
// and cleanup that always runs. Probers report through it and never throw.
import { isIP } from 'node:net';
import { cancelledError, classifyError, timeoutError } from './classify.ts';
import { admit, guardedLookup, hostOf } from './destinations.ts';
import type { DestinationRules, GuardedLookup } from './destinations.ts';
import type { ProbeResult, ProbeTarget } from './protocol.ts';

export type Finding = Omit<ProbeResult, 'id' | 'kind' | 'ms'>;

/** What a probe runs under besides its target. */
export interface ProbeContext {
  /**
   * Cancels the probe (the client that asked for it is gone): it ends at once with an error and its
   * sockets are closed; a probe whose signal has aborted already does not start.
   */
  signal?: AbortSignal;
  /**
   * Where the probe may connect (destinations.ts): a refused address ends it with an error before
   * anything is sent. Absent, anywhere: the runner's own probes, and the probers' unit tests.
   */
  destinations?: DestinationRules;
}

export interface ProbeScope {
  /** Ends the probe with a result; later calls are ignored. */
  finish(finding: Finding): void;
  /** Ends the probe with a classified error; later calls are ignored. */
  fail(error: unknown): void;
  /** Registers cleanup (close sockets) that runs once the probe has ended. */
  onEnd(cleanup: () => void): void;
  /**
   * The `lookup` option for every socket the probe opens, so that names are checked against the
   * destination rules once resolved; undefined when there are none.
   */
  lookup: GuardedLookup | undefined;
}

function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000;
}

export function runProbeScope(target: ProbeTarget, body: (scope: ProbeScope) => void, context: ProbeContext = {}): Promise<ProbeResult> {
  const start = performance.now();
  const { signal, destinations } = context;
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
      lookup: destinations === undefined ? undefined : guardedLookup(target, destinations),
    };
    const cancel = () => scope.fail(cancelledError(signal?.reason));
    const timer = setTimeout(() => scope.fail(timeoutError(target.timeoutMs)), target.timeoutMs);
    if (signal?.aborted === true) return cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      // An address is never looked up, so it is checked here; a name is checked once resolved.
      const host = hostOf(target);
      if (destinations !== undefined && isIP(host.split('%', 1)[0] ?? '') !== 0) admit(target, host, destinations);
      body(scope);
    } catch (error) {
      scope.fail(error);
    }
  });
}
