import { Chalk } from 'chalk';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { summarize, type CheckResult } from '../helpers/result.ts';
import { createConsoleReporter } from './console.ts';
import { createLiveDisplay, createProgressModel, fit, REDRAW_MS } from './progress.ts';
import type { RunPlan } from './reporter.ts';
import { failed, passed, runInfo, skipped, waivedFailure, warned } from './testing/fixtures.ts';
import { screen } from './testing/screen.ts';

const plainChalk = new Chalk({ level: 0 });
const PLAN: RunPlan = {
  profile: 'full',
  suites: [
    { suite: 'services', checks: ['port != targetPort', 'load spreads', 'hairpin'] },
    { suite: 'netpol', checks: ['enforced', 'by podSelector'] },
    { suite: 'dns', checks: ['every replica answers'] },
  ],
};

describe('the progress model', () => {
  it('says the elapsed time, checks done of the total, and per running suite its count, oldest running check, its age and its latest log line', () => {
    let clock = 0;
    const model = createProgressModel(() => clock);
    model.plan(PLAN);
    model.progress({ line: 'deploying the probe fleet' });
    clock = 4000;
    model.progress({ line: 'waiting for 3 probe pods: 1 ready' });
    clock = 6000;
    expect(model.render(100, plainChalk)).toEqual(['shakedown 0:06 · 0/6 checks', '  waiting for 3 probe pods: 1 ready 2s', '  next: services, netpol, dns']);

    model.suiteStart('setup');
    model.checkEnd(passed('setup', 'probe fleet on every schedulable node'));
    model.suiteStart('services');
    model.suiteStart('netpol');
    model.checkStart('services', 'port != targetPort');
    clock = 7000;
    model.checkStart('services', 'load spreads');
    model.checkStart('netpol', 'enforced');
    model.progress({ suite: 'netpol', check: 'enforced', line: 'created NetworkPolicy x/deny-all\n(second line)' });
    model.progress({ suite: 'netpol', check: 'gone', line: 'a check that is not running is not shown' });
    clock = 9500;
    model.checkEnd(failed('services', 'port != targetPort'));
    expect(model.render(100, plainChalk)).toEqual([
      'shakedown 0:09 · 1/6 checks · 1 failed',
      '  services   1/3  load spreads 2s',
      '  netpol     0/2  enforced 2s · created NetworkPolicy x/deny-all',
      '  next: dns',
    ]);

    model.checkEnd(passed('services', 'load spreads'));
    model.checkStart('services', 'hairpin');
    model.checkStart('services', 'extra');
    model.checkEnd(passed('services', 'hairpin'));
    model.checkEnd(passed('services', 'extra'));
    model.checkEnd(passed('netpol', 'enforced'));
    model.progress({ line: 'delete the namespaces of run sd-1' });
    expect(model.render(100, plainChalk)).toEqual([
      'shakedown 0:09 · 5/6 checks · 1 failed',
      '  netpol   1/2  …',
      '  delete the namespaces of run sd-1 0s',
      '  done: services · next: dns',
    ]);
    expect(model.suites()).toEqual([
      { name: 'services', total: 3, done: 4, failed: 1 },
      { name: 'netpol', total: 2, done: 1, failed: 0 },
      { name: 'dns', total: 1, done: 0, failed: 0 },
    ]);
  });

  it("counts a waived failure apart (it fails no suite), checks a selection left out as skipped, and stale waivers as the engine's own", () => {
    const model = createProgressModel(() => 0);
    model.plan(PLAN);
    model.checkEnd(skipped('dns', 'every replica answers', { skipReason: 'not selected by --check "netpol/*"' }));
    model.checkEnd(waivedFailure('netpol', 'enforced'));
    model.checkEnd(passed('netpol', 'by podSelector'));
    model.checkEnd(warned('waivers', 'stale waiver: services/*'));
    expect(model.render(100, plainChalk)[0]).toBe('shakedown 0:00 · 3/6 checks · 1 waived · 1 warned · 1 skipped');
    expect(model.suites()).toEqual([
      { name: 'services', total: 3, done: 0, failed: 0 },
      { name: 'netpol', total: 2, done: 2, failed: 0 },
      { name: 'dns', total: 1, done: 1, failed: 0 },
    ]);
  });

  it('counts the other running checks of a suite, names the profile, and cuts every line to the width without breaking a colour code', () => {
    let clock = 0;
    const model = createProgressModel(() => clock);
    model.plan({ ...PLAN, profile: 'quick' });
    model.checkStart('services', 'port != targetPort');
    model.checkStart('services', 'load spreads');
    model.checkStart('services', 'hairpin');
    model.progress({ suite: 'services', check: 'port != targetPort', line: `a very long log line ${'x'.repeat(200)}\twith a tab and \u001b[31man escape` });
    clock = 61_000;
    const wide = model.render(200, plainChalk);
    expect(wide[0]).toBe('shakedown 1:01 · 0/6 checks · profile quick');
    expect(wide[1]).toMatch(/^ {2}services {3}0\/3 {2}port != targetPort 61s \(\+2\) · a very long log line x+…$/);
    expect(model.render(400, plainChalk)[1]).toMatch(/x with a tab and \\x1b\[31man escape$/);
    expect(wide.join('')).not.toContain('\u001b');
    const colour = new Chalk({ level: 1 });
    for (const width of [20, 40, 80]) {
      for (const line of model.render(width, colour)) {
        expect([...stripVTControlCharacters(line)].length).toBeLessThanOrEqual(width - 1);
        // Every colour opened is closed: the cut happens inside the text, before styling.
        expect(line.match(/\u001b\[(?:3[0-7]|1|2)m/g)?.length ?? 0).toBe(line.match(/\u001b\[(?:39|22)m/g)?.length ?? 0);
      }
    }
  });

  it('fit cuts the text with an ellipsis and styles what is kept', () => {
    expect(
      fit(12, [
        ['abcdef', (t) => `<${t}>`],
        ['ghijkl', (t) => `[${t}]`],
      ]),
    ).toBe('<abcdef>[ghij…]');
    expect(fit(80, [['short', (t) => t]])).toBe('short');
  });
});

describe('the live display on a terminal', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function terminal(columns = 70) {
    const writes: string[] = [];
    return { stream: { isTTY: true, columns, write: (text: string) => writes.push(text) }, writes, output: () => writes.join('') };
  }

  it('redraws in place at most 4 times a second, only when something changed, and never wider than the terminal', () => {
    const tty = terminal(50);
    let n = 0;
    const display = createLiveDisplay({ stream: tty.stream, render: () => [`line one ${n}`, 'line two'] });
    display.start();
    expect(tty.writes).toHaveLength(1);
    for (let i = 0; i < 100; i += 1) {
      n += 1;
      vi.advanceTimersByTime(10);
    }
    // 1 s of changes every 10 ms: 4 redraws, each moving up over the 2 lines it drew before.
    expect(tty.writes).toHaveLength(1 + 1000 / REDRAW_MS);
    expect(tty.writes[1]).toContain('\u001b[2A');
    vi.advanceTimersByTime(5000);
    expect(tty.writes).toHaveLength(5);
    expect(screen(tty.output())).toEqual(['line one 100', 'line two']);
    display.print(['a failure, printed above']);
    expect(screen(tty.output())).toEqual(['a failure, printed above', 'line one 100', 'line two']);
    display.stop();
    expect(screen(tty.output())).toEqual(['a failure, printed above']);
    // Never "erase below": tmux takes it, from the top-left corner, for a clear screen and keeps the
    // erased display in its scrollback.
    expect(tty.output()).not.toMatch(/\u001b\[0?J/);
    vi.advanceTimersByTime(5000);
    expect(tty.writes).toHaveLength(7);
  });

  it('prints a permanent line wider than the terminal above the display without leaving part of the display behind', () => {
    const writes: string[] = [];
    const display = createLiveDisplay({
      stream: { isTTY: true, columns: 20, write: (text: string) => void writes.push(text) },
      render: () => ['live one', 'live two is longer'],
    });
    display.tick();
    display.print(['a permanent line of thirty']);
    expect(screen(writes.join(''), 20)).toEqual(['a permanent line of ', 'thirty', 'live one', 'live two is longer']);
    display.stop();
    expect(screen(writes.join(''), 20)).toEqual(['a permanent line of ', 'thirty']);
  });

  it('is never taller than the screen less one line', () => {
    const writes: string[] = [];
    const display = createLiveDisplay({
      stream: { isTTY: true, columns: 40, rows: 4, write: (text: string) => void writes.push(text) },
      render: () => ['1', '2', '3', '4', '5', '6'],
    });
    display.tick();
    expect(screen(writes.join(''))).toEqual(['1', '2', '3']);
    display.stop();
  });

  it('shows the running suites while the run goes on, and is replaced by the summary at the end', async () => {
    const tty = terminal(80);
    const reporter = createConsoleReporter({ stream: tty.stream, env: { TERM: 'xterm-256color', NO_COLOR: '1' }, now: () => Date.now() });
    await reporter.onPlan?.(PLAN);
    await reporter.onRunStart?.(runInfo());
    await reporter.onProgress?.({ line: 'deploying the probe fleet (probe image) on 2 node(s)' });
    vi.advanceTimersByTime(3000);
    await reporter.onProgress?.({ line: 'waiting for 3 probe pods: 2 ready' });
    vi.advanceTimersByTime(REDRAW_MS);
    expect(screen(tty.output())).toEqual([
      'shakedown run sd-20250101-abcd against https://10.0.0.1:6443 (Kubernetes v1.31.2, 3 nodes, context kind-shakedown)',
      'shakedown 0:03 · 0/6 checks',
      '  waiting for 3 probe pods: 2 ready 0s',
      '  next: services, netpol, dns',
    ]);

    const results: CheckResult[] = [];
    await reporter.onSuiteStart?.('services');
    await reporter.onCheckStart?.('services', 'port != targetPort');
    await reporter.onProgress?.({ suite: 'services', check: 'port != targetPort', line: 'endpoints of svc-a after 420ms: a, b' });
    vi.advanceTimersByTime(2000);
    const failure = failed('services', 'port != targetPort');
    results.push(failure);
    await reporter.onCheckEnd?.(failure);
    await reporter.onCheckStart?.('services', 'load spreads');
    vi.advanceTimersByTime(1000);
    const mid = screen(tty.output());
    expect(mid.slice(1)).toEqual([
      '  ✗ fail services › port != targetPort (2.5s) [not-enforced] expected x/b -> y/a blocked, observed allowed',
      'shakedown 0:06 · 1/6 checks · 1 failed',
      '  services   1/3  load spreads 1s',
      '  next: netpol, dns',
    ]);
    for (const [suite, check] of [
      ['services', 'load spreads'],
      ['services', 'hairpin'],
      ['netpol', 'enforced'],
      ['netpol', 'by podSelector'],
      ['dns', 'every replica answers'],
    ] as const) {
      await reporter.onCheckStart?.(suite, check);
      const result = passed(suite, check);
      results.push(result);
      await reporter.onCheckEnd?.(result);
    }
    await reporter.onRunEnd?.(runInfo(), results, summarize(results));
    const end = screen(tty.output());
    expect(end.filter((line) => line.startsWith('shakedown 0:') || line.startsWith('  next:'))).toEqual([]);
    expect(end).toContain('✗ services 3/3: 2 passed, 1 failed (longest check 2.5s)');
    expect(end).toContain('✓ netpol 2/2: 2 passed (longest check 120ms)');
    expect(end.at(-1)).toBe('5 passed, 1 failed, 0 skipped');
    // Nothing is drawn once the summary is out.
    const written = tty.writes.length;
    vi.advanceTimersByTime(5000);
    expect(tty.writes).toHaveLength(written);
  });
});
