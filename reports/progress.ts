// The live progress display of a run on a terminal: a few lines at the bottom, redrawn in place at
// most 4 times a second, saying how long the run has taken, how many checks are done of how many,
// and per running suite its count and its current check, with how long that check has run and its
// latest log line (what it waits for). Setup and teardown steps show when no check runs.
//
// Two parts: the model (events in, lines out; pure, tested with a fake clock) and the painter,
// which owns the lines it drew: it redraws them in one write, prints permanent lines above them,
// and erases them before the final summary. Only a terminal gets a painter (console.ts decides).
import type { ChalkInstance } from 'chalk';
import { isWaived, type CheckResult } from '../helpers/result.ts';
import { WAIVERS_SUITE } from '../helpers/waivers/waive.ts';
import { terminalText } from '../helpers/terminal-text.ts';
import type { OutputStream, ProgressEvent, RunPlan } from './reporter.ts';

interface Running {
  since: number;
  line?: string;
}

interface SuiteState {
  name: string;
  total: number | undefined;
  done: number;
  failed: number;
  started: boolean;
  running: Map<string, Running>;
}

export interface ProgressModel {
  plan(plan: RunPlan): void;
  suiteStart(suite: string): void;
  checkStart(suite: string, check: string): void;
  checkEnd(result: CheckResult): void;
  progress(event: ProgressEvent): void;
  // The display's lines, none wider than width - 1 columns (a wrapped line would break the redraw).
  render(width: number, c: ChalkInstance): string[];
  // Per planned suite, after the run: its count and how its checks ended.
  suites(): readonly { name: string; total: number | undefined; done: number; failed: number }[];
}

// The engine's own suites (fleet findings, namespace teardown; stale waivers): counted, not drawn as suites.
const ENGINE_SUITES: ReadonlySet<string> = new Set(['setup', WAIVERS_SUITE]);

export function createProgressModel(now: () => number = Date.now): ProgressModel {
  const startedAt = now();
  const suites = new Map<string, SuiteState>();
  // A waived failure (--waivers) is counted apart: it does not fail the run.
  const counts = { pass: 0, fail: 0, warn: 0, skip: 0, waived: 0 };
  let profile = 'full';
  let engine: { line: string; at: number } = { line: 'connecting to the cluster', at: startedAt };

  const suiteOf = (name: string): SuiteState => {
    let state = suites.get(name);
    if (state === undefined) {
      state = { name, total: undefined, done: 0, failed: 0, started: false, running: new Map() };
      suites.set(name, state);
    }
    return state;
  };
  const finished = (s: SuiteState) => s.started && s.running.size === 0 && s.total !== undefined && s.done >= s.total;

  return {
    plan(plan) {
      profile = plan.profile;
      for (const { suite, checks } of plan.suites) suiteOf(suite).total = checks.length;
    },
    suiteStart(suite) {
      if (!ENGINE_SUITES.has(suite)) suiteOf(suite).started = true;
    },
    checkStart(suite, check) {
      if (ENGINE_SUITES.has(suite)) return;
      const state = suiteOf(suite);
      state.started = true;
      state.running.set(check, { since: now() });
    },
    checkEnd(result) {
      counts[isWaived(result) ? 'waived' : result.status] += 1;
      if (ENGINE_SUITES.has(result.suite)) return;
      const state = suiteOf(result.suite);
      state.started = true;
      state.running.delete(result.check);
      state.done += 1;
      if (result.status === 'fail' && !isWaived(result)) state.failed += 1;
    },
    progress(event) {
      const line = oneLine(event.line);
      if (event.suite === undefined || event.check === undefined) {
        engine = { line, at: now() };
        return;
      }
      const running = suites.get(event.suite)?.running.get(event.check);
      if (running !== undefined) running.line = line;
    },
    render(width, c) {
      const at = now();
      const all = [...suites.values()].filter((s) => !ENGINE_SUITES.has(s.name));
      const total = all.every((s) => s.total !== undefined) ? all.reduce((sum, s) => sum + (s.total ?? 0), 0) : undefined;
      const done = all.reduce((sum, s) => sum + s.done, 0);
      const tally: Part[] = [[`${done}${total === undefined ? '' : `/${total}`} checks`, c.bold]];
      if (counts.fail > 0) tally.push([' · ', c.dim], [`${counts.fail} failed`, c.red]);
      if (counts.waived > 0) tally.push([' · ', c.dim], [`${counts.waived} waived`, c.cyan]);
      if (counts.warn > 0) tally.push([' · ', c.dim], [`${counts.warn} warned`, c.magenta]);
      if (counts.skip > 0) tally.push([' · ', c.dim], [`${counts.skip} skipped`, c.yellow]);
      const lines = [
        fit(width, [
          ['shakedown ', c.bold],
          [clock(at - startedAt), c.cyan],
          [' · ', c.dim],
          ...tally,
          ...(profile === 'full' ? [] : ([[` · profile ${profile}`, c.dim]] as Part[])),
        ]),
      ];

      const active = all.filter((s) => s.started && !finished(s));
      const nameWidth = Math.max(0, ...active.map((s) => s.name.length));
      for (const suite of active) {
        const count = `${suite.done}/${suite.total ?? '?'}`;
        const parts: Part[] = [
          [`  ${suite.name.padEnd(nameWidth)} `, c.bold],
          [count.padStart(5), suite.failed > 0 ? c.red : c.green],
          ['  ', plain],
        ];
        const oldest = [...suite.running.entries()].sort(([, a], [, b]) => a.since - b.since)[0];
        if (oldest === undefined) parts.push(['…', c.dim]);
        else {
          const [check, running] = oldest;
          parts.push([check, plain], [` ${seconds(at - running.since)}`, c.cyan]);
          if (suite.running.size > 1) parts.push([` (+${suite.running.size - 1})`, c.dim]);
          if (running.line !== undefined) parts.push([` · ${running.line}`, c.dim]);
        }
        lines.push(fit(width, parts));
      }
      if (all.every((s) => s.running.size === 0))
        lines.push(
          fit(width, [
            [`  ${engine.line}`, plain],
            [` ${seconds(at - engine.at)}`, c.cyan],
          ]),
        );

      const over = all.filter(finished).map((s) => s.name);
      const waiting = all.filter((s) => !s.started).map((s) => s.name);
      const footer: Part[] = [];
      if (over.length > 0) footer.push([`  done: ${over.join(', ')}`, c.dim]);
      if (waiting.length > 0) footer.push([`${footer.length > 0 ? ' · ' : '  '}next: ${waiting.join(', ')}`, c.dim]);
      if (footer.length > 0) lines.push(fit(width, footer));
      return lines;
    },
    suites() {
      return [...suites.values()].filter((s) => !ENGINE_SUITES.has(s.name)).map(({ name, total, done, failed }) => ({ name, total, done, failed }));
    },
  };
}

