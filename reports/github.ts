import { appendFile } from 'node:fs/promises';
import type { ShakedownError } from '../helpers/errors.ts';
import {
  checkName,
  correlate,
  describeCorrelation,
  isWaived,
  summarize,
  type CheckResult,
  type Correlation,
  type FailedCheck,
  type RunInfo,
  type WarnedCheck,
} from '../helpers/result.ts';
import type { Env } from './color.ts';
import type { OutputStream, Reporter } from './reporter.ts';

// GitHub Actions, when the run is inside it (GITHUB_ACTIONS=true): a Markdown summary of the run
// appended to $GITHUB_STEP_SUMMARY (the verdict, one row per suite with its pass / warn / fail /
// skip counts, every setup error, common origin and failure with its likely cause), and one
// workflow command per failed (::error) or warned (::warning) check, which GitHub shows as an
// annotation on the run. Written once: at onRunEnd, or at flush when the run never ends (a setup
// error, a crash). A waived failure (--waivers) is a notice (::notice), not an error: it does not
// fail the run; the notice and the summary's Waived list give its waiver's reason and last day.
// GitHub shows at most 10 annotations of a kind per step: past 9, the tenth says how many more
// there are. Commands go to the console's stream (stderr when stdout carries a report document).

export interface GitHubReporterOptions {
  env: Env;
  // Where the workflow commands go.
  stream: OutputStream;
  // Appends to the step summary file (tests).
  append?: (path: string, text: string) => Promise<void>;
}

// Annotations GitHub shows per step and kind.
export const ANNOTATIONS_PER_KIND = 10;
// Characters kept of an annotation's title and message, before escaping.
export const TITLE_CHARS = 200;
export const MESSAGE_CHARS = 4000;
// Characters of the summary (GitHub takes up to 1 MiB per step).
export const SUMMARY_CHARS = 512 * 1024;

export function createGitHubReporter(options: GitHubReporterOptions): Reporter | undefined {
  if (options.env.GITHUB_ACTIONS !== 'true') return undefined;
  const append = options.append ?? ((path: string, text: string) => appendFile(path, text, 'utf8'));
  let run: RunInfo | undefined;
  const results: CheckResult[] = [];
  const setupErrors: ShakedownError[] = [];
  let published = false;

  async function publish(complete: boolean): Promise<void> {
    if (published || run === undefined) return;
    published = true;
    const report = { run, results, setupErrors, complete };
    const commands = workflowCommands(report);
    if (commands.length > 0) options.stream.write(`${commands.join('\n')}\n`);
    const summaryFile = options.env.GITHUB_STEP_SUMMARY;
    if (summaryFile !== undefined && summaryFile !== '') await append(summaryFile, stepSummary(report));
  }

  return {
    onRunStart(started) {
      run = started;
    },
    onCheckEnd(result) {
      results.push(result);
    },
    onSetupError(error, known) {
      run = known;
      setupErrors.push(error);
    },
    onRunEnd(finished, all) {
      run = finished;
      results.splice(0, results.length, ...all);
      return publish(true);
    },
    flush: () => publish(false),
  };
}

export interface GitHubRun {
  run: RunInfo;
  results: readonly CheckResult[];
  setupErrors: readonly ShakedownError[];
  // False when the run never reached its end: the results are partial.
  complete: boolean;
}

// Workflow-command escaping (the runner's own rules): data escapes %, CR and LF ...
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

// ... and a property's value also : and , (they separate properties).
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

// Terminal escape sequences and control characters say nothing in an annotation.
function printable(text: string): string {
  return text.replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '');
}

