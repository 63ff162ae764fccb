import { describe, expect, it } from 'vitest';
import { checkTitle, suiteOfModule, toCheckResult, type ReportedCase } from './to-result.ts';

function reported(overrides: Partial<ReportedCase>): ReportedCase {
  return { suite: 'services', path: ['clusterip', 'port != targetPort'], state: 'passed', meta: undefined, errors: [], durationMs: 12.4, ...overrides };
}

describe('toCheckResult', () => {
  it('names the check by its groups and title and keeps the note of a pass', () => {
    expect(toCheckResult(reported({ meta: { description: 'd', message: '8089 -> 8080 answered' } }))).toEqual({
      suite: 'services',
      check: 'clusterip › port != targetPort',
      status: 'pass',
      durationMs: 12,
      message: '8089 -> 8080 answered',
      evidence: [],
    });
  });

  it('takes classification, message, evidence, cause and log of a failure from the check meta', () => {
    const result = toCheckResult(
      reported({
        state: 'failed',
        errors: [{ name: 'CheckFailure', message: 'expected allowed, saw refused' }],
        meta: { classification: 'refused', message: 'expected allowed, saw refused', evidence: [{ label: 'endpoints', text: 'none' }], likelyCause: 'no endpoints', log: ['probe'] },
      }),
    );
    expect(result).toMatchObject({ status: 'fail', classification: 'refused', message: 'expected allowed, saw refused', likelyCause: 'no endpoints', log: ['probe'], evidence: [{ label: 'endpoints', text: 'none' }] });
  });

  it('classifies a timeout vitest reported and an assertion without meta', () => {
    expect(toCheckResult(reported({ state: 'failed', errors: [{ message: 'Test timed out in 300ms.' }] }))).toMatchObject({ classification: 'timeout', message: 'the check did not finish in time (Test timed out in 300ms.)' });
    expect(toCheckResult(reported({ state: 'failed', errors: [{ name: 'AssertionError', message: 'expected 2 to be 3\nmore' }] }))).toMatchObject({ classification: 'mismatch', message: 'expected 2 to be 3' });
  });

  it('always gives a skip a reason', () => {
    expect(toCheckResult(reported({ state: 'skipped', meta: { skipReason: 'one node' } }))).toMatchObject({ status: 'skip', skipReason: 'one node' });
    expect(toCheckResult(reported({ state: 'skipped', skipNote: 'from ctx.skip' }))).toMatchObject({ skipReason: 'from ctx.skip' });
    expect(toCheckResult(reported({ state: 'skipped', mode: 'todo' }))).toMatchObject({ skipReason: 'not implemented yet' });
    expect(toCheckResult(reported({ state: 'skipped' }))).toMatchObject({ skipReason: 'skipped without a reason (a bug in the suite)' });
  });
});

describe('naming', () => {
  it('derives the suite from the file name and joins title paths', () => {
    expect(suiteOfModule('/repo/suites/services/services.suite.ts')).toBe('services');
    expect(checkTitle(['a', 'b'])).toBe('a › b');
  });
});