type Part = [text: string, style: (text: string) => string];
const plain = (text: string): string => text;

// The parts, cut to width - 1 visible columns, each styled after the cut (so no escape code is cut).
export function fit(width: number, parts: readonly Part[]): string {
  let room = Math.max(10, width - 1);
  let out = '';
  for (const [text, style] of parts) {
    if (room <= 0) break;
    const chars = [...text];
    if (chars.length > room) {
      out += style(`${chars.slice(0, Math.max(0, room - 1)).join('')}…`);
      room = 0;
      break;
    }
    out += style(text);
    room -= chars.length;
  }
  return out;
}

// A log line (its first line) as one line of text safe on a terminal: escapes and other control
// characters spelled out, tabs as spaces (a tab's width would break the fitting to the screen).
function oneLine(text: string): string {
  return terminalText(text.split('\n', 1)[0] ?? '', { oneLine: true, max: MAX_LINE }).trim();
}

// Far more than a screen is wide; fit() cuts it to the width.
const MAX_LINE = 500;

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.floor(ms / 1000))}s`;
}

// ---- the painter -------------------------------------------------------------------------------

const CSI = '\u001b[';
// Synchronized output (terminals that know it draw the frame at once; others ignore it).
const BEGIN_FRAME = `${CSI}?2026h`;
const END_FRAME = `${CSI}?2026l`;

export interface LiveDisplay {
  start(): void;
  // Permanent lines (a failure as it happens): printed above the display, which is redrawn below.
  print(lines: readonly string[]): void;
  // Redraws now if the lines changed (the timer calls it; tests may too).
  tick(): void;
  // Erases the display and stops redrawing; what comes next is printed where it was.
  stop(): void;
}

export interface LiveDisplayOptions {
  stream: OutputStream;
  render: (width: number) => string[];
  intervalMs?: number;
}

export const REDRAW_MS = 250;

export function createLiveDisplay(options: LiveDisplayOptions): LiveDisplay {
  const { stream } = options;
  let drawn = 0;
  let last: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  // Back to the first line of the display (the cursor sits at the start of the line below it).
  const home = (): string => (drawn > 0 ? `\r${CSI}${drawn}A` : '\r');
  // Rows are erased one by one (erase line), never with "erase below": tmux takes an erase below
  // from the top-left corner for a clear screen and pushes the screen into its scrollback.
  const up = (rows: number): string => (rows > 0 ? `${CSI}${rows}A` : '');
  // From home: blank the display's rows and come back to its first.
  const erase = (): string => `${`${CSI}2K\n`.repeat(drawn)}${up(drawn)}`;
  // From home: the new lines, then the old rows they do not cover blanked, the cursor left below the new ones.
  const frame = (lines: readonly string[]): string => {
    const extra = Math.max(0, drawn - lines.length);
    drawn = lines.length;
    return `${lines.map((line) => `${CSI}2K${line}\n`).join('')}${`${CSI}2K\n`.repeat(extra)}${up(extra)}`;
  };
  const width = (): number => (typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : 80);
  // Never taller than the screen less one line: a line scrolled off cannot be redrawn.
  const fitRows = (lines: string[]): string[] => {
    const rows = typeof stream.rows === 'number' && stream.rows > 0 ? stream.rows : 24;
    return lines.length < rows ? lines : lines.slice(0, Math.max(1, rows - 1));
  };

  return {
    start() {
      if (timer !== undefined || stopped) return;
      this.tick();
      timer = setInterval(() => this.tick(), options.intervalMs ?? REDRAW_MS);
      timer.unref();
    },
    tick() {
      if (stopped) return;
      const lines = fitRows(options.render(width()));
      const text = lines.join('\n');
      if (text === last) return;
      last = text;
      stream.write(`${BEGIN_FRAME}${home()}${frame(lines)}${END_FRAME}`);
    },
    print(lines) {
      if (stopped) {
        stream.write(lines.map((line) => `${line}\n`).join(''));
        return;
      }
      // The display is erased first: a permanent line wider than the terminal wraps onto the rows below.
      const above = lines.map((line) => `${line}\n`).join('');
      const current = last === undefined ? [] : last.split('\n');
      const cleared = `${home()}${erase()}`;
      drawn = 0;
      stream.write(`${BEGIN_FRAME}${cleared}${above}${frame(current)}${END_FRAME}`);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (drawn > 0) stream.write(`${home()}${erase()}`);
      drawn = 0;
    },
  };
}
