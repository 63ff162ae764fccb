import { describe, expect, it } from 'vitest';
import { mapBounded } from './bounded.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('mapBounded', () => {
  it('never has more than `limit` calls in flight and keeps the input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 30 }, (_, index) => index);
    const results = await mapBounded(items, 4, async (item) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      // Later items finish first, so order can only come from the indexes.
      await sleep(30 - item);
      inFlight -= 1;
      return `r${item}`;
    });
    expect(peak).toBe(4);
    expect(results).toEqual(items.map((item) => `r${item}`));
  });

  it('starts no more workers than there are items, and handles none', async () => {
    let calls = 0;
    expect(await mapBounded([1, 2], 64, async (item) => item * ++calls)).toHaveLength(2);
    expect(calls).toBe(2);
    expect(await mapBounded([], 8, async () => 1)).toEqual([]);
  });
});

describe('mapBounded with an AbortSignal', () => {
  it('starts no item once the signal aborts, lets those in flight end, then rejects with its reason', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const ended: number[] = [];
    const mapped = mapBounded(
      Array.from({ length: 10 }, (_, index) => index),
      2,
      async (item) => {
        started.push(item);
        if (item === 2) controller.abort(new Error('client gone'));
        await sleep(20);
        ended.push(item);
        return item;
      },
      controller.signal,
    );
    await expect(mapped).rejects.toThrow('client gone');
    expect(started).toEqual([0, 1, 2]);
    expect(ended.sort()).toEqual([0, 1, 2]);
  });

  it('starts nothing for a signal already aborted', async () => {
    let calls = 0;
    await expect(mapBounded([1, 2], 2, async () => ++calls, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(calls).toBe(0);
  });
});
