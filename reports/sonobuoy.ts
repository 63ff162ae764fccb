// shakedown as a sonobuoy plugin. Inside a plugin's container sonobuoy sets SONOBUOY_RESULTS_DIR;
// then shakedown itself writes its JUnit, JSON and HTML reports there, plus the same results in
// sonobuoy's own results format (sonobuoy_results.yaml, read with `result-format: manual`), and last
// the `done` file. That file is sonobuoy's plugin contract: its worker sidecar waits for it, reads
// the path written in it and sends that to the aggregator; a directory is archived first (worker.go
// GatherResults and handleWaitFile in sonobuoy v0.57.5). shakedown names the results directory, so
// every report travels.
//
// The done file is written after the reports, at the end of the run, whichever way it ends: the
// engine ends every run with onRunEnd, or, after a setup error, a crash or SIGINT/SIGTERM, with
// onSetupError and flush. A report that failed is still followed by the done file (sonobuoy gets
// what was written) and its failure is passed on, so the exit code still says it.
//
// Why sonobuoy's own format and not the JUnit: sonobuoy's JUnit reader keeps no skip message and
// only the last <system-out> of a test case, so skip reasons and some warnings would be lost in
// `sonobuoy results`. Here every check is one item: passed, failed or skipped (a warning is passed,
// as in the JUnit: it never fails the run) with its message, warning, skip reason or failure in
// its details; setup errors and an unfinished run are failed items, as in the JUnit. A waived
// failure (--waivers) is skipped, as in the JUnit (it does not fail the run), its waiver in
// details.skip-reason ("waived until DATE: reason") and the failure itself in details.failure.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ERROR_CODES, ShakedownError } from '../helpers/errors.ts';
import { checkName, correlate, describeCorrelation, type CheckResult, type Correlation, type RunInfo } from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type ReportSnapshot } from './file-reporter.ts';
import { createHtmlReporter } from './html.ts';
import { createJsonReporter } from './json.ts';
import { createJUnitReporter, waivedMessage } from './junit.ts';
import { createMultiplexer, type ReporterFailure } from './multiplexer.ts';
import type { Reporter } from './reporter.ts';

// The variable sonobuoy sets in a plugin's containers: where it collects the plugin's results.
export const SONOBUOY_RESULTS_DIR = 'SONOBUOY_RESULTS_DIR';

// What shakedown writes into that directory.
export const SONOBUOY_FILES = {
  junit: 'shakedown-junit.xml',
  json: 'shakedown.json',
  html: 'shakedown.html',
  // The name sonobuoy looks for with result-format manual (the plugin also lists it in result-files).
  results: 'sonobuoy_results.yaml',
  done: 'done',
} as const;

// sonobuoy's result statuses (pkg/client/results/item.go).
export type SonobuoyStatus = 'passed' | 'failed' | 'skipped';

// One node of sonobuoy's results tree (results.Item): name, status, details, items.
export interface SonobuoyItem {
  name: string;
  status: SonobuoyStatus;
  details?: Record<string, string>;
  items?: SonobuoyItem[];
}

export interface SonobuoyReporterOptions {
  dir: string;
  now?: () => Date;
}

