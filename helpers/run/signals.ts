// Ctrl-C and SIGTERM: the first one asks the run to stop and clean up; our listeners are then
// removed, so a second one gets Node's default behaviour and ends the process at once (the
// namespaces carry an expiry, and the next run removes them).

export type StopSignal = 'SIGINT' | 'SIGTERM';

export interface SignalSource {
  once(signal: StopSignal, listener: () => void): unknown;
  off(signal: StopSignal, listener: () => void): unknown;
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
    };
    listeners.set(signal, listener);
    source.once(signal, listener);
  }
  return remove;
}
