import { describe, expect, it } from 'vitest';
import { createThrottle } from './throttle.ts';

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
