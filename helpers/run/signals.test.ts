import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onStopSignal, type SignalSource, type StopSignal } from './signals.ts';

function source(): EventEmitter & SignalSource {
  return new EventEmitter() as EventEmitter & SignalSource;
}

describe('onStopSignal', () => {
  it('calls the handler on the first SIGINT or SIGTERM, then lets the next signal through', () => {
    const emitter = source();
    const seen: StopSignal[] = [];
    onStopSignal((signal) => seen.push(signal), emitter);
    expect(emitter.listenerCount('SIGINT')).toBe(1);
    emitter.emit('SIGTERM');
    expect(seen).toEqual(['SIGTERM']);
    expect(emitter.listenerCount('SIGINT')).toBe(0);
    expect(emitter.listenerCount('SIGTERM')).toBe(0);
  });

  it('removes its listeners when disposed', () => {
    const emitter = source();
    const dispose = onStopSignal(() => {}, emitter);
    dispose();
    expect(emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGTERM')).toBe(0);
  });
});
