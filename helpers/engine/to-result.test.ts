import { describe, expect, it } from 'vitest';
import { checkTitle, suiteOfModule, toCheckResult, type ReportedCase } from './to-result.ts';

function reported(overrides: Partial<ReportedCase>): ReportedCase {
  return { suite: 'services', path: ['clusterip', 'port != targetPort'], state: 'passed', meta: undefined, errors: [], durationMs: 12.4, ...overrides };
}

describe('toCheckResult', () => {
  it('names the outcome the check built by its groups and title, unchanged', () => {
    expect(toCheckResult(reported({ meta: { description: 'd', outcome: { status: 'pass', message: '8089 -> 8080 answered', evidence: [] } } }))).toEqual({
      suite: 'services',
      check: 'clusterip › port != targetPort',
      status: 'pass',
      durationMs: 12,
      message: '8089 -> 8080 answered',
      evidence: [],
    });
  });

  it('says when the check began, from the epoch milliseconds vitest recorded, and nothing when it never ran', () => {
    expect(toCheckResult(reported({ startTime: Date.UTC(2026, 11, 7, 15, 0, 1, 250) })).startedAt).toBe('2026-12-07T15:00:01.250Z');
    expect(toCheckResult(reported({ startTime: 0 }))).not.toHaveProperty('startedAt');
    expect(toCheckResult(reported({}))).not.toHaveProperty('startedAt');
  });

  it('keeps the classification, evidence, cause, origin and log of a failure as the worker decided them', () => {
    const origin = { dimension: 'source-node', value: 'node2', summary: 'every probe from node2 fails', confidence: 'high' as const };
    const result = toCheckResult(
      reported({
        state: 'failed',
        errors: [{ name: 'CheckFailure', message: 'expected allowed, saw refused' }],
        meta: {
          outcome: {
            status: 'fail',
            classification: 'refused',
            message: 'expected allowed, saw refused',
            evidence: [{ label: 'endpoints', text: 'none' }],
            likelyCause: 'no endpoints',
            origin,
            log: ['probe'],
          },
        },
      }),
    );
    expect(result).toMatchObject({
      status: 'fail',
      classification: 'refused',
      message: 'expected allowed, saw refused',
      likelyCause: 'no endpoints',
      origin,
      log: ['probe'],
      evidence: [{ label: 'endpoints', text: 'none' }],
    });
  });

  it('keeps a warning, which vitest saw pass', () => {
    expect(toCheckResult(reported({ state: 'passed', meta: { outcome: { status: 'warn', message: 'expires in 40 days', evidence: [] } } }))).toMatchObject({
      status: 'warn',
      message: 'expires in 40 days',
    });
  });

  it('classifies what the worker never saw: a timeout vitest reported, an assertion without outcome', () => {
    expect(toCheckResult(reported({ state: 'failed', errors: [{ message: 'Test timed out in 300ms.' }] }))).toMatchObject({
      classification: 'timeout',
      message: 'the check did not finish in time (Test timed out in 300ms.)',
    });
    expect(toCheckResult(reported({ state: 'failed', errors: [{ name: 'AssertionError', message: 'expected 2 to be 3\nmore' }] }))).toMatchObject({
      classification: 'mismatch',
      message: 'expected 2 to be 3',
    });
  });

  it('fails a check whose body passed but vitest failed afterwards, keeping its log', () => {
    const result = toCheckResult(
      reported({
        state: 'failed',
        errors: [{ message: 'Test timed out in 50ms.' }],
        meta: { outcome: { status: 'pass', message: 'ok', evidence: [], log: ['late'] } },
      }),
    );
    expect(result).toMatchObject({ status: 'fail', classification: 'timeout', log: ['late'] });
  });

  it('always gives a skip a reason', () => {
    expect(
      toCheckResult(reported({ state: 'skipped', meta: { outcome: { status: 'skip', message: 'skipped: one node', skipReason: 'one node', evidence: [] } } })),
    ).toMatchObject({ status: 'skip', skipReason: 'one node' });
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
