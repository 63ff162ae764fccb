import { describe, expect, it } from 'vitest';
import { eventually } from './eventually.ts';

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('eventually', () => {
  it('returns as soon as the condition holds, with the time it took', async () => {
    const c = clock();
    let n = 0;
    const result = await eventually(async () => ++n, (value) => value === 3, { timeoutMs: 10_000, intervalMs: 100, ...c });
    expect(result).toEqual({ value: 3, ok: true, elapsedMs: 200, attempts: 3 });
  });

  it('gives up after the deadline with the last value, without throwing', async () => {
    const c = clock();
    const result = await eventually(async () => 'refused', (value) => value === 'ok', { timeoutMs: 1000, intervalMs: 300, ...c });
    expect(result).toMatchObject({ value: 'refused', ok: false, attempts: 5 });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(1000);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted'));
    await expect(eventually(async () => 1, () => false, { timeoutMs: 1000, signal: controller.signal })).rejects.toThrow('interrupted');
  });
});
