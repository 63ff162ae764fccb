// Settling many cases in rounds with a fake clock: only unsettled cases are asked again, a round's
// answers arrive together, the pool bounds the asks in flight, and the deadline ends the rounds.
import { describe, expect, it } from 'vitest';
import { settleInRounds, type Answer } from './rounds.ts';

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('settleInRounds', () => {
  it('asks only the cases not yet settled, until every case settled', async () => {
    const c = clock();
    const asked: string[] = [];
    // A case settles at its n-th answer, n being its own number.
    const need = new Map([
      ['a', 1],
      ['b', 3],
      ['c', 2],
    ]);
    const counts = new Map<string, number>();
    const done = await settleInRounds(
      ['a', 'b', 'c'],
      async (kase) => {
        asked.push(kase);
        counts.set(kase, (counts.get(kase) ?? 0) + 1);
        return counts.get(kase) ?? 0;
      },
      (answers) => answers.filter((a) => a.value >= (need.get(a.kase) ?? 0)).map((a) => a.index),
      { deadline: 10_000, intervalMs: 100, now: c.now, sleep: c.sleep },
    );
    expect(done).toEqual({ rounds: 3, elapsedMs: 200, settled: [true, true, true] });
    expect(asked).toEqual(['a', 'b', 'c', 'b', 'c', 'b']);
  });

  it('hands a round’s answers over together, each with its time', async () => {
    const c = clock();
    const rounds: Answer<string, string>[][] = [];
    await settleInRounds(
      ['x', 'y'],
      async (kase) => kase.toUpperCase(),
      (answers) => (rounds.push([...answers]), [0, 1]),
      { deadline: 1000, now: c.now, sleep: c.sleep },
    );
    expect(rounds).toEqual([
      [
        { index: 0, kase: 'x', value: 'X', at: 0 },
        { index: 1, kase: 'y', value: 'Y', at: 0 },
      ],
    ]);
  });

  it('stops at the deadline with what settled, asking at least once', async () => {
    const c = clock();
    const done = await settleInRounds(
      ['never', 'now'],
      async (kase) => kase,
      (answers) => answers.filter((a) => a.value === 'now').map((a) => a.index),
      { deadline: 0, now: c.now, sleep: c.sleep },
    );
    expect(done).toEqual({ rounds: 1, elapsedMs: 0, settled: [false, true] });
    const later = await settleInRounds(
      ['never'],
      async (kase) => kase,
      () => [],
      { deadline: 1000, intervalMs: 250, now: c.now, sleep: c.sleep },
    );
    expect(later.rounds).toBe(5);
    expect(later.settled).toEqual([false]);
  });

  it('asks nothing for no case', async () => {
    let asks = 0;
    const done = await settleInRounds(
      [],
      async () => ++asks,
      () => [],
      { deadline: 1000 },
    );
    expect(done).toMatchObject({ rounds: 1, settled: [] });
    expect(asks).toBe(0);
  });

  it('keeps at most `concurrency` asks in flight', async () => {
    let inFlight = 0;
    let most = 0;
    await settleInRounds(
      Array.from({ length: 10 }, (_, i) => i),
      async () => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
      (answers) => answers.map((a) => a.index),
      { deadline: 1000, concurrency: 3 },
    );
    expect(most).toBe(3);
  });

  it('stops with the signal’s reason when it is aborted', async () => {
    const controller = new AbortController();
    const asked = settleInRounds(
      ['a'],
      async () => controller.abort(new Error('check timed out')),
      () => [],
      { deadline: 60_000, intervalMs: 10, signal: controller.signal },
    );
    await expect(asked).rejects.toThrow('check timed out');
  });
});
