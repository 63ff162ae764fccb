// What changed between two JSON reports, by stable check id (the suite's name and the check's title
// as its manifest declares it, "dns › every record kind resolves"): new failures, resolved failures,
// checks that appeared or vanished, new warnings, checks now skipped, and checks whose duration grew
// beyond a ratio. A new failure or a timing regression is a regression, but a new failure a live
// waiver matched (--waivers) is listed with the waiver and is none: the run it came from passed.
// Used by `shakedown diff`, --baseline (console and HTML report) and `shakedown gate`.
import { readFileSync, statSync } from 'node:fs';
import { ShakedownError } from '../helpers/errors.ts';
import { CHECK_STATUSES, CLASSIFICATIONS, checkName, isWaived, type CheckResult, type RunInfo } from '../helpers/result.ts';
import { renderJUnit } from './junit.ts';

export interface ReportLike {
  run: RunInfo;
  results: CheckResult[];
}

export type ChangeKind = 'new-failure' | 'resolved' | 'slower' | 'appeared' | 'vanished' | 'new-warning' | 'now-skipped';

export interface Change {
  id: string;
  kind: ChangeKind;
  before?: CheckResult;
  after?: CheckResult;
  text: string;
}

export interface DiffOptions {
  // A duration counts as regressed when after >= before x ratio and after - before >= floorMs.
  ratio: number;
  floorMs: number;
}

export const DEFAULT_DIFF: DiffOptions = { ratio: 2, floorMs: 2000 };
const REGRESSIONS: readonly ChangeKind[] = ['new-failure', 'slower'];

export const isRegression = (change: Change): boolean =>
  REGRESSIONS.includes(change.kind) && !(change.kind === 'new-failure' && change.after !== undefined && isWaived(change.after));

const statusText = (r: CheckResult | undefined): string =>
  r === undefined ? 'absent' : r.status === 'fail' ? `fail (${r.classification}${r.waiver === undefined ? '' : ', waived'})` : r.status;

// A failure's message, after its waiver when one matched it.
const failureText = (r: CheckResult): string => (isWaived(r) ? `waived until ${r.waiver.until}: ${r.waiver.reason}; the failure: ${r.message}` : r.message);

export function diffResults(before: readonly CheckResult[], after: readonly CheckResult[], options: DiffOptions = DEFAULT_DIFF): Change[] {
  const byId = (results: readonly CheckResult[]) => new Map(results.map((r) => [checkName(r), r]));
  const was = byId(before);
  const now = byId(after);
  const changes: Change[] = [];
  for (const [id, a] of now) {
    const b = was.get(id);
    if (a.status === 'fail' && b?.status !== 'fail')
      changes.push({ id, kind: 'new-failure', ...(b === undefined ? {} : { before: b }), after: a, text: failureText(a) });
    else if (b === undefined) changes.push({ id, kind: 'appeared', after: a, text: `appeared as ${statusText(a)}` });
    else if (b.status === 'fail' && a.status !== 'fail') changes.push({ id, kind: 'resolved', before: b, after: a, text: `was: ${b.message}` });
    else if (a.status === 'warn' && b.status !== 'warn') changes.push({ id, kind: 'new-warning', before: b, after: a, text: a.message });
    else if (a.status === 'skip' && b.status !== 'skip') changes.push({ id, kind: 'now-skipped', before: b, after: a, text: a.skipReason });
    if (b !== undefined && (a.status === 'pass' || a.status === 'warn') && (b.status === 'pass' || b.status === 'warn')) {
      if (a.durationMs >= b.durationMs * options.ratio && a.durationMs - b.durationMs >= options.floorMs) {
        changes.push({
          id,
          kind: 'slower',
          before: b,
          after: a,
          text: `${seconds(b.durationMs)} -> ${seconds(a.durationMs)} (x${(a.durationMs / Math.max(1, b.durationMs)).toFixed(1)}, limit x${options.ratio} and +${seconds(options.floorMs)})`,
        });
      }
    }
  }
  for (const [id, b] of was) if (!now.has(id)) changes.push({ id, kind: 'vanished', before: b, text: `was ${statusText(b)}` });
  const order: ChangeKind[] = ['new-failure', 'slower', 'resolved', 'new-warning', 'now-skipped', 'appeared', 'vanished'];
  return changes.sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind) || x.id.localeCompare(y.id));
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function versions(run: RunInfo): string {
  const kubelets = [
    ...new Set(
      Object.entries(run.properties)
        .filter(([k]) => k.startsWith('gate.kubelet-version.'))
        .map(([, v]) => v),
    ),
  ];
  return `${run.cluster.version ?? 'unknown version'}${kubelets.length === 0 ? '' : ` (kubelets ${kubelets.join(', ')})`}`;
}

