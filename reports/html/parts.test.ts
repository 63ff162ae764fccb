import { describe, expect, it } from 'vitest';
import { sampleResults, WAIVED } from '../testing/sample-run.ts';
import { checkAnchor, countStatuses, countsText, formatSeconds, shownStatus, waiverText, worstStatus } from './parts.ts';

describe('the parts of the HTML pages', () => {
  it('show a waived failure as its own status, counted apart from the failures', () => {
    expect(shownStatus(WAIVED)).toBe('waived');
    expect(shownStatus(sampleResults[1]!)).toBe('fail');
    const counts = countStatuses([...sampleResults, WAIVED]);
    expect(counts).toEqual({ fail: 2, waived: 1, warn: 1, pass: 3, skip: 1 });
    expect(countsText(counts)).toBe('3 passed, 2 failed, 1 waived, 1 warned, 1 skipped');
    expect(countsText(countStatuses(sampleResults))).toBe('3 passed, 2 failed, 1 warned, 1 skipped');
    expect(waiverText(WAIVED.waiver!)).toBe('waived until 2026-12-31: ndots change rolls out next week <b>bold</b>');
  });

  it('take the worst status for several checks', () => {
    expect(worstStatus(['pass', 'warn', 'waived'])).toBe('waived');
    expect(worstStatus(['pass', 'fail'])).toBe('fail');
    expect(worstStatus(['skip', 'pass'])).toBe('pass');
    expect(worstStatus([])).toBe('skip');
  });

  it('write durations as a person reads them', () => {
    expect([0, 440, 31_200, 94_300, 99_960, 412_000, 725_000, -1].map(formatSeconds)).toEqual([
      '0.0 s',
      '0.4 s',
      '31.2 s',
      '94.3 s',
      '100 s',
      '412 s',
      '12 min',
      '?',
    ]);
  });

  it('make anchors from check ids', () => {
    expect(checkAnchor('dns › load › a short burst of lookups: latency, errors and the 5 s race')).toBe(
      'check-dns-load-a-short-burst-of-lookups-latency-errors-and-the-5-s-race',
    );
  });
});