export function createSonobuoyReporter(options: SonobuoyReporterOptions): Reporter {
  const path = (file: keyof typeof SONOBUOY_FILES) => join(options.dir, SONOBUOY_FILES[file]);
  const now = options.now === undefined ? {} : { now: options.now };
  const reports: Record<string, FileReporter> = {
    junit: createJUnitReporter({ path: path('junit'), ...now }),
    json: createJsonReporter({ path: path('json'), ...now }),
    html: createHtmlReporter({ path: path('html'), ...now }),
    results: createFileReporter({ path: path('results'), ...now }, renderSonobuoyResults),
  };
  const failures: ReporterFailure[] = [];
  let raised = 0;
  const inner = createMultiplexer(reports, (failure) => failures.push(failure));
  // A report's failure, once, to the caller's multiplexer (which says it and keeps it for the exit code).
  const raise = () => {
    const fresh = failures.slice(raised);
    raised = failures.length;
    if (fresh[0] !== undefined) throw fresh[0].error;
  };
  const through =
    <A extends unknown[]>(hook: (...args: A) => void | Promise<void>) =>
    async (...args: A): Promise<void> => {
      await hook(...args);
      raise();
    };
  // The last word of a run: the reports, then the done file, even when a report failed.
  const finishing =
    <A extends unknown[]>(hook: (...args: A) => void | Promise<void>) =>
    async (...args: A): Promise<void> => {
      await hook(...args);
      await writeDoneFile(options.dir);
      raise();
    };
  return {
    onPlan: through(inner.onPlan),
    onRunStart: through(inner.onRunStart),
    onSuiteStart: through(inner.onSuiteStart),
    onCheckStart: through(inner.onCheckStart),
    onCheckEnd: through(inner.onCheckEnd),
    onSetupError: through(inner.onSetupError),
    onRunEnd: finishing(inner.onRunEnd),
    flush: finishing(inner.flush),
  };
}

// The done file names the results directory; written whole (a temporary file renamed), so the
// worker never reads half a path.
export async function writeDoneFile(dir: string): Promise<void> {
  const done = join(dir, SONOBUOY_FILES.done);
  try {
    await writeFile(`${done}.tmp`, `${dir}\n`);
    await rename(`${done}.tmp`, done);
  } catch (error) {
    throw new ShakedownError('SD_REPORT_WRITE_FAILED', `could not write sonobuoy's done file ${done}: ${(error as Error).message}`, {
      cause: error,
      hint: `Check that ${SONOBUOY_RESULTS_DIR} (${dir}) is a writable directory: sonobuoy mounts it into the plugin's container.`,
    });
  }
}

// The run as sonobuoy's results tree: one item per suite, one per check, in run order.
export function sonobuoyResults(report: ReportSnapshot): SonobuoyItem {
  const correlations = new Map<string, Correlation>();
  for (const correlation of correlate(report.results)) for (const check of correlation.checks) correlations.set(check, correlation);
  const leaves: { suite: string; item: SonobuoyItem }[] = [
    ...report.setupErrors.map((error) => ({ suite: 'setup', item: errorItem('setup', error) })),
    ...report.results.map((result) => ({ suite: result.suite, item: checkItem(result, correlations.get(checkName(result))) })),
    ...(report.complete || report.setupErrors.length > 0
      ? []
      : [
          {
            suite: 'shakedown',
            item: errorItem(
              'run completed',
              new ShakedownError('SD_INTERRUPTED', ERROR_CODES.SD_INTERRUPTED.description, {
                details: `${report.results.length} checks had finished when this report was written.`,
              }),
            ),
          },
        ]),
  ];
  const suites = [...Map.groupBy(leaves, (leaf) => leaf.suite)].map(([name, members]): SonobuoyItem => {
    const items = members.map((member) => member.item);
    return { name, status: rollUp(items), items };
  });
  const { run } = report;
  const details: Record<string, string> = { 'run-id': run.runId, complete: String(report.complete), 'started-at': run.startedAt };
  if (run.finishedAt !== null) details['finished-at'] = run.finishedAt;
  if (run.cluster.server !== null) details['cluster-server'] = run.cluster.server;
  if (run.cluster.version !== null) details['cluster-version'] = run.cluster.version;
  return { name: 'shakedown', status: rollUp(suites), details, items: suites };
}

// sonobuoy's rule: failed if anything failed; a group of skips alone is still not a failure.
function rollUp(items: readonly SonobuoyItem[]): SonobuoyStatus {
  return items.some((item) => item.status === 'failed') ? 'failed' : 'passed';
}

