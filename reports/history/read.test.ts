import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { thrown } from '../../helpers/testing/shakedown-error.ts';
import { isTime, readReports } from './read.ts';
import { night, reportText, result } from './testing/nights.ts';

const root = mkdtempSync(join(tmpdir(), 'sd-history-read-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let next = 0;
// A fresh directory holding the files given (text, or null for a subdirectory).
function dir(files: Record<string, string | null>): string {
  const path = join(root, `case-${++next}`);
  mkdirSync(path);
  for (const [name, content] of Object.entries(files)) {
    if (content === null) mkdirSync(join(path, name));
    else writeFileSync(join(path, name), content);
  }
  return path;
}

const report = (day: number, overrides: Parameters<typeof night>[2] = {}): string => reportText(night(day, { 'smoke › a': 'pass' }, overrides));
const HISTORY = JSON.stringify({ schemaVersion: 'shakedown.history/v1', nights: [] });

describe('readReports', () => {
  it("reads a directory's *.json files by name, not its subdirectories or other files, each named as given", () => {
    const at = dir({ 'b.json': report(2), 'a.json': report(1), 'notes.txt': 'x', 'old.json': null, 'c.json.gz': 'x' });
    const read = readReports(['.', join(at, 'a.json')], at);
    expect(read.reports.map((r) => [r.file, r.run.runId])).toEqual([
      ['a.json', night(1, {}).run.runId],
      ['b.json', night(2, {}).run.runId],
    ]);
    // a.json named again is the same file: read once, without a note.
    expect(read.notes).toEqual([]);
    expect(read.reports[0]?.path).toBe(join(at, 'a.json'));
  });

  it('reads v1 reports as well as v2', () => {
    const at = dir({ 'v1.json': reportText(night(1, { 'smoke › a': 'fail' }), 'shakedown.report/v1') });
    expect(readReports(['v1.json'], at).reports[0]?.results[0]).toMatchObject({ status: 'fail', classification: 'timeout' });
  });

  it('counts a run found in two files once, saying so', () => {
    const at = dir({ 'a.json': report(1), 'copy.json': report(1), 'b.json': report(2) });
    const read = readReports([at], root);
    expect(read.reports.map((r) => r.file)).toEqual([join(at, 'a.json'), join(at, 'b.json')]);
    expect(read.notes).toEqual([`run ${night(1, {}).run.runId} is in 2 files (${join(at, 'a.json')}, ${join(at, 'copy.json')}): counted once, from the first`]);
  });

  it('passes over a history in a directory, and refuses one named, saying what it is', () => {
    const at = dir({ 'a.json': report(1), 'history.json': HISTORY });
    expect(readReports([at], root).reports).toHaveLength(1);
    expect(thrown(() => readReports([join(at, 'history.json')], root)).message).toBe(
      `${join(at, 'history.json')} is a shakedown.history/v1 (what shakedown history writes), not a report: give the reports it was made from`,
    );
    const only = dir({ 'history.json': HISTORY });
    expect(thrown(() => readReports([only], root)).message).toBe(`no report to make a history of: ${JSON.stringify(only)} holds no shakedown JSON report`);
  });

  it.each([
    ['a file that is not a report', '{"results": []}', 'is not a shakedown JSON report (no schemaVersion shakedown.report/...)'],
    [
      'a newer schemaVersion',
      JSON.stringify({ schemaVersion: 'shakedown.report/v3' }),
      'is a shakedown.report/v3 report; this shakedown reads shakedown.report/v1 and shakedown.report/v2',
    ],
    [
      'a start that is no time',
      report(1, { startedAt: 'yesterday' }),
      ': run.startedAt must be a date and time (ISO 8601, as shakedown writes it), got "yesterday"',
    ],
    [
      'an end that is no time',
      report(1, { finishedAt: '2026-13-45T99:00:00Z' }),
      ': run.finishedAt must be a date and time (ISO 8601) or null, got "2026-13-45T99:00:00Z"',
    ],
    [
      'a waiver that is no object',
      reportText({ run: night(1, {}).run, results: [{ ...result('dns › a', 'fail'), waiver: 'yes' } as never] }),
      ': results[0].waiver must ',
    ],
    [
      'a waiver without its reason',
      reportText({ run: night(1, {}).run, results: [{ ...result('dns › a', 'fail'), waiver: { check: 'dns › a', until: '2026-12-31' } } as never] }),
      ': results[0].waiver must ',
    ],
  ])('refuses %s in a directory, naming the file', (_what, text, problem) => {
    const at = dir({ 'a.json': report(1), 'z.json': text });
    expect(thrown(() => readReports([at], root)).message.startsWith(`${join(at, 'z.json')}${problem.startsWith(':') ? '' : ' '}${problem}`)).toBe(true);
  });

  it('refuses a directory without a *.json file, and a file that is not there', () => {
    const empty = dir({ sub: null, 'a.txt': 'x' });
    expect(thrown(() => readReports([empty], root)).message).toBe(`the directory ${empty} holds no *.json file (its subdirectories are not read)`);
    expect(thrown(() => readReports(['missing.json'], empty)).message).toBe(`cannot read the report ${join(empty, 'missing.json')}: no such file`);
  });

  it('leaves a waiver on a result that did not fail alone', () => {
    const at = dir({ 'a.json': reportText({ run: night(1, {}).run, results: [{ ...result('dns › a', 'pass'), waiver: 5 } as never] }) });
    expect(readReports([at], root).reports).toHaveLength(1);
  });
});

describe('isTime', () => {
  it.each([
    ['2026-12-07T15:23:53.514Z', true],
    ['2026-12-07T15:23:53Z', true],
    ['2026-12-07T15:23+01:00', true],
    ['2026-12-07', false],
    ['2026-12-07 15:23:53Z', false],
    ['2026-02-30T00:00:00Z', true],
    ['2026-12-07T25:00:00Z', false],
  ])('%s: %s', (text, expected) => {
    expect(isTime(text)).toBe(expected);
  });
});
