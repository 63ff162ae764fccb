import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveAll, type Layers } from '../helpers/config.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { checkReportPaths, reportPath } from './report-path.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sd-report-path-'));
});
afterEach(() => {
  chmodSync(dir, 0o700);
  rmSync(dir, { recursive: true, force: true });
});

// The first block device of the machine, if it has one (only looked at, never opened).
const blockDevice = (() => {
  const found = execFileSync('find', ['/dev', '-maxdepth', '1', '-type', 'b'], { encoding: 'utf8' }).split('\n')[0];
  return found === '' ? undefined : found;
})();
const isRoot = process.getuid?.() === 0;

// reportPath as an unprivileged user sees it: root may write anywhere, so an unwritable directory
// is only unwritable to someone else (uid 65534, nobody).
function reportPathAsNobody(path: string): unknown {
  const module = join(import.meta.dirname, 'report-path.ts');
  const code = `import { reportPath } from ${JSON.stringify(module)}; process.stdout.write(JSON.stringify(reportPath(${JSON.stringify(path)})));`;
  const ran = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', uid: 65534, gid: 65534 });
  if (ran.status !== 0) throw new Error(ran.stderr);
  return JSON.parse(ran.stdout);
}

describe('reportPath', () => {
  it('takes - as standard output', () => {
    expect(reportPath('-')).toEqual({ kind: 'stdout' });
  });

  it('writes a new or an existing regular file atomically, beside itself', () => {
    const path = join(dir, 'report.json');
    expect(reportPath(path)).toEqual({ kind: 'file', path, existing: undefined });
    writeFileSync(path, 'old');
    expect(reportPath(path)).toMatchObject({ kind: 'file', path, existing: expect.objectContaining({ size: 3 }) });
  });

  it('follows a link, a dangling link and a chain of relative links to the file they end at', () => {
    mkdirSync(join(dir, 'real'));
    const target = join(dir, 'real', 'report.json');
    writeFileSync(target, 'old');
    symlinkSync(target, join(dir, 'link.json'));
    expect(reportPath(join(dir, 'link.json'))).toMatchObject({ kind: 'file', path: target });
    symlinkSync('real/missing.json', join(dir, 'dangling.json'));
    expect(reportPath(join(dir, 'dangling.json'))).toEqual({ kind: 'file', path: join(dir, 'real', 'missing.json'), existing: undefined });
    symlinkSync('dangling.json', join(dir, 'chain.json'));
    expect(reportPath(join(dir, 'chain.json'))).toMatchObject({ kind: 'file', path: join(dir, 'real', 'missing.json') });
  });

  it('writes straight to a character device, a FIFO and a descriptor link of /proc', () => {
    expect(reportPath('/dev/null')).toEqual({ kind: 'direct', path: '/dev/null' });
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(reportPath(fifo)).toEqual({ kind: 'direct', path: fifo });
    symlinkSync('/dev/null', join(dir, 'null-link'));
    expect(reportPath(join(dir, 'null-link'))).toEqual({ kind: 'direct', path: join(dir, 'null-link') });
    // /dev/stdout redirected to a file: /proc/self/fd/N names a regular file the process holds open.
    const fd = openSync(join(dir, 'redirected.txt'), 'w');
    try {
      expect(reportPath(`/proc/self/fd/${fd}`)).toEqual({ kind: 'direct', path: `/proc/self/fd/${fd}` });
    } finally {
      closeSync(fd);
    }
  });

  it('refuses, without creating anything, what cannot hold a report', () => {
    writeFileSync(join(dir, 'file'), '');
    symlinkSync('nowhere/r.json', join(dir, 'to-nowhere'));
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    const before = readdirSync(dir).sort();
    const cases: [string, string][] = [
      ['', 'is empty'],
      [dir, 'is a directory; name a file in it'],
      [join(dir, 'file', 'r.json'), `${join(dir, 'file')} is not a directory`],
      [join(dir, 'file', 'deeper', 'r.json'), `${join(dir, 'file')} is not a directory`],
      [join(dir, 'loop-a'), 'has too many levels of symbolic links'],
      ['/proc/x/j.xml', 'is under /proc, on procfs (a kernel filesystem): no report is written there'],
      ['/proc/sys/vm/drop_caches', 'is on procfs (a kernel filesystem): no report is written there'],
      ['/sys/r.json', 'is on sysfs (a kernel filesystem): no report is written there'],
    ];
    for (const [path, problem] of cases) expect(reportPath(path), path).toEqual({ kind: 'refused', problem });
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('names the directory a new file needs first (the CLI refuses it; the writer makes it)', () => {
    symlinkSync('nowhere/r.json', join(dir, 'to-nowhere'));
    expect(reportPath(join(dir, 'typo', 'r.json'))).toEqual({
      kind: 'file',
      path: join(dir, 'typo', 'r.json'),
      existing: undefined,
      missing: join(dir, 'typo'),
    });
    expect(reportPath(join(dir, 'typo', 'deeper', 'r.json'))).toMatchObject({ kind: 'file', missing: join(dir, 'typo', 'deeper') });
    expect(reportPath(join(dir, 'to-nowhere'))).toEqual({
      kind: 'file',
      path: join(dir, 'nowhere', 'r.json'),
      existing: undefined,
      missing: join(dir, 'nowhere'),
    });
    expect(readdirSync(dir)).toEqual(['to-nowhere']);
  });

  it.skipIf(blockDevice === undefined)('refuses a block device', () => {
    expect(reportPath(blockDevice ?? '')).toEqual({ kind: 'refused', problem: 'is a block device: a report is never written over a disk' });
  });

  it('refuses a directory the user cannot write to', () => {
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    // nobody must reach the directory to be told it cannot write there.
    chmodSync(dir, 0o755);
    const seen = (path: string) => (isRoot ? reportPathAsNobody(path) : reportPath(path));
    expect(seen(join(locked, 'r.json'))).toEqual({ kind: 'refused', problem: `the directory ${locked} is not writable (EACCES)` });
    expect(seen(join(locked, 'sub', 'r.json'))).toEqual({
      kind: 'refused',
      problem: `the directory ${join(locked, 'sub')} does not exist, and ${locked} is not writable (EACCES)`,
    });
    expect(readdirSync(locked)).toEqual([]);
  });
});

function layers(flags: Record<string, string | boolean>, extra: Partial<Layers> = {}): Layers {
  return { flags, env: {}, cwd: dir, ...extra };
}

function check(command: string, given: Layers) {
  return checkReportPaths(command, resolveAll(['junit', 'json', 'html', 'reportLog', 'wait'], given), given);
}

describe('checkReportPaths', () => {
  it('keeps good paths, resolved, and gives back - for a report to standard output from a flag, a variable or the config file', () => {
    expect(check('run', layers({ junit: 'j.xml', json: '-' })).settings).toMatchObject({ junit: join(dir, 'j.xml'), json: '-', html: undefined });
    expect(check('run', layers({}, { env: { SHAKEDOWN_HTML: '-' } })).settings.html).toBe('-');
    expect(check('gate', layers({}, { file: { path: join(dir, 'shakedown.json'), values: { junit: '-' } } })).settings.junit).toBe('-');
    // A file named - is written as ./-.
    expect(check('run', layers({ json: './-' })).settings.json).toBe(join(dir, '-'));
  });

  it('stops a bad path at once: exit 2 (SD_BAD_FLAG), one line naming the flag, the path and what is wrong, nothing created', () => {
    writeFileSync(join(dir, 'file'), '');
    symlinkSync('nowhere/r.json', join(dir, 'to-nowhere'));
    const before = readdirSync(dir).sort();
    const cases: [Record<string, string | boolean>, string][] = [
      [
        { junit: 'to-nowhere' },
        `--junit ${join(dir, 'to-nowhere')}: the directory ${join(dir, 'nowhere')} does not exist (it links to ${join(dir, 'nowhere', 'r.json')})`,
      ],
      [{ junit: '/proc/x/j.xml' }, '--junit /proc/x/j.xml: is under /proc, on procfs (a kernel filesystem): no report is written there'],
      [{ json: 'typo/r.json' }, `--json ${join(dir, 'typo', 'r.json')}: the directory ${join(dir, 'typo')} does not exist`],
      [{ html: '.' }, `--html ${dir}: is a directory; name a file in it`],
      [{ json: 'file/r.json' }, `--json ${join(dir, 'file', 'r.json')}: ${join(dir, 'file')} is not a directory`],
      [{ json: '-', html: '-' }, '--json and --html are both - (standard output): only one report can go there'],
      [{ junit: 'r.xml', html: 'r.xml' }, `--junit and --html both write ${join(dir, 'r.xml')}: one report would replace the other`],
      [{ json: '-', 'report-log': true }, '--json -: --report-log prints the reports itself at the end of the output'],
      [{ junit: '/proc/x/j.xml', wait: true }, '--junit /proc/x/j.xml: is under /proc, on procfs (a kernel filesystem): no report is written there'],
    ];
    for (const [flags, message] of cases) {
      const started = performance.now();
      const error = (() => {
        try {
          check(flags.wait === true ? 'deploy' : 'run', layers(flags));
          return undefined;
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(performance.now() - started).toBeLessThan(2000);
      expect(error, message).toBeInstanceOf(ShakedownError);
      expect(error).toMatchObject({ code: 'SD_BAD_FLAG', message, couldNotRun: true });
      expect((error as ShakedownError).message).not.toContain('\n');
    }
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('names the variable or the config key of a bad path (SD_CONFIG_INVALID)', () => {
    expect(() => check('run', layers({}, { env: { SHAKEDOWN_JSON: '/proc/x/r.json' } }))).toThrow(
      expect.objectContaining({
        code: 'SD_CONFIG_INVALID',
        message: 'SHAKEDOWN_JSON /proc/x/r.json: is under /proc, on procfs (a kernel filesystem): no report is written there',
      }),
    );
    const file = join(dir, 'shakedown.json');
    expect(() => check('run', layers({}, { file: { path: file, values: { junit: 'nope/j.xml' } } }))).toThrow(
      expect.objectContaining({
        code: 'SD_CONFIG_INVALID',
        message: `${file}: key "junit" ${join(dir, 'nope', 'j.xml')}: the directory ${join(dir, 'nope')} does not exist`,
      }),
    );
  });

  it('leaves deploy without --wait alone: it writes no report here', () => {
    expect(check('deploy', layers({ junit: '/proc/x/j.xml' })).settings.junit).toBe('/proc/x/j.xml');
  });
});