function cap(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1)}…`;
}

type AnnotationKind = 'error' | 'warning' | 'notice';

function command(kind: AnnotationKind, title: string, message: string): string {
  return `::${kind} title=${escapeProperty(cap(printable(title), TITLE_CHARS))}::${escapeData(cap(printable(message), MESSAGE_CHARS))}`;
}

// At most ANNOTATIONS_PER_KIND; when there are more, the last one counts the rest.
function capped(kind: AnnotationKind, commands: string[], what: string): string[] {
  if (commands.length <= ANNOTATIONS_PER_KIND) return commands;
  const rest = commands.length - (ANNOTATIONS_PER_KIND - 1);
  return [
    ...commands.slice(0, ANNOTATIONS_PER_KIND - 1),
    command(
      kind,
      `shakedown: ${rest} more ${what}`,
      `GitHub shows ${ANNOTATIONS_PER_KIND} annotations of a kind per step: the job summary and the reports list all ${commands.length}.`,
    ),
  ];
}

function checkMessage(result: FailedCheck | WarnedCheck, correlation: Correlation | undefined): string {
  return [
    result.message,
    ...(result.likelyCause === undefined ? [] : [`likely cause: ${result.likelyCause}`]),
    ...(correlation === undefined ? [] : [`common origin: ${describeCorrelation(correlation)}`]),
    ...(correlation === undefined && result.origin !== undefined
      ? [`origin: ${result.origin.dimension} ${result.origin.value}: ${result.origin.summary}`]
      : []),
    ...(result.reproduce === undefined ? [] : [`reproduce: ${result.reproduce}`]),
  ].join('\n');
}

export function workflowCommands({ results, setupErrors, complete }: Omit<GitHubRun, 'run'>): string[] {
  const byCheck = new Map(correlate(results).flatMap((correlation) => correlation.checks.map((check) => [check, correlation] as const)));
  const errors = [
    ...setupErrors.map((error) =>
      command(
        'error',
        `shakedown could not run (${error.code})`,
        [error.message, ...(error.details === undefined ? [] : [error.details]), `hint: ${error.hint}`].join('\n'),
      ),
    ),
    ...(complete || setupErrors.length > 0
      ? []
      : [command('error', 'shakedown did not complete', `${results.length} checks had finished; the results are partial.`)]),
    ...results.flatMap((result) =>
      result.status === 'fail' && result.waiver === undefined
        ? [command('error', `shakedown › ${checkName(result)} (${result.classification})`, checkMessage(result, byCheck.get(checkName(result))))]
        : [],
    ),
  ];
  const warnings = results.flatMap((result) =>
    result.status === 'warn' ? [command('warning', `shakedown › ${checkName(result)}`, checkMessage(result, byCheck.get(checkName(result))))] : [],
  );
  const notices = results
    .filter(isWaived)
    .map((result) =>
      command(
        'notice',
        `shakedown › ${checkName(result)} (${result.classification}) waived until ${result.waiver.until}`,
        `${result.waiver.reason}\nthe failure: ${result.message}`,
      ),
    );
  return [...capped('error', errors, 'errors'), ...capped('warning', warnings, 'warnings'), ...capped('notice', notices, 'waived failures')];
}

// Markdown text: one line, with what Markdown or HTML would read as markup escaped.
export function markdown(text: string): string {
  return printable(text)
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|#~]/g, '\\$&');
}

export function stepSummary({ run, results, setupErrors, complete }: GitHubRun): string {
  const summary = summarize(results);
  const failed = summary.failed > 0 || setupErrors.length > 0 || !complete;
  const verdict = failed ? (summary.failed > 0 ? 'FAILED' : 'DID NOT COMPLETE') : summary.warned > 0 ? 'passed, with warnings' : 'passed';
  // Waived failures (--waivers) are counted, and get a column, when there are any.
  const anyWaived = summary.waived > 0;
  const counts = `${summary.passed} passed, ${summary.warned} warned, ${summary.failed} failed, ${anyWaived ? `${summary.waived} waived, ` : ''}${summary.skipped} skipped`;
  const cluster = [
    run.cluster.server,
    run.cluster.version,
    run.cluster.nodes === null ? null : `${run.cluster.nodes} nodes`,
    run.cluster.context === null ? null : `context ${run.cluster.context}`,
  ].filter((part) => part !== null);
  const lines = [
    `## ${failed ? '❌' : '✅'} shakedown: ${verdict}`,
    '',
    `${counts}${cluster.length > 0 ? ` · ${markdown(cluster.join(', '))}` : ''} · run ${markdown(run.runId)}`,
    '',
  ];

  const suites = Map.groupBy(results, (result) => result.suite);
  if (suites.size > 0) {
    lines.push(`| suite | pass | warn | fail |${anyWaived ? ' waived |' : ''} skip |`, `| --- | ---: | ---: | ---: |${anyWaived ? ' ---: |' : ''} ---: |`);
    for (const [suite, suiteResults] of suites) {
      const { passed, warned, failed: failedCount, waived, skipped } = summarize(suiteResults);
      lines.push(`| ${markdown(suite)} | ${passed} | ${warned} | ${failedCount} |${anyWaived ? ` ${waived} |` : ''} ${skipped} |`);
    }
    lines.push('');
  }
  if (setupErrors.length > 0) {
    lines.push('### The run could not happen', '');
    for (const error of setupErrors) lines.push(`- **${error.code}**: ${markdown(error.message)}. ${markdown(error.hint)}`);
    lines.push('');
  } else if (!complete) {
    lines.push(`The run did not complete: ${results.length} checks had finished.`, '');
  }
  const correlations = correlate(results);
  if (correlations.length > 0) {
    lines.push('### Common origins', '');
    for (const correlation of correlations) lines.push(`- ${markdown(describeCorrelation(correlation))}: ${correlation.checks.map(markdown).join('; ')}`);
    lines.push('');
  }
  const findings = (status: 'fail' | 'warn') => results.filter((result): result is FailedCheck | WarnedCheck => result.status === status && !isWaived(result));
  for (const [status, heading] of [
    ['fail', 'Failures'],
    ['warn', 'Warnings'],
  ] as const) {
    const list = findings(status);
    if (list.length === 0) continue;
    lines.push(`### ${heading}`, '');
    for (const result of list) {
      const kind = result.status === 'fail' ? ` (${result.classification})` : '';
      lines.push(
        `- **${markdown(checkName(result))}**${kind}: ${markdown(result.message)}${result.likelyCause === undefined ? '' : `<br>likely cause: ${markdown(result.likelyCause)}`}`,
      );
    }
    lines.push('');
  }
  const waived = results.filter(isWaived);
  if (waived.length > 0) {
    lines.push('### Waived', '');
    for (const result of waived)
      lines.push(
        `- **${markdown(checkName(result))}** (${result.classification}): waived until ${markdown(result.waiver.until)}: ${markdown(result.waiver.reason)}<br>the failure: ${markdown(result.message)}`,
      );
    lines.push('');
  }
  const text = `${lines.join('\n')}\n`;
  if (text.length <= SUMMARY_CHARS) return text;
  const cut = text.lastIndexOf('\n', SUMMARY_CHARS - 200);
  return `${text.slice(0, cut)}\n\n… cut at ${SUMMARY_CHARS} characters: the JSON and HTML reports have every finding.\n`;
}
