import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../errors.ts';
import { exitCodeFor } from './exit-code.ts';

describe('exitCodeFor', () => {
  it('is 0 with no failure (skips allowed), 1 with a failed check, 2 when the run could not happen', () => {
    expect(exitCodeFor({ passed: 3, failed: 0, skipped: 2 }, undefined)).toBe(0);
    expect(exitCodeFor({ passed: 3, failed: 1, skipped: 0 }, undefined)).toBe(1);
    expect(exitCodeFor({ passed: 0, failed: 0, skipped: 0 }, new ShakedownError('SD_API_UNREACHABLE', 'x'))).toBe(2);
    expect(exitCodeFor({ passed: 2, failed: 1, skipped: 0 }, new ShakedownError('SD_INTERRUPTED', 'x'))).toBe(2);
  });

  it('does not turn a finding-type error into 2', () => {
    expect(exitCodeFor({ passed: 1, failed: 0, skipped: 0 }, new ShakedownError('SD_REPORTER_FAILED', 'x'))).toBe(0);
  });
});