export function renderDiff(before: ReportLike, after: ReportLike, changes: readonly Change[]): string {
  const regressions = changes.filter(isRegression);
  const [was, now] = [before.run.cluster.version, after.run.cluster.version];
  const upgrade =
    was === null || now === null || was === now
      ? `on ${versions(now === null ? before.run : after.run)}`
      : `after the change from ${versions(before.run)} to ${versions(after.run)}`;
  const lines = [
    `${before.run.runId} -> ${after.run.runId} ${upgrade}: ${regressions.length === 0 ? 'no regression' : `${regressions.length} check(s) regressed`}`,
  ];
  if (changes.length === 0) return `${lines[0]}; nothing changed in ${after.results.length} check(s)`;
  const rows = changes.map((c) => [c.kind, c.id, statusText(c.before), statusText(c.after), c.text.split('\n')[0] ?? '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['change', 'check', 'before', 'after'][i] ?? '', ...rows.map((r) => r[i] ?? '')].map((s) => s.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i < 4 ? cell.padEnd(widths[i] ?? 0) : cell))
      .join('  ')
      .trimEnd();
  lines.push('', line(['change', 'check', 'before', 'after', 'detail']), ...rows.map(line));
  return lines.join('\n');
}

// The diff as JUnit: one testcase per changed check, failed when it regressed.
export function diffJUnit(after: ReportLike, changes: readonly Change[]): string {
  const results: CheckResult[] = changes.map((c) => {
    const base = { suite: 'diff', check: `${c.kind}: ${c.id}`, durationMs: c.after?.durationMs ?? 0, evidence: [] };
    return isRegression(c)
      ? { ...base, status: 'fail', classification: c.kind === 'slower' ? 'timeout' : 'mismatch', message: c.text }
      : { ...base, status: 'pass', message: c.text };
  });
  return renderJUnit({ run: after.run, results, setupErrors: [], complete: true, writtenAt: new Date() });
}

// A report is read whole; anything larger than this is not one of ours.
export const REPORT_MAX_BYTES = 256 * 1024 * 1024;

export interface ReportSource {
  // What the file is to the command: "BEFORE" and "AFTER" of diff, "--baseline".
  role?: string;
  hint?: string;
}

// Reads a JSON report and checks, field by field, what diff, --baseline and the HTML diff use: a
// bad one is named by its file and field (results[3].durationMs), never met later as a crash.
export function readReport(path: string, from: ReportSource = {}): ReportLike {
  const hint = from.hint ?? 'Give a JSON report written by shakedown run --json FILE.';
  const named = `${path}${from.role === undefined ? '' : ` (${from.role})`}`;
  const bad = (problem: string, cause?: string): ShakedownError =>
    new ShakedownError('SD_BAD_FLAG', problem, { ...(cause === undefined ? {} : { cause }), hint });
  const unreadable = (reason: string, cause?: string): ShakedownError => bad(`cannot read the report ${named}: ${reason}`, cause);
  let text: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw unreadable('it is a directory');
    if (!stat.isFile()) throw unreadable('it is not a regular file (a FIFO, socket or device)');
    if (stat.size > REPORT_MAX_BYTES) throw unreadable(`it is ${stat.size} bytes, larger than any JSON report (${REPORT_MAX_BYTES})`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ShakedownError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // The system's own words as the cause (shown with --verbose), without its stack.
    throw unreadable(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message, (error as Error).message);
  }
  if (text.trim() === '') throw bad(`${named} is empty, not a JSON report`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw bad(`${named} is not JSON: ${(error as Error).message.replace(/\r?\n/g, '\\n')}`);
  }
  const problem = reportProblem(parsed);
  // "is not a report" of the whole file, "results[3].durationMs must ..." of a field.
  if (problem !== undefined) throw bad(`${named}${problem.startsWith('is ') ? ' ' : ': '}${problem}`);
  const report = parsed as { run: RunInfo; results: CheckResult[] };
  return { run: report.run, results: report.results };
}

const READABLE_VERSIONS = ['shakedown.report/v1', 'shakedown.report/v2'];

type Field = (value: unknown) => string | undefined;
const kind = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'number' && !Number.isFinite(value) ? String(value) : typeof value;
const string: Field = (value) => (typeof value === 'string' ? undefined : `must be a string, got ${kind(value)}`);
const nullable =
  (field: Field): Field =>
  (value) =>
    value === null ? undefined : field(value);
const count: Field = (value) =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0
    ? undefined
    : `must be a whole number of at least 0, got ${typeof value === 'number' ? String(value) : kind(value)}`;
const durationMs: Field = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0
    ? undefined
    : `must be a finite number of milliseconds, at least 0, got ${typeof value === 'number' ? String(value) : kind(value)}`;
const oneOf =
  (values: readonly string[]): Field =>
  (value) =>
    typeof value === 'string' && values.includes(value)
      ? undefined
      : `must be one of ${values.join(', ')}, got ${typeof value === 'string' ? JSON.stringify(value) : kind(value)}`;
const object = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

// A failure's waiver: what diff shows of it.
const waiver: Field = (value) => {
  if (!object(value)) return `must be an object with check, reason and until, got ${kind(value)}`;
  const key = (['check', 'reason', 'until'] as const).find((name) => typeof value[name] !== 'string');
  return key === undefined ? undefined : `must have a string ${key}, got ${kind(value[key])}`;
};

// The first field of an object that fails its check, as "name must ...".
function fields(at: string, value: unknown, checks: Record<string, Field>): string | undefined {
  if (!object(value)) return `${at} must be an object, got ${kind(value)}`;
  for (const [name, check] of Object.entries(checks)) {
    const problem = Object.hasOwn(value, name) ? check(value[name]) : 'is missing';
    if (problem !== undefined) return `${at}.${name} ${problem}`;
  }
  return undefined;
}

// What keeps a parsed file from being used as a report: "is ..." of the whole, or a field's problem.
export function reportProblem(report: unknown): string | undefined {
  if (!object(report)) return `is not a shakedown JSON report: it holds ${kind(report)}, not an object with schemaVersion shakedown.report/...`;
  const version = report.schemaVersion;
  if (typeof version !== 'string' || !version.startsWith('shakedown.report/')) return 'is not a shakedown JSON report (no schemaVersion shakedown.report/...)';
  if (!READABLE_VERSIONS.includes(version)) return `is a ${version} report; this shakedown reads ${READABLE_VERSIONS.join(' and ')}`;
  const run = fields('run', report.run, {
    runId: string,
    startedAt: string,
    finishedAt: nullable(string),
    cluster: (value) => (object(value) ? undefined : `must be an object, got ${kind(value)}`),
    properties: (value) => (object(value) ? undefined : `must be an object, got ${kind(value)}`),
  });
  if (run !== undefined) return run;
  const reported = report.run as RunInfo;
  const cluster = fields('run.cluster', reported.cluster, {
    server: nullable(string),
    version: nullable(string),
    nodes: nullable(count),
    context: nullable(string),
  });
  if (cluster !== undefined) return cluster;
  const property = Object.entries(reported.properties).find(([, value]) => typeof value !== 'string');
  if (property !== undefined) return `run.properties.${property[0]} must be a string, got ${kind(property[1])}`;
  if (!Array.isArray(report.results)) return `results must be an array, got ${kind(report.results)}`;
  for (const [i, result] of report.results.entries()) {
    const status = (result as { status?: unknown } | null)?.status;
    const problem = fields(`results[${i}]`, result, {
      suite: string,
      check: string,
      status: oneOf(CHECK_STATUSES),
      durationMs,
      message: string,
      evidence: (value) => (Array.isArray(value) ? undefined : `must be an array, got ${kind(value)}`),
      ...(status === 'fail' ? { classification: oneOf(CLASSIFICATIONS) } : {}),
      ...(status === 'fail' && object(result) && Object.hasOwn(result, 'waiver') ? { waiver } : {}),
      ...(status === 'skip' ? { skipReason: string } : {}),
    });
    if (problem !== undefined) return problem;
  }
  return undefined;
}
