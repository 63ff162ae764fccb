import { describe, expect, it } from 'vitest';
import { summarize } from './test-summary.ts';

describe('CI closing line', () => {
  it('adds up vitest JSON reports, counting todo tests as skipped', () => {
    const r = (p: number, f: number, s: number, t = 0) => ({ numPassedTests: p, numFailedTests: f, numPendingTests: s, numTodoTests: t });
    expect(summarize([r(10, 1, 2), r(5, 0, 0, 1)])).toBe('15 passed, 1 failed, 3 skipped');
  });
});
