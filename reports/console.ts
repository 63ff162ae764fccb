import { Chalk, type ChalkInstance } from 'chalk';
import { formatError } from '../helpers/errors.ts';
import { terminalStrings } from '../helpers/terminal-text.ts';
import {
  checkName,
  correlate,
  describeCorrelation,
  isWaived,
  type CheckResult,
  type Correlation,
  type FailedCheck,
  type RunInfo,
  type SkippedCheck,
  type Summary,
  type WarnedCheck,
} from '../helpers/result.ts';
import { colorLevel, type Env } from './color.ts';
import { createLiveDisplay, createProgressModel, type LiveDisplay, type ProgressModel } from './progress.ts';
import type { OutputStream, Reporter } from './reporter.ts';

// Quiet on success, loud on failure, in one of three forms:
// - a terminal (a TTY whose TERM is not "dumb") gets a live display (progress.ts): the running
//   suites, checks done / total, each suite's current check and what it waits for, redrawn in
//   place; failures and warnings are printed above it as they happen, and it is erased before the
//   summary, which then starts with one line per suite;
// - anything else (a CI log) gets one line per finished check: its mark, status, suite › check and
//   duration, and for a failure or warning its message; with --verbose, setup steps too. Never an
//   escape code but colour, and colour only when FORCE_COLOR asks;
// - --quiet: the summary only, and an error that stops the run.
// At the end, failed (and warned) checks that share one origin are named first as one reason, then
// every failure is printed in full, every warning with its evidence, every waived failure with its
// waiver's reason and last day, every skip with its reason, then each failure again in one line, and
// the last line is exactly "N passed, N failed, N skipped" (", N warned" and ", N waived" appended
// when there are any), uncoloured, for CI. A waived failure (--waivers) is not counted as failed: it does not fail the run.

export type { OutputStream };

export interface ConsoleReporterOptions {
  stream?: OutputStream;
  env?: Env;
  verbose?: boolean;
  quiet?: boolean;
  // The clock of the live display and of step times (tests).
  now?: () => number;
}

const MARK = { pass: '✓', warn: '⚠', fail: '✗', skip: '↷', waived: '≈' } as const;

