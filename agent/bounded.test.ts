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
