import { describe, expect, it } from 'vitest';
import { failures, summarize } from './test-summary.ts';

describe('CI closing line', () => {
  it('adds up vitest JSON reports, counting todo tests as skipped', () => {
    const r = (p: number, f: number, s: number, t = 0) => ({ numPassedTests: p, numFailedTests: f, numPendingTests: s, numTodoTests: t });
    expect(summarize([r(10, 1, 2), r(5, 0, 0, 1)])).toBe('15 passed, 1 failed, 3 skipped');
  });

  it('names each failed test with the head of its error, and a file that failed outside any test', () => {
    const report = {
      numPassedTests: 1,
      numFailedTests: 1,
      numPendingTests: 0,
      numTodoTests: 0,
      testResults: [
        {
          name: 'test/a.cluster.test.ts',
          status: 'failed',
          assertionResults: [
            { fullName: 'a passes', status: 'passed' },
            { fullName: 'a names the node', status: 'failed', failureMessages: ['AssertionError: expected 2 to be 1\n    at a.ts:3'] },
          ],
        },
        { name: 'test/b.cluster.test.ts', status: 'failed', message: 'Hook timed out in 600000ms', assertionResults: [] },
        { name: 'test/c.cluster.test.ts', status: 'passed', assertionResults: [{ fullName: 'c', status: 'passed' }] },
      ],
    };
    const out = failures([report], 1);
    expect(out).toEqual([
      'FAILED test/a.cluster.test.ts > a names the node\n    AssertionError: expected 2 to be 1',
      'FAILED test/b.cluster.test.ts\n    Hook timed out in 600000ms',
    ]);
  });
});