// Cursor movement needs a real terminal: not a pipe, not TERM=dumb.
export function isLiveTerminal(stream: OutputStream, env: Env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function createConsoleReporter(options: ConsoleReporterOptions = {}): Reporter {
  return terminalSafe(createPlainConsoleReporter(options));
}

// What the run hands the console quotes the cluster and plugins (check messages, evidence, log
// lines, object names, the server's version): every string of every hook's arguments is made safe
// to print here, once, before any colour is added (terminal-text.ts). Errors are formatted by
// formatError, which does the same; the file reports get the text as it was.
function terminalSafe(reporter: Required<Reporter>): Required<Reporter> {
  return {
    onPlan: (plan) => reporter.onPlan(terminalStrings(plan)),
    onRunStart: (run) => reporter.onRunStart(terminalStrings(run)),
    onSuiteStart: (suite) => reporter.onSuiteStart(terminalStrings(suite)),
    onCheckStart: (suite, check) => reporter.onCheckStart(terminalStrings(suite), terminalStrings(check)),
    onCheckEnd: (result) => reporter.onCheckEnd(terminalStrings(result)),
    onProgress: (event) => reporter.onProgress(terminalStrings(event)),
    onSetupError: (error, run) => reporter.onSetupError(error, terminalStrings(run)),
    onRunEnd: (run, results, summary) => reporter.onRunEnd(terminalStrings(run), terminalStrings(results), summary),
    flush: () => reporter.flush(),
  };
}

function createPlainConsoleReporter(options: ConsoleReporterOptions): Required<Reporter> {
  const stream = options.stream ?? process.stdout;
  const env = options.env ?? process.env;
  const quiet = options.quiet ?? false;
  const live = !quiet && isLiveTerminal(stream, env);
  const now = options.now ?? Date.now;
  const started = now();
  const c = new Chalk({ level: colorLevel(stream, env) });
  const model: ProgressModel = createProgressModel(now);
  let display: LiveDisplay | undefined;
  // Permanent lines: above the live display while it runs, plain lines otherwise.
  const print = (lines: string[]): void => {
    if (display !== undefined) display.print(lines);
    else stream.write(`${lines.join('\n')}\n`);
  };
  const startDisplay = (): void => {
    if (!live || display !== undefined) return;
    display = createLiveDisplay({ stream, render: (width) => model.render(width, c) });
    display.start();
  };
  const stopDisplay = (): void => {
    display?.stop();
  };

  return {
    onPlan(plan) {
      model.plan(plan);
      startDisplay();
    },
    onRunStart(run) {
      if (!quiet) print([c.dim(runHeader(run))]);
      startDisplay();
    },
    onSuiteStart(suite) {
      model.suiteStart(suite);
    },
    onCheckStart(suite, check) {
      model.checkStart(suite, check);
    },
    onCheckEnd(result) {
      model.checkEnd(result);
      if (quiet) return;
      if (!live) print([checkLine(c, result)]);
      else if (result.status === 'fail' || result.status === 'warn') print([checkLine(c, result)]);
    },
    onProgress(event) {
      model.progress(event);
      // A log file gets the setup and teardown steps with --verbose (a check's log is in its failure).
      if (!live && !quiet && options.verbose === true && event.suite === undefined) print([c.dim(`… ${((now() - started) / 1000).toFixed(1)}s ${event.line}`)]);
    },
    onSetupError(error) {
      stopDisplay();
      const [first = '', ...rest] = formatError(error, { verbose: options.verbose ?? false }).split('\n');
      print([c.red.bold(first), ...rest]);
    },
    onRunEnd(run, results, summary) {
      stopDisplay();
      print([...(live ? suiteLines(c, model, results) : []), ...endReport(c, run, results, summary)]);
    },
    flush() {
      stopDisplay();
    },
  };
}

// One line per suite that ran, for the terminal (whose live display showed the checks and is gone).
function suiteLines(c: ChalkInstance, model: ProgressModel, results: readonly CheckResult[]): string[] {
  return model.suites().map((suite) => {
    const own = results.filter((result) => result.suite === suite.name);
    const by = (status: CheckResult['status'] | 'waived') =>
      own.filter((result) => (status === 'waived' ? isWaived(result) : result.status === status && !isWaived(result))).length;
    const ms = own.reduce((sum, result) => Math.max(sum, result.durationMs), 0);
    const parts = [
      `${by('pass')} passed`,
      ...(by('fail') > 0 ? [c.red(`${by('fail')} failed`)] : []),
      ...(by('waived') > 0 ? [c.cyan(`${by('waived')} waived`)] : []),
      ...(by('warn') > 0 ? [c.magenta(`${by('warn')} warned`)] : []),
      ...(by('skip') > 0 ? [c.yellow(`${by('skip')} skipped`)] : []),
    ];
    const mark = by('fail') > 0 ? c.red(MARK.fail) : by('warn') > 0 ? c.magenta(MARK.warn) : c.green(MARK.pass);
    return `${mark} ${c.bold(suite.name)} ${own.length}${suite.total === undefined ? '' : `/${suite.total}`}: ${parts.join(', ')} ${c.dim(`(longest check ${formatDuration(ms)})`)}`;
  });
}

function runHeader(run: RunInfo): string {
  const { server, version, nodes, context } = run.cluster;
  const facts = [
    version === null ? undefined : `Kubernetes ${version}`,
    nodes === null ? undefined : `${nodes} node${nodes === 1 ? '' : 's'}`,
    context === null ? undefined : `context ${context}`,
  ].filter((fact) => fact !== undefined);
  return `shakedown run ${run.runId} against ${server ?? 'an unknown server'}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}`;
}

function title(result: CheckResult): string {
  return checkName(result);
}

// One finished check in one line: mark, status, suite › check, duration, and what a failure or
// warning says (its first line) or why a check was skipped.
function checkLine(c: ChalkInstance, result: CheckResult): string {
  const head = `${title(result)} ${c.dim(`(${formatDuration(result.durationMs)})`)}`;
  switch (result.status) {
    case 'pass':
      return `  ${c.green(MARK.pass)} pass ${head}`;
    case 'warn':
      return `  ${c.magenta(MARK.warn)} ${c.magenta('warn')} ${head} ${firstLine(result.message)}`;
    case 'fail':
      if (result.waiver !== undefined)
        return `  ${c.cyan(MARK.waived)} ${c.cyan('waived')} ${head} ${c.dim(`[${result.classification}]`)} ${firstLine(result.message)} ${c.cyan(`(${waiverText(result.waiver)})`)}`;
      return `  ${c.red(MARK.fail)} ${c.red('fail')} ${head} ${c.red(`[${result.classification}]`)} ${firstLine(result.message)}`;
    case 'skip':
      return `  ${c.yellow(MARK.skip)} ${c.yellow('skip')} ${head} ${c.dim(result.skipReason)}`;
  }
}

// "waived until 2027-03-31: the reason".
export function waiverText(waiver: NonNullable<FailedCheck['waiver']>): string {
  return `waived until ${waiver.until}: ${waiver.reason}`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

function endReport(c: ChalkInstance, run: RunInfo, results: readonly CheckResult[], summary: Summary): string[] {
  const failures = results.filter((result): result is FailedCheck => result.status === 'fail' && result.waiver === undefined);
  const waived = results.filter(isWaived);
  const warnings = results.filter((result): result is WarnedCheck => result.status === 'warn');
  const skips = results.filter((result): result is SkippedCheck => result.status === 'skip');
  const correlations = correlate(results);
  const lines: string[] = [];
  if (correlations.length > 0) {
    lines.push('', c.bold(`Common origins (${correlations.length})`));
    for (const correlation of correlations) lines.push(...correlationBlock(c, correlation));
  }
  if (failures.length > 0) {
    lines.push('', c.red.bold(`Failures (${failures.length})`));
    for (const failure of failures) lines.push('', ...failureBlock(c, failure));
  }
  if (waived.length > 0) {
    lines.push('', c.cyan.bold(`Waived (${waived.length})`));
    for (const failure of waived) {
      lines.push(
        `  ${c.cyan(MARK.waived)} ${c.bold(title(failure))} ${c.dim(`[${failure.classification}]`)} ${firstLine(failure.message)}`,
        `    ${c.cyan(waiverText(failure.waiver))} ${c.dim(`(waiver ${JSON.stringify(failure.waiver.check)})`)}`,
      );
    }
  }
  if (warnings.length > 0) {
    lines.push('', c.magenta.bold(`Warnings (${warnings.length})`));
    for (const warning of warnings) lines.push('', ...failureBlock(c, warning));
  }
  if (skips.length > 0) {
    lines.push('', c.yellow.bold(`Skipped (${skips.length})`));
    for (const skip of skips) lines.push(`  ${c.yellow(MARK.skip)} ${title(skip)}: ${skip.skipReason}`);
  }
  lines.push('');
  // The failures once more, a line each, right above the counts: the tail of a long CI log is what
  // is kept, and it must name what failed.
  for (const failure of failures) lines.push(`${c.red(MARK.fail)} ${title(failure)} ${c.red(`[${failure.classification}]`)} ${firstLine(failure.message)}`);
  if (run.finishedAt !== null) {
    const elapsed = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    lines.push(c.dim(`ran ${results.length} check${results.length === 1 ? '' : 's'} in ${formatDuration(elapsed)}`));
  }
  const waivedCount = summary.waived ?? 0;
  lines.push(
    `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped${summary.warned > 0 ? `, ${summary.warned} warned` : ''}${waivedCount > 0 ? `, ${waivedCount} waived` : ''}`,
  );
  return lines;
}

// The one reason first, then the checks it explains.
function correlationBlock(c: ChalkInstance, correlation: Correlation): string[] {
  return [
    `  ${c.bold(describeCorrelation(correlation))} ${c.dim(`(confidence ${correlation.confidence})`)}`,
    ...correlation.checks.map((check) => `    ${c.dim('·')} ${check}`),
  ];
}

function failureBlock(c: ChalkInstance, failure: FailedCheck | WarnedCheck): string[] {
  const head =
    failure.status === 'fail'
      ? `${c.red(MARK.fail)} ${c.bold(title(failure))} ${c.red(`[${failure.classification}]`)}`
      : `${c.magenta(MARK.warn)} ${c.bold(title(failure))} ${c.magenta('[warn]')}`;
  const lines = [head, `  ${failure.message}`];
  if (failure.origin !== undefined) lines.push(`  ${c.bold('origin:')} ${failure.origin.dimension} ${failure.origin.value}: ${failure.origin.summary}`);
  for (const evidence of failure.evidence) lines.push(...section(c, evidence.label, evidence.text));
  if (failure.likelyCause !== undefined) lines.push(`  ${c.bold('likely cause:')} ${failure.likelyCause}`);
  if (failure.reproduce !== undefined) lines.push(`  ${c.bold('reproduce:')} ${failure.reproduce}`);
  if (failure.log !== undefined && failure.log.length > 0) lines.push(...section(c, 'log', failure.log.join('\n')));
  return lines;
}

function section(c: ChalkInstance, label: string, text: string): string[] {
  return [`  ${c.cyan(`── ${label} ──`)}`, ...text.split('\n').map((line) => `    ${line}`)];
}

export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}
