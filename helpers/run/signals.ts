// Ctrl-C and SIGTERM: the first one asks the run to stop and clean up; our listeners are then
// removed, so a second one gets Node's default behaviour and ends the process at once (the
// namespaces carry an expiry, and the next run removes them).
//
// The first one also aborts stopRequested(), the process's own stop signal: what waits before a
// run has anything to clean up (a kubeconfig that is a pipe, an exec credential plugin, an API
// request under way) listens to it and ends at once, so the run's handler is not left waiting.
import { ShakedownError } from '../errors.ts';

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface SignalSource {
  once(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
}

const processStop = new AbortController();

// Aborted (with SD_INTERRUPTED) once a stop signal reached an onStopSignal handler of this process.
export function stopRequested(): AbortSignal {
  return processStop.signal;
}

export function onStopSignal(handler: (signal: StopSignal) => void, source: SignalSource = process): () => void {
  const signals: StopSignal[] = ['SIGINT', 'SIGTERM'];
  const listeners = new Map<StopSignal, () => void>();
  const remove = () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
    listeners.clear();
  };
  for (const signal of signals) {
    const listener = () => {
      remove();
      handler(signal);
      if (source === process) processStop.abort(new ShakedownError('SD_INTERRUPTED', `interrupted by ${signal}`));
    };
    listeners.set(signal, listener);
    source.once(signal, listener);
  }
  return remove;
}
