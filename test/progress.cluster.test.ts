// The console on a real terminal and in a log, against the real local cluster: `shakedown run
// --suite smoke,services` in a tmux pane of fixed size shows the live display (the elapsed time,
// checks done of the total, each running suite with its current check, what setup waits for),
// redrawn in place, and at the end replaced by the summary; the same run with stdout piped prints
// one line per finished check and not a single escape code. tmux runs on a socket of its own, and
// only its server is killed at the end.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, KUBECONFIG, ROOT, shakedown } from './cli-child.ts';
import { sleep, waitOthersFaults } from './cluster-kit.ts';

const SUITES = 'smoke,services';
const COLUMNS = 110;
const ROWS = 30;
const SOCKET = `shakedown-progress-${process.pid}`;
const SESSION = 'progress';
const EXITED = /^shakedown exited with (\d+)$/m;
// The live display's first line: "shakedown 0:42 · 7/13 checks · ...".
const LIVE_HEADER = /^shakedown \d+:\d\d · \d+\/13 checks/;

const tmux = (...args: string[]): string => execFileSync('tmux', ['-u', '-L', SOCKET, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const quote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

interface Report {
  results: { suite: string; check: string; status: string }[];
}

describe('the console of shakedown run', () => {
  beforeAll(async () => {
    if (spawnSync('tmux', ['-V']).status !== 0)
      throw new Error('tmux is not installed: this test drives a real terminal with it (.ci/run installs it with apt)');
    await waitOthersFaults();
  });
  afterAll(() => {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  });

  it('on a terminal: a live display redrawn in place while the run goes on, replaced by the summary at the end', { timeout: 420_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'sd-progress-'));
    const json = join(out, 'report.json');
    const command = [process.execPath, CLI, 'run', '--kubeconfig', KUBECONFIG, '--suite', SUITES, '--json', json].map(quote).join(' ');
    // The pane stays open after the run, so its end can be read; TERM is the terminal tmux emulates.
    tmux('new-session', '-d', '-s', SESSION, '-x', String(COLUMNS), '-y', String(ROWS), '-c', ROOT, `${command}; echo "shakedown exited with $?"; sleep 600`);

    const snapshots: string[][] = [];
    let history = '';
    const deadline = Date.now() + 400_000;
    for (;;) {
      const visible = tmux('capture-pane', '-p', '-t', SESSION).split('\n');
      snapshots.push(visible);
      history = tmux('capture-pane', '-p', '-t', SESSION, '-S', '-', '-E', '-');
      if (EXITED.test(history)) break;
      if (Date.now() > deadline) throw new Error(`the run did not end in time; the pane shows:\n${history}`);
      await sleep(250);
    }
    const lines = history.split('\n').map((line) => line.trimEnd());
    const code = Number(EXITED.exec(history)?.[1]);
    expect(code, history).toBe(0);

    // While it ran: one live header at a time (redrawn in place, never scrolled), checks done of
    // the total, the running suite with its count and current check, and what setup waited for.
    const live = snapshots.filter((shot) => shot.some((line) => LIVE_HEADER.test(line)));
    expect(live.length, history).toBeGreaterThan(3);
    for (const shot of live) expect(shot.filter((line) => LIVE_HEADER.test(line))).toHaveLength(1);
    const seen = live.flat();
    expect(
      seen.some((line) => /^ {2}(services|smoke) +\d+\/(10|3) {2}\S/.test(line)),
      seen.join('\n'),
    ).toBe(true);
    expect(
      seen.some((line) => /^ {2}(deploying the probe fleet|waiting for \d+ probe pods: \d+ ready)/.test(line)),
      seen.join('\n'),
    ).toBe(true);
    expect(seen.every((line) => line.length <= COLUMNS)).toBe(true);
    // The elapsed time moved on between frames.
    expect(new Set(live.map((shot) => shot.find((line) => LIVE_HEADER.test(line)))).size).toBeGreaterThan(1);

    // At the end: the display is gone, from the screen and from the scrollback, and the summary
    // starts with one line per suite and ends with the counts.
    expect(
      lines.filter((line) => LIVE_HEADER.test(line)),
      history,
    ).toEqual([]);
    expect(lines.some((line) => /^shakedown run sd-\d{8}-[0-9a-f]+ against /.test(line))).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(
      lines.some((line) => /^✓ smoke 3\/3: 3 passed \(longest check [\d.]+m?s\)$/.test(line)),
      history,
    ).toBe(true);
    expect(
      lines.some((line) => /^[✓⚠] services 10\/10: /.test(line)),
      history,
    ).toBe(true);
    const passedCount = report.results.filter((r) => r.status === 'pass').length;
    expect(
      lines.some((line) => line.startsWith(`${passedCount} passed, 0 failed, `)),
      history,
    ).toBe(true);
    // No line per passed check on a terminal: the display counted them.
    expect(lines.some((line) => / pass smoke › every agent answers /.test(line))).toBe(false);
  });

  it('piped: one line per finished check with its status, suite, title and duration, and no escape code', { timeout: 420_000 }, async () => {
    await waitOthersFaults();
    const out = mkdtempSync(join(tmpdir(), 'sd-progress-'));
    const json = join(out, 'report.json');
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', SUITES, '--json', json], { env: { TERM: 'xterm-256color' } });
    expect(ran.code, ran.stdout + ran.stderr).toBe(0);
    expect(ran.stdout).not.toContain('\u001b');
    const lines = ran.stdout.split('\n');
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const marks: Record<string, string> = { pass: '✓', warn: '⚠', fail: '✗', skip: '↷' };
    for (const result of report.results) {
      const head = `  ${marks[result.status]} ${result.status} ${result.suite} › ${result.check} (`;
      expect(
        lines.filter((line) => line.startsWith(head)),
        `${head}\n${ran.stdout}`,
      ).toHaveLength(1);
    }
    expect(lines.filter((line) => LIVE_HEADER.test(line))).toEqual([]);
    expect(lines[0]).toMatch(/^shakedown run sd-\d{8}-[0-9a-f]+ against /);
    expect(ran.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed, \d+ skipped/);
  });
});