function checkItem(result: CheckResult, correlation: Correlation | undefined): SonobuoyItem {
  const name = result.check;
  const common = (): Record<string, string> => {
    const details: Record<string, string> = {};
    if (result.evidence.length > 0) details.evidence = result.evidence.map((evidence) => `--- ${evidence.label} ---\n${evidence.text}`).join('\n\n');
    if (result.origin !== undefined) details.origin = `${result.origin.dimension} ${result.origin.value}: ${result.origin.summary}`;
    if (correlation !== undefined)
      details['common-origin'] = `${describeCorrelation(correlation)} (confidence ${correlation.confidence}): ${correlation.checks.join('; ')}`;
    if (result.likelyCause !== undefined) details['likely-cause'] = result.likelyCause;
    if (result.reproduce !== undefined) details.reproduce = result.reproduce;
    return details;
  };
  switch (result.status) {
    case 'pass':
      return { name, status: 'passed', details: { message: result.message } };
    case 'warn':
      // Passed, as in the JUnit: a warning never fails the run; the warning is kept here.
      return { name, status: 'passed', details: { warning: result.message, ...common() } };
    case 'skip':
      return { name, status: 'skipped', details: { 'skip-reason': result.skipReason } };
    case 'fail':
      if (result.waiver !== undefined) {
        return {
          name,
          status: 'skipped',
          details: {
            'skip-reason': waivedMessage(result.waiver),
            waiver: result.waiver.check,
            failure: result.message,
            classification: result.classification,
            ...common(),
            ...(result.log === undefined || result.log.length === 0 ? {} : { log: result.log.join('\n') }),
          },
        };
      }
      return {
        name,
        status: 'failed',
        details: {
          failure: result.message,
          classification: result.classification,
          ...common(),
          ...(result.log === undefined || result.log.length === 0 ? {} : { log: result.log.join('\n') }),
        },
      };
  }
}

function errorItem(name: string, error: ShakedownError): SonobuoyItem {
  const details: Record<string, string> = { failure: `${error.code}: ${error.message}`, hint: error.hint };
  if (error.details !== undefined) details.details = error.details;
  return { name, status: 'failed', details };
}

export function renderSonobuoyResults(report: ReportSnapshot): string {
  return `# shakedown's results in sonobuoy's results format (result-format: manual)\n${yamlBlock(sonobuoyResults(report), 0)}`;
}

// Block YAML of plain maps, lists and strings. Every string is double-quoted with JSON's escapes,
// which YAML's double-quoted scalars share, so no value can be read as another type or break the
// structure; U+2028 and U+2029 (line breaks to YAML, not to JSON) are escaped too.
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function yamlBlock(value: SonobuoyItem | Record<string, string> | readonly SonobuoyItem[], indent: number): string {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    return value.map((item: SonobuoyItem) => `${pad}- ${yamlBlock(item, indent + 2).slice(indent + 2)}`).join('');
  }
  let out = '';
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    if (typeof field === 'string') out += `${pad}${key}: ${quoted(field)}\n`;
    else if (Array.isArray(field) ? field.length === 0 : Object.keys(field as object).length === 0) continue;
    else out += `${pad}${key}:\n${yamlBlock(field as Record<string, string> | SonobuoyItem[], indent + 2)}`;
  }
  return out;
}

// A command that ends before any run starts (bad input: a kubeconfig it cannot use, a bad option from
// the plugin's env) still leaves sonobuoy its results and the done file: without them sonobuoy's
// worker waits for the plugin until its timeout (6 h by default), since it gives up on its own only
// when the container exits 0.
export async function writeRefusal(dir: string, error: ShakedownError, now: () => Date = () => new Date()): Promise<void> {
  const run: RunInfo = {
    runId: 'none',
    startedAt: now().toISOString(),
    finishedAt: null,
    cluster: { server: null, version: null, nodes: null, context: null },
    properties: {},
  };
  const reporter = createSonobuoyReporter({ dir, now });
  await reporter.onSetupError?.(error, run);
  await reporter.flush?.();
}
