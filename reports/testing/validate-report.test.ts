import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../../helpers/errors.ts';
import { renderHistoryJson } from '../history/json.ts';
import { buildHistory } from '../history/model.ts';
import { night } from '../history/testing/nights.ts';
import { renderJson } from '../json.ts';
import { sampleSnapshot } from './sample-run.ts';
import { reportProblems } from './validate-report.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-validate-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const report = (): Record<string, unknown> =>
  JSON.parse(renderJson(sampleSnapshot({ setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'no probe pod')] }))) as Record<string, unknown>;

describe('reportProblems', () => {
  it('finds none in a report shakedown wrote', () => {
    expect(reportProblems(JSON.stringify(report()))).toEqual([]);
  });

  it("names each problem by its path, against the schema of the report's own version", () => {
    const bad = report();
    (bad.summary as Record<string, unknown>).failed = -1;
    delete (bad.results as Record<string, unknown>[])[4]?.skipReason;
    expect(reportProblems(JSON.stringify(bad))).toEqual([
      '$.summary.failed: -1 is below the minimum 0',
      '$.results[4]: missing required property "skipReason"',
    ]);
  });

  it('refuses what is not JSON, or no version it knows', () => {
    expect(reportProblems('{"schemaVersion":')[0]).toMatch(/^not JSON: /);
    expect(reportProblems('{"schemaVersion":"shakedown.report/v9"}')).toEqual([
      '$.schemaVersion: "shakedown.report/v9" is none of shakedown.report/v1, shakedown.report/v2, shakedown.history/v1',
    ]);
  });

  it('validates a history of shakedown history --json against its own schema', () => {
    const history = JSON.parse(
      renderHistoryJson(buildHistory([night(1, { 'dns › a': 'pass' }), night(2, { 'dns › a': 'waived' })], { flakyFlips: 2 })),
    ) as Record<string, unknown>;
    expect(reportProblems(JSON.stringify(history))).toEqual([]);
    expect(reportProblems(JSON.stringify({ ...history, nights: [] }))).toEqual(['$.nights: 0 items, fewer than the minimum 1']);
  });
});

describe('validate-report.ts, as CI runs it', () => {
  const cli = (...files: string[]) =>
    promisify(execFile)(process.execPath, [join(import.meta.dirname, 'validate-report.ts'), ...files]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  it('exits 0 on valid reports and 1 naming the file and the field of an invalid one', async () => {
    const good = join(dir, 'good.json');
    const bad = join(dir, 'bad.json');
    writeFileSync(good, JSON.stringify(report()));
    writeFileSync(bad, JSON.stringify({ ...report(), complete: 'yes' }));
    expect(await cli(good)).toMatchObject({ code: 0, stdout: `${good}: valid against its schema\n` });
    const failed = await cli(good, bad);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toBe(`${bad}: $.complete: expected boolean, got "yes"\n`);
  });
});
