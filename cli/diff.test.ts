import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckResult, FailedCheck, RunInfo } from '../helpers/result.ts';
import { diffResults, isRegression, renderDiff, writeDiff } from './diff.ts';
import { main } from './main.ts';

const run = (id: string, version: string): RunInfo => ({
  runId: id,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:01:00Z',
  cluster: { server: 's', version, nodes: 2, context: 'c' },
  properties: {},
});
const pass = (suite: string, check: string, durationMs = 100): CheckResult => ({ suite, check, status: 'pass', message: 'ok', durationMs, evidence: [] });
const fail = (suite: string, check: string): CheckResult => ({
  suite,
  check,
  status: 'fail',
  classification: 'timeout',
  message: `${check} timed out`,
  durationMs: 100,
  evidence: [],
});

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
  it('lists a new failure a live waiver matched with its waiver, and not as a regression', () => {
    const waived: CheckResult = { ...(fail('dns', 'b') as FailedCheck), waiver: { check: 'dns/*', reason: 'CoreDNS moves (OPS-1)', until: '2027-03-31' } };
    const found = diffResults([pass('dns', 'b')], [waived]);
    expect(found.map((c) => [c.kind, c.text, isRegression(c)])).toEqual([
      ['new-failure', 'waived until 2027-03-31: CoreDNS moves (OPS-1); the failure: b timed out', false],
    ]);
    expect(renderDiff({ run: run('r1', 'v1'), results: [pass('dns', 'b')] }, { run: run('r2', 'v1'), results: [waived] }, found)).toContain(
      'new-failure  dns › b  pass    fail (timeout, waived)  waived until 2027-03-31: CoreDNS moves (OPS-1); the failure: b timed out',
    );
    // An expired waiver leaves a failure: a regression like any other.
    expect(diffResults([pass('dns', 'b')], [fail('dns', 'b')]).filter(isRegression)).toHaveLength(1);
  });
  it('keeps small timing noise out: under the ratio or under the floor', () => {
    expect(diffResults([pass('x', 'y', 100)], [pass('x', 'y', 900)])).toEqual([]);
    expect(diffResults([pass('x', 'y', 10_000)], [pass('x', 'y', 15_000)])).toEqual([]);
  });
  it('says the upgrade when the versions differ', () => {
    expect(renderDiff({ run: run('r1', 'v1.34.4'), results: before }, { run: run('r2', 'v1.35.0'), results: after }, changes)).toMatch(
      /after the change from v1.34.4 to v1.35.0: 2 check\(s\) regressed/,
    );
  });
});

