import { describe, expect, it } from 'vitest';
import { flakyLine } from './flaky-reporter.ts';

describe('flaky test line', () => {
  it('names the test and the error of the attempt that failed', () => {
    const line = flakyLine('test/netpol.cluster.test.ts', 'netpol passes', 1, [{ message: 'expected [ "fail x" ] to equal []\nline 2' }]);
    expect(line).toBe(
      'FLAKY test/netpol.cluster.test.ts > netpol passes (passed after 1 retry; the failed attempt said:)\n    expected [ "fail x" ] to equal []\n    line 2\n',
    );
  });
});
