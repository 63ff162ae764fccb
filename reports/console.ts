import { Chalk, type ChalkInstance } from 'chalk';
import { formatError } from '../helpers/errors.ts';
import { checkName, correlate, describeCorrelation, type CheckResult, type Correlation, type FailedCheck, type RunInfo, type SkippedCheck, type Summary, type WarnedCheck } from '../helpers/result.ts';
import { colorLevel, type Env } from './color.ts';
import type { OutputStream, Reporter } from './reporter.ts';

// Quiet on success, loud on failure. Live, a TTY gets one short line per
// finished check; a log file (non-TTY) gets only suite lines, warnings and failures.
// At the end, failed (and warned) checks that share one origin are named first as
// one reason, then every failure is printed in full, every warning with its
// evidence, every skip with its reason, and the last line is exactly
// "N passed, N failed, N skipped" (", N warned" appended when there are warnings),
// uncoloured, for CI.

export type { OutputStream };

export interface ConsoleReporterOptions {
  stream?: OutputStream;
  env?: Env;
  verbose?: boolean;
}

const MARK = { pass: '✓', warn: '⚠', fail: '✗', skip: '↷' } as const;

export function createConsoleReporter(options: ConsoleReporterOptions = {}): Reporter {
  const stream = options.stream ?? process.stdout;
  const live = stream.isTTY === true;
  const c = new Chalk({ level: colorLevel(stream, options.env ?? process.env) });
  const print = (lines: string[]): void => void stream.write(`${lines.join('\n')}\n`);

  return {
    onRunStart(run) {
      print([c.dim(runHeader(run))]);
    },
    onSuiteStart(suite) {
      print([c.bold(suite)]);
    },
    onCheckEnd(result) {
      if (live || result.status === 'fail' || result.status === 'warn') print([progressLine(c, result)]);
    },
    onSetupError(error) {
      const [first = '', ...rest] = formatError(error, { verbose: options.verbose ?? false }).split('\n');
      print([c.red.bold(first), ...rest]);
    },
    onRunEnd(run, results, summary) {
      print(endReport(c, run, results, summary));
    },
  };
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

function progressLine(c: ChalkInstance, result: CheckResult): string {
  switch (result.status) {
    case 'pass':
      return `  ${c.green(MARK.pass)} ${title(result)} ${c.dim(formatDuration(result.durationMs))}`;
    case 'warn':
      return `  ${c.magenta(MARK.warn)} ${title(result)} ${c.magenta('[warn]')} ${result.message}`;
    case 'fail':
      return `  ${c.red(MARK.fail)} ${title(result)} ${c.red(`[${result.classification}]`)} ${result.message}`;
    case 'skip':
      return `  ${c.yellow(MARK.skip)} ${title(result)} ${c.dim(`skipped: ${result.skipReason}`)}`;
  }
}

function endReport(c: ChalkInstance, run: RunInfo, results: readonly CheckResult[], summary: Summary): string[] {
  const failures = results.filter((result): result is FailedCheck => result.status === 'fail');
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
  if (warnings.length > 0) {
    lines.push('', c.magenta.bold(`Warnings (${warnings.length})`));
    for (const warning of warnings) lines.push('', ...failureBlock(c, warning));
  }
  if (skips.length > 0) {
    lines.push('', c.yellow.bold(`Skipped (${skips.length})`));
    for (const skip of skips) lines.push(`  ${c.yellow(MARK.skip)} ${title(skip)}: ${skip.skipReason}`);
  }
  lines.push('');
  if (run.finishedAt !== null) {
    const elapsed = Date.parse(run.finishedAt) - Date.parse(run.startedAt);
    lines.push(c.dim(`ran ${results.length} check${results.length === 1 ? '' : 's'} in ${formatDuration(elapsed)}`));
  }
  lines.push(`${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped${summary.warned > 0 ? `, ${summary.warned} warned` : ''}`);
  return lines;
}

// The one reason first, then the checks it explains.
function correlationBlock(c: ChalkInstance, correlation: Correlation): string[] {
  return [`  ${c.bold(describeCorrelation(correlation))} ${c.dim(`(confidence ${correlation.confidence})`)}`, ...correlation.checks.map((check) => `    ${c.dim('·')} ${check}`)];
}

function failureBlock(c: ChalkInstance, failure: FailedCheck | WarnedCheck): string[] {
  const head = failure.status === 'fail' ? `${c.red(MARK.fail)} ${c.bold(title(failure))} ${c.red(`[${failure.classification}]`)}` : `${c.magenta(MARK.warn)} ${c.bold(title(failure))} ${c.magenta('[warn]')}`;
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
