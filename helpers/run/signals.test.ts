import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { onStopSignal, stopRequested, type SignalSource, type StopSignal } from './signals.ts';

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

  it("aborts the process's stop signal when the process gets one, not when another source does", () => {
    const fake = source();
    onStopSignal(() => {}, fake);
    fake.emit('SIGINT');
    expect(stopRequested().aborted).toBe(false);
    const seen: StopSignal[] = [];
    const dispose = onStopSignal((signal) => seen.push(signal));
    try {
      process.emit('SIGTERM');
    } finally {
      dispose();
    }
    expect(seen).toEqual(['SIGTERM']);
    expect(stopRequested().aborted).toBe(true);
    expect(stopRequested().reason).toMatchObject({ code: 'SD_INTERRUPTED', message: 'interrupted by SIGTERM' });
  });
});
