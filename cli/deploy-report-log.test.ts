import { describe, expect, it } from 'vitest';
import { packReports, REPORTS_BEGIN, REPORTS_END, unpackReports, withoutReports } from './deploy-report-log.ts';

describe('reports in the log', () => {
  const reports = { exitCode: 1, files: { junit: '<testsuites/>', json: '{"a":1}', html: `<html>${'x'.repeat(50_000)}</html>` } };

  it('round-trips through a log among other output, in short lines', () => {
    const block = packReports(reports);
    const log = `line one\nsummary: 1 failed\n${block}`;
    expect(unpackReports(log)).toEqual(reports);
    expect(
      Math.max(
        ...block
          .split('\n')
          .filter((l) => l !== REPORTS_BEGIN && l !== REPORTS_END)
          .map((l) => l.length),
      ),
    ).toBeLessThanOrEqual(76);
    expect(withoutReports(log)).toBe('line one\nsummary: 1 failed\n');
  });

  it('takes the last complete block, and none when the runner died before it', () => {
    const log = `${packReports({ exitCode: 0, files: {} })}${packReports(reports)}`;
    expect(unpackReports(log)).toEqual(reports);
    expect(unpackReports('only output\n')).toBeUndefined();
    const cut = packReports(reports);
    expect(unpackReports(cut.slice(0, cut.length - REPORTS_END.length - 2))).toBeUndefined();
  });

  it('says when the block cannot be read', () => {
    expect(() => unpackReports(`${REPORTS_BEGIN}\nnot base64 gzip\n${REPORTS_END}\n`)).toThrow(/cannot be read/);
  });
});
