import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../errors.ts';
import { summarize, type CheckResult } from '../result.ts';
import { exitCodeFor } from './exit-code.ts';

const counts = (passed: number, failed: number, skipped: number, warned = 0) => ({ passed, warned, failed, skipped });

describe('exitCodeFor', () => {
  it('is 0 with no failure (skips allowed), 1 with a failed check, 2 when the run could not happen', () => {
    expect(exitCodeFor(counts(3, 0, 2), undefined)).toBe(0);
    expect(exitCodeFor(counts(3, 1, 0), undefined)).toBe(1);
    expect(exitCodeFor(counts(0, 0, 0), new ShakedownError('SD_API_UNREACHABLE', 'x'))).toBe(2);
    expect(exitCodeFor(counts(2, 1, 0), new ShakedownError('SD_INTERRUPTED', 'x'))).toBe(2);
  });

  it('does not turn a finding-type error into 2', () => {
    expect(exitCodeFor(counts(1, 0, 0), new ShakedownError('SD_REPORTER_FAILED', 'x'))).toBe(0);
  });

  it('ignores a failure a live waiver matched: waived alone exits 0, beside an unwaived failure 1', () => {
    const fail: CheckResult = {
      suite: 'dns',
      check: 'A record',
      status: 'fail',
      classification: 'dns-error',
      durationMs: 3,
      message: 'NXDOMAIN',
      evidence: [],
    };
    const waived: CheckResult = { ...fail, check: 'AAAA record', waiver: { check: 'dns/*', reason: 'no IPv6 yet', until: '2027-01-01' } };
    expect(exitCodeFor(summarize([waived, waived]), undefined)).toBe(0);
    expect(exitCodeFor(summarize([waived, fail]), undefined)).toBe(1);
  });

  it('never changes for warnings: a run of warnings alone exits 0, warnings beside a failure 1', () => {
    const warn: CheckResult = { suite: 'certs', check: 'serving certificate', status: 'warn', durationMs: 3, message: 'expires in 40 days', evidence: [] };
    const fail: CheckResult = {
      suite: 'dns',
      check: 'A record',
      status: 'fail',
      classification: 'dns-error',
      durationMs: 3,
      message: 'NXDOMAIN',
      evidence: [],
    };
    expect(exitCodeFor(summarize([warn, warn]), undefined)).toBe(0);
    expect(exitCodeFor(summarize([warn, fail]), undefined)).toBe(1);
    expect(exitCodeFor(counts(0, 0, 0, 5), undefined)).toBe(0);
  });
});
