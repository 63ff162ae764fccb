import { describe, expect, it } from 'vitest';
import { summarize, type CheckResult } from './result.ts';

const base = { suite: 'dns', durationMs: 5, message: 'resolved', evidence: [] };

describe('summarize', () => {
  it('counts passed, failed and skipped checks', () => {
    const results: CheckResult[] = [
      { ...base, check: 'a', status: 'pass' },
      { ...base, check: 'b', status: 'fail', classification: 'dns-error' },
      { ...base, check: 'c', status: 'pass' },
      { ...base, check: 'd', status: 'skip', skipReason: 'no IPv6' },
    ];
    expect(summarize(results)).toEqual({ passed: 2, failed: 1, skipped: 1 });
  });

  it('gives zeros for no results', () => {
    expect(summarize([])).toEqual({ passed: 0, failed: 0, skipped: 0 });
  });
});

describe('CheckResult', () => {
  it('requires a reason on a skip and a classification on a failure (checked by tsc)', () => {
    // @ts-expect-error a skip without skipReason
    const skip: CheckResult = { ...base, check: 'a', status: 'skip' };
    // @ts-expect-error a failure without classification
    const fail: CheckResult = { ...base, check: 'b', status: 'fail' };
    // @ts-expect-error a classification outside the closed set
    const odd: CheckResult = { ...base, check: 'c', status: 'fail', classification: 'flaky' };
    expect(summarize([skip, fail, odd])).toEqual({ passed: 0, failed: 2, skipped: 1 });
  });
});
