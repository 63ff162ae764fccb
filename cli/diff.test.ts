import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult, RunInfo } from '../helpers/result.ts';
import { diffResults, isRegression, renderDiff, writeDiff } from './diff.ts';
import { main } from './main.ts';

const run = (id: string, version: string): RunInfo => ({ runId: id, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', cluster: { server: 's', version, nodes: 2, context: 'c' }, properties: {} });
const pass = (suite: string, check: string, durationMs = 100): CheckResult => ({ suite, check, status: 'pass', message: 'ok', durationMs, evidence: [] });
const fail = (suite: string, check: string): CheckResult => ({ suite, check, status: 'fail', classification: 'timeout', message: `${check} timed out`, durationMs: 100, evidence: [] });

describe('diffResults', () => {
  const before = [pass('dns', 'a'), fail('dns', 'b'), pass('dns', 'c', 1000), pass('dns', 'gone'), pass('dns', 'd')];
  const after = [fail('dns', 'a'), pass('dns', 'b'), pass('dns', 'c', 5000), pass('dns', 'new'), { ...pass('dns', 'd'), status: 'warn' as const }];
  const changes = diffResults(before, after);
  it('names new failures, slower checks, resolved failures, warnings, appeared and vanished checks by suite › title', () => {
    expect(changes.map((c) => [c.kind, c.id])).toEqual([
      ['new-failure', 'dns › a'],
      ['slower', 'dns › c'],
      ['resolved', 'dns › b'],
      ['new-warning', 'dns › d'],
      ['appeared', 'dns › new'],
      ['vanished', 'dns › gone'],
    ]);
    expect(changes.filter(isRegression).map((c) => c.id)).toEqual(['dns › a', 'dns › c']);
  });
  it('lists a check skipped now that ran before, without calling it a regression', () => {
    const skipped: CheckResult = { suite: 'x', check: 'y', status: 'skip', skipReason: 'no Gateway API', message: 'skipped', durationMs: 0, evidence: [] };
    expect(diffResults([pass('x', 'y')], [skipped]).map((c) => [c.kind, c.text, isRegression(c)])).toEqual([['now-skipped', 'no Gateway API', false]]);
  });
  it('keeps small timing noise out: under the ratio or under the floor', () => {
    expect(diffResults([pass('x', 'y', 100)], [pass('x', 'y', 900)])).toEqual([]);
    expect(diffResults([pass('x', 'y', 10_000)], [pass('x', 'y', 15_000)])).toEqual([]);
  });
  it('says the upgrade when the versions differ', () => {
    expect(renderDiff({ run: run('r1', 'v1.34.4'), results: before }, { run: run('r2', 'v1.35.0'), results: after }, changes)).toMatch(/after the change from v1.34.4 to v1.35.0: 2 check\(s\) regressed/);
  });
});

describe('shakedown diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-diff-'));
  const write = (name: string, results: CheckResult[]) => {
    writeFileSync(join(dir, name), JSON.stringify({ schemaVersion: 'shakedown.report/v2', complete: true, run: run(name, 'v1.34.4'), summary: {}, errors: [], results, correlations: [] }));
    return name;
  };
  const io = (argv: string[]) => {
    let out = '';
    let err = '';
    return { io: { argv, env: {}, cwd: dir, home: undefined, stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: (s: string) => ((err += s), true) } }, out: () => out, err: () => err };
  };
  it('exits 1 naming the regression and writes JUnit; 0 for two healthy reports; 2 for a missing file', async () => {
    const a = write('a.json', [pass('smoke', 'x'), pass('smoke', 'y')]);
    const b = write('b.json', [pass('smoke', 'x'), fail('smoke', 'y')]);
    const bad = io(['diff', a, b, '--junit', 'diff.xml']);
    expect(await main(bad.io as never)).toBe(1);
    expect(bad.out()).toContain('new-failure');
    expect(bad.out()).toContain('smoke › y');
    expect(readFileSync(join(dir, 'diff.xml'), 'utf8')).toContain('<failure');
    const good = io(['diff', a, a]);
    expect(await main(good.io as never)).toBe(0);
    expect(good.out()).toContain('no regression');
    const missing = io(['diff', a, 'nope.json']);
    expect(await main(missing.io as never)).toBe(2);
    expect(missing.err()).toContain('nope.json');
  });
  it('writeDiff returns 0 when only resolved', async () => {
    let text = '';
    const code = await writeDiff({ stdout: { write: (s: string) => ((text += s), true) } as never }, { run: run('1', 'v'), results: [fail('s', 'c')] }, { run: run('2', 'v'), results: [pass('s', 'c')] }, { ratio: 2, floorMs: 2000 }, undefined);
    expect(code).toBe(0);
    expect(text).toContain('resolved');
  });
});
