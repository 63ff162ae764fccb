import { describe, expect, it } from 'vitest';
import { pause, poll, relook, timeoutSignal } from './poll.ts';

// A fake clock: each ask takes `askMs`, each sleep moves time on.
function clock(askMs = 0) {
  let t = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => void (t += ms),
    ask: <T>(value: T) => {
      t += askMs;
      return Promise.resolve(value);
    },
  };
}

describe('poll', () => {
  it('returns as soon as the condition holds, with the time it took', async () => {
    const c = clock();
    let n = 0;
    const result = await poll(
      async () => ++n,
      (value) => value === 3,
      { timeoutMs: 10_000, intervalMs: 100, now: c.now, sleep: c.sleep },
    );
    expect(result).toEqual({ value: 3, ok: true, elapsedMs: 200, attempts: 3, settledMs: 200, streak: 1 });
  });

  it('gives up after the deadline with the last value, without throwing', async () => {
    const c = clock();
    const result = await poll(
      async () => 'refused',
      (value) => value === 'ok',
      { timeoutMs: 1000, intervalMs: 300, now: c.now, sleep: c.sleep },
    );
    expect(result).toMatchObject({ value: 'refused', ok: false, attempts: 5, streak: 0 });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('settles at N right answers in a row, timed from the first of them; a wrong answer starts the count again', async () => {
    const c = clock(10);
    const answers = ['no', 'yes', 'no', 'yes', 'yes', 'yes', 'no'];
    let i = 0;
    const result = await poll(
      () => c.ask(answers[i++] ?? 'no'),
      (v) => v === 'yes',
      { timeoutMs: 10_000, intervalMs: 100, consecutive: 3, now: c.now, sleep: c.sleep },
    );
    // asks start at 0, 110, 220, 330, 440, 550: the streak starts with the ask at 330.
    expect(result).toMatchObject({ ok: true, attempts: 6, settledMs: 330, streak: 3 });
    expect(result.elapsedMs).toBe(560);
  });

  it('is not settled by fewer right answers in a row than asked for before the deadline', async () => {
    const c = clock();
    const answers = ['yes', 'yes', 'no', 'yes', 'yes'];
    let i = 0;
    const result = await poll(
      () => c.ask(answers[i++] ?? 'no'),
      (v) => v === 'yes',
      { timeoutMs: 400, intervalMs: 100, consecutive: 3, now: c.now, sleep: c.sleep },
    );
    expect(result).toMatchObject({ ok: false, attempts: 5, streak: 2 });
    expect(result.settledMs).toBeUndefined();
  });

  it('asks at least minAttempts times even when the deadline has passed', async () => {
    const c = clock(1000);
    let n = 0;
    const result = await poll(
      () => c.ask(++n),
      () => false,
      { deadline: 0, intervalMs: 100, minAttempts: 3, now: c.now, sleep: c.sleep },
    );
    expect(result).toMatchObject({ ok: false, attempts: 3, value: 3 });
  });

  it('takes an absolute deadline over timeoutMs', async () => {
    const c = clock();
    const result = await poll(
      async () => 0,
      () => false,
      { deadline: 250, timeoutMs: 10_000, intervalMs: 100, now: c.now, sleep: c.sleep },
    );
    expect(result.attempts).toBe(4);
  });

  it('stops when its signal is aborted, with the signal’s reason', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(
      poll(
        async () => 1,
        () => false,
        { timeoutMs: 1000, signal: controller.signal },
      ),
    ).rejects.toThrow('interrupted');
  });

  it('is woken from its sleep by an abort, not after the interval', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = poll(
      async () => 1,
      () => false,
      { timeoutMs: 60_000, intervalMs: 30_000, signal: controller.signal },
    );
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 20);
    await expect(waiting).rejects.toThrow('Ctrl-C');
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('relook', () => {
  it('returns a good first reading without a second', async () => {
    let reads = 0;
    const result = await relook(
      async () => ++reads,
      () => false,
      { afterMs: 1000, sleep: async () => {} },
    );
    expect(result).toEqual({ value: 1 });
    expect(reads).toBe(1);
  });

  it('reads a bad first reading again after the pause, judges the second and keeps the first for the log', async () => {
    const slept: number[] = [];
    const heard: string[] = [];
    const readings = ['late renewal', 'fine'];
    const result = await relook(
      async () => readings.shift() ?? 'none',
      (v) => v !== 'fine',
      { afterMs: 3000, onBad: (v) => heard.push(v), sleep: async (ms) => void slept.push(ms) },
    );
    expect(result).toEqual({ value: 'fine', first: 'late renewal' });
    expect(slept).toEqual([3000]);
    expect(heard).toEqual(['late renewal']);
  });
});

describe('pause and timeoutSignal', () => {
  it('pause rejects at once on an aborted signal', async () => {
    await expect(pause(10_000, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });

  it('timeoutSignal aborts after its time, or with its parent', async () => {
    const own = timeoutSignal(10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(own.aborted).toBe(true);
    const parent = new AbortController();
    const child = timeoutSignal(60_000, parent.signal);
    expect(child.aborted).toBe(false);
    parent.abort(new Error('run interrupted'));
    expect(child.aborted).toBe(true);
  });
});
