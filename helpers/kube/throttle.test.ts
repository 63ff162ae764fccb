import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createThrottle, rateBudget } from './throttle.ts';

// A fake clock: sleeping advances time, so the test measures the schedule, not the wall clock.
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('createThrottle', () => {
  it('lets a burst through at once and then spaces requests at 1/qps', async () => {
    const clock = fakeClock();
    const throttle = createThrottle({ qps: 10, burst: 3, now: clock.now, sleep: clock.sleep });
    const times: number[] = [];
    await Promise.all(Array.from({ length: 6 }, () => throttle.take().then(() => times.push(clock.now()))));
    expect(times.slice(0, 3)).toEqual([0, 0, 0]);
    expect(times.slice(3).map((t) => Math.round(t))).toEqual([100, 200, 300]);
  });

  it('refills while idle, but never above the burst', async () => {
    const clock = fakeClock();
    const throttle = createThrottle({ qps: 2, burst: 2, now: clock.now, sleep: clock.sleep });
    await throttle.take();
    await throttle.take();
    clock.advance(60_000);
    await throttle.take();
    await throttle.take();
    expect(clock.sleeps).toEqual([]);
    await throttle.take();
    expect(clock.sleeps.map(Math.round)).toEqual([500]);
  });

  it('serves waiters in the order they asked', async () => {
    const clock = fakeClock();
    const throttle = createThrottle({ qps: 1, burst: 1, now: clock.now, sleep: clock.sleep });
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => throttle.take().then(() => order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });
});

describe('createThrottle on a shared bucket', () => {
  it('serves two throttles in turn: a busy one holds one slot at a time, so the other waits one interval, not its whole queue', async () => {
    const clock = fakeClock();
    const budget = rateBudget(10, 1);
    const busy = createThrottle({ ...budget, now: clock.now, sleep: clock.sleep });
    const other = createThrottle({ ...budget, now: clock.now, sleep: clock.sleep });
    const done: string[] = [];
    await Promise.all([...[1, 2, 3, 4].map((n) => busy.take().then(() => done.push(`busy${n}`))), other.take().then(() => done.push('other'))]);
    expect(done).toEqual(['busy1', 'other', 'busy2', 'busy3', 'busy4']);
    // Five requests at 10 per second, burst 1: one slot each.
    expect(clock.sleeps.map(Math.round)).toEqual([100, 100, 100, 100]);
  });

  it('gives one throttle the whole rate while the others are idle', async () => {
    const clock = fakeClock();
    const budget = rateBudget(10, 2);
    createThrottle({ ...budget, now: clock.now, sleep: clock.sleep });
    const alone = createThrottle({ ...budget, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 6; i++) await alone.take();
    expect(Math.round(clock.now())).toBe(400);
  });

  it('bounds the rate of every thread that holds the budget, together', async () => {
    const budget = rateBudget(50, 1);
    const url = new URL('./throttle.ts', import.meta.url).href;
    const source = `import { workerData, parentPort } from 'node:worker_threads';
      import { createThrottle } from ${JSON.stringify(url)};
      const throttle = createThrottle(workerData);
      for (let i = 0; i < 10; i++) await throttle.take();
      parentPort.postMessage('done');`;
    const started = performance.now();
    await Promise.all(
      [1, 2].map(
        () =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: budget });
            worker.once('message', () => resolve());
            worker.once('error', reject);
          }),
      ),
    );
    // 20 requests at 50 per second, burst 1: the last one is due 19 intervals after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(19 * 20 - 5);
  });
});
