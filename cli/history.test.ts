import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { night, reportText } from '../reports/history/testing/nights.ts';
import { validate } from '../reports/testing/json-schema.ts';
import { main } from './main.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-history-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const A = 'dns › every record kind resolves';
const SCHEMA: unknown = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'reports', 'schema', 'history-v1.schema.json'), 'utf8'));
// Written out of order: the file names say nothing of when each run started.
writeFileSync(join(dir, 'c.json'), reportText(night(1, { [A]: 'pass' })));
writeFileSync(join(dir, 'a.json'), reportText(night(3, { [A]: 'fail' })));
writeFileSync(join(dir, 'b.json'), reportText(night(2, { [A]: 'pass' })));

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main({
    argv,
    env: {},
    cwd: dir,
    home: dir,
    stdout: { write: (t: string) => ((stdout += t), true) },
    stderr: { write: (t: string) => ((stderr += t), true) },
  });
  return { code, stdout, stderr };
}

describe('shakedown history', () => {
  it('prints the summary, writes the page and the JSON, and exits 0', async () => {
    const ran = await cli(['history', '.', '--html', 'h.html', '--json', 'h.json']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(ran.stdout).toBe(
      `history of 3 nights (2026-12-01 02:00 UTC to 2026-12-03 02:00 UTC): 1 check, none flaky, 1 new failure\nnew failures in night 3 (sd-20261203-a00003, 2026-12-03 02:00 UTC):\n  ${A}: timeout: every record kind resolves: fail\n`,
    );
    const json = JSON.parse(readFileSync(join(dir, 'h.json'), 'utf8')) as { nights: { file: string }[]; newFailures: string[] };
    expect(validate(SCHEMA, json)).toEqual([]);
    expect(json.nights.map((n) => n.file)).toEqual(['c.json', 'b.json', 'a.json']);
    expect(json.newFailures).toEqual([A]);
    expect(readFileSync(join(dir, 'h.html'), 'utf8')).toContain(`<title>shakedown history: 3 nights, 0 flaky, 1 new failure</title>`);
    // The history written beside the reports is passed over the next time the directory is read.
    expect((await cli(['history', '.'])).code).toBe(0);
  });

  it('sends a report named - to standard output, and the summary to stderr', async () => {
    const ran = await cli(['history', 'a.json', 'b.json', 'c.json', '--json', '-']);
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({ schemaVersion: 'shakedown.history/v1', newFailures: [A] });
    expect(ran.stderr).toMatch(/^history of 3 nights/);
  });

  it('calls a check flaky after as many flips as --flaky-flips allows', async () => {
    expect((await cli(['history', 'a.json', 'b.json', 'c.json', '--flaky-flips', '0'])).stdout).toContain(
      `flaky (flipped between failing and not failing more than 0 times):\n  ${A}: 1 flip, passed 2 of 3 nights it ran (67%), last fail\n`,
    );
  });

  it('has its own help, also through shakedown help history, and is listed with the commands', async () => {
    expect(await cli(['history', '--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^usage: shakedown history DIR\|FILE\.\.\. \[--html FILE\] \[--json FILE\] \[--flaky-flips N\]\n/),
    });
    expect((await cli(['help', 'history'])).stdout).toMatch(/^usage: shakedown history /);
    expect((await cli(['--help'])).stdout).toMatch(/\n {2}history +across JSON reports/);
  });
});