describe('shakedown diff', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-diff-'));
  const write = (name: string, results: CheckResult[]) => {
    writeFileSync(
      join(dir, name),
      JSON.stringify({ schemaVersion: 'shakedown.report/v2', complete: true, run: run(name, 'v1.34.4'), summary: {}, errors: [], results, correlations: [] }),
    );
    return name;
  };
  const io = (argv: string[]) => {
    let out = '';
    let err = '';
    return {
      io: {
        argv,
        env: {},
        cwd: dir,
        home: undefined,
        stdout: { write: (s: string) => ((out += s), true) },
        stderr: { write: (s: string) => ((err += s), true) },
      },
      out: () => out,
      err: () => err,
    };
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
  it('names the file and the field of a report it cannot use, never failing later inside', async () => {
    const good = JSON.parse(readFileSync(join(dir, write('good.json', [pass('smoke', 'x')])), 'utf8'));
    const cases: [string, (report: Record<string, never>) => unknown, string][] = [
      ['null results', (r) => ({ ...r, results: null }), 'results must be an array, got null'],
      ['a null result', (r) => ({ ...r, results: [null] }), 'results[0] must be an object, got null'],
      [
        'an endless duration',
        (r) => ({ ...r, results: [{ ...pass('smoke', 'x'), durationMs: 'INF' }] }),
        'results[0].durationMs must be a finite number of milliseconds, at least 0, got string',
      ],
      ['a failure without its classification', (r) => ({ ...r, results: [{ ...pass('smoke', 'x'), status: 'fail' }] }), 'results[0].classification is missing'],
      [
        'an unknown status',
        (r) => ({ ...r, results: [{ ...pass('smoke', 'x'), status: 'broken' }] }),
        'results[0].status must be one of pass, warn, fail, skip, got "broken"',
      ],
      [
        'a waiver without its reason',
        (r) => ({ ...r, results: [{ ...fail('smoke', 'x'), waiver: { check: 'smoke/*', until: '2027-01-01' } }] }),
        'results[0].waiver must have a string reason, got undefined',
      ],
      [
        'a waiver that is not an object',
        (r) => ({ ...r, results: [{ ...fail('smoke', 'x'), waiver: 'yes' }] }),
        'results[0].waiver must be an object with check, reason and until, got string',
      ],
      ['a null run', (r) => ({ ...r, run: null }), 'run must be an object, got null'],
      ['a null cluster', (r) => ({ ...r, run: { ...run('r', 'v'), cluster: null } }), 'run.cluster must be an object, got null'],
      [
        'a later schema',
        (r) => ({ ...r, schemaVersion: 'shakedown.report/v9' }),
        'is a shakedown.report/v9 report; this shakedown reads shakedown.report/v1 and shakedown.report/v2',
      ],
      ['an array', () => [], 'is not a shakedown JSON report: it holds an array, not an object with schemaVersion shakedown.report/...'],
    ];
    for (const [what, change, problem] of cases) {
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(change(good)));
      const ran = io(['diff', 'good.json', 'bad.json']);
      expect(await main(ran.io as never), what).toBe(2);
      expect(ran.err(), what).toBe(
        `error SD_BAD_FLAG: ${join(dir, 'bad.json')} (AFTER)${problem.startsWith('is ') ? ' ' : ': '}${problem}\nhint: Give a JSON report written by shakedown run --json FILE.\n`,
      );
      expect(ran.out(), what).toBe('');
    }
    // JSON has no Infinity, but 1e999 parses as one.
    writeFileSync(join(dir, 'inf.json'), JSON.stringify(good).replace('"durationMs":100', '"durationMs":1e999'));
    const infinite = io(['diff', 'inf.json', 'good.json']);
    expect(await main(infinite.io as never)).toBe(2);
    expect(infinite.err()).toContain(
      `${join(dir, 'inf.json')} (BEFORE): results[0].durationMs must be a finite number of milliseconds, at least 0, got Infinity`,
    );
  });

  it('refuses timing flags that are not plain numbers within bounds, and a --junit it could not write, before printing anything', async () => {
    const a = write('t.json', [pass('smoke', 'x')]);
    for (const [argv, line] of [
      [['--timing-floor', ''], '--timing-floor must be a number from 0 to 86400, got ""'],
      [['--timing-ratio', '-1'], '--timing-ratio must be a number from 1 to 1000, got "-1"'],
      [['--timing-ratio', 'Infinity'], '--timing-ratio must be a number from 1 to 1000, got "Infinity"'],
      [['--timing-ratio', '2', '--timing-ratio', '3'], '--timing-ratio is given twice ("2", then "3"); it takes one value'],
      [['--junit', ''], '--junit must not be empty'],
      [['--junit', '-'], '--junit -: the diff itself goes to standard output; give --junit a file'],
      [['--junit', 'no/such/dir/d.xml'], `--junit ${join(dir, 'no/such/dir/d.xml')}: the directory ${join(dir, 'no/such/dir')} does not exist`],
      [
        ['--config', 'x.json'],
        'unknown flag --config for `shakedown diff` (it is a flag of `shakedown run`, `shakedown gate`, `shakedown list`, `shakedown cleanup`, `shakedown deploy`, `shakedown images`)',
      ],
    ] as const) {
      const ran = io(['diff', a, a, ...argv]);
      expect(await main(ran.io as never)).toBe(2);
      expect(ran.err().split('\n')[0]).toBe(`error SD_BAD_FLAG: ${line}`);
      expect(ran.out()).toBe('');
    }
  });

  it('exits 0 when the only new failure was waived', async () => {
    const a = write('w1.json', [pass('smoke', 'x')]);
    const b = write('w2.json', [{ ...(fail('smoke', 'x') as FailedCheck), waiver: { check: 'smoke/x', reason: 'known', until: '2027-01-01' } }]);
    const ran = io(['diff', a, b]);
    expect(await main(ran.io as never)).toBe(0);
    expect(ran.out()).toContain('no regression');
    expect(ran.out()).toContain('waived until 2027-01-01: known');
  });

  it('writeDiff returns 0 when only resolved', async () => {
    let text = '';
    const code = await writeDiff(
      { stdout: { write: (s: string) => ((text += s), true) } as never },
      { run: run('1', 'v'), results: [fail('s', 'c')] },
      { run: run('2', 'v'), results: [pass('s', 'c')] },
      { ratio: 2, floorMs: 2000 },
      undefined,
    );
    expect(code).toBe(0);
    expect(text).toContain('resolved');
  });
});
