// What changed between two JSON reports, by stable check id (the suite's name and the check's title
// as its manifest declares it, "dns › every record kind resolves"): new failures, resolved failures,
// checks that appeared or vanished, new warnings, checks now skipped, and checks whose duration grew
// beyond a ratio. A new failure or a timing regression is a regression. Used by `shakedown diff`,
// --baseline (console and HTML report) and `shakedown gate`.
import { readFileSync } from 'node:fs';
import { ShakedownError } from '../helpers/errors.ts';
import { checkName, type CheckResult, type RunInfo } from '../helpers/result.ts';
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

export const isRegression = (change: Change): boolean => REGRESSIONS.includes(change.kind);

const statusText = (r: CheckResult | undefined): string => (r === undefined ? 'absent' : r.status === 'fail' ? `fail (${r.classification})` : r.status);

export function diffResults(before: readonly CheckResult[], after: readonly CheckResult[], options: DiffOptions = DEFAULT_DIFF): Change[] {
  const byId = (results: readonly CheckResult[]) => new Map(results.map((r) => [checkName(r), r]));
  const was = byId(before);
  const now = byId(after);
  const changes: Change[] = [];
  for (const [id, a] of now) {
    const b = was.get(id);
    if (a.status === 'fail' && b?.status !== 'fail') changes.push({ id, kind: 'new-failure', ...(b === undefined ? {} : { before: b }), after: a, text: a.message });
    else if (b === undefined) changes.push({ id, kind: 'appeared', after: a, text: `appeared as ${statusText(a)}` });
    else if (b.status === 'fail' && a.status !== 'fail') changes.push({ id, kind: 'resolved', before: b, after: a, text: `was: ${b.message}` });
    else if (a.status === 'warn' && b.status !== 'warn') changes.push({ id, kind: 'new-warning', before: b, after: a, text: a.message });
    else if (a.status === 'skip' && b.status !== 'skip') changes.push({ id, kind: 'now-skipped', before: b, after: a, text: a.skipReason });
    if (b !== undefined && (a.status === 'pass' || a.status === 'warn') && (b.status === 'pass' || b.status === 'warn')) {
      if (a.durationMs >= b.durationMs * options.ratio && a.durationMs - b.durationMs >= options.floorMs) {
        changes.push({ id, kind: 'slower', before: b, after: a, text: `${seconds(b.durationMs)} -> ${seconds(a.durationMs)} (x${(a.durationMs / Math.max(1, b.durationMs)).toFixed(1)}, limit x${options.ratio} and +${seconds(options.floorMs)})` });
      }
    }
  }
  for (const [id, b] of was) if (!now.has(id)) changes.push({ id, kind: 'vanished', before: b, text: `was ${statusText(b)}` });
  const order: ChangeKind[] = ['new-failure', 'slower', 'resolved', 'new-warning', 'now-skipped', 'appeared', 'vanished'];
  return changes.sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind) || x.id.localeCompare(y.id));
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

function versions(run: RunInfo): string {
  const kubelets = [...new Set(Object.entries(run.properties).filter(([k]) => k.startsWith('gate.kubelet-version.')).map(([, v]) => v))];
  return `${run.cluster.version ?? 'unknown version'}${kubelets.length === 0 ? '' : ` (kubelets ${kubelets.join(', ')})`}`;
}

export function renderDiff(before: ReportLike, after: ReportLike, changes: readonly Change[]): string {
  const regressions = changes.filter(isRegression);
  const [was, now] = [before.run.cluster.version, after.run.cluster.version];
  const upgrade = was === null || now === null || was === now ? `on ${versions(now === null ? before.run : after.run)}` : `after the change from ${versions(before.run)} to ${versions(after.run)}`;
  const lines = [`${before.run.runId} -> ${after.run.runId} ${upgrade}: ${regressions.length === 0 ? 'no regression' : `${regressions.length} check(s) regressed`}`];
  if (changes.length === 0) return `${lines[0]}; nothing changed in ${after.results.length} check(s)`;
  const rows = changes.map((c) => [c.kind, c.id, statusText(c.before), statusText(c.after), c.text.split('\n')[0] ?? '']);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...[['change', 'check', 'before', 'after'][i] ?? '', ...rows.map((r) => r[i] ?? '')].map((s) => s.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 4 ? cell.padEnd(widths[i] ?? 0) : cell)).join('  ').trimEnd();
  lines.push('', line(['change', 'check', 'before', 'after', 'detail']), ...rows.map(line));
  return lines.join('\n');
}

// The diff as JUnit: one testcase per changed check, failed when it regressed.
export function diffJUnit(after: ReportLike, changes: readonly Change[]): string {
  const results: CheckResult[] = changes.map((c) => {
    const base = { suite: 'diff', check: `${c.kind}: ${c.id}`, durationMs: c.after?.durationMs ?? 0, evidence: [] };
    return isRegression(c) ? { ...base, status: 'fail', classification: c.kind === 'slower' ? 'timeout' : 'mismatch', message: c.text } : { ...base, status: 'pass', message: c.text };
  });
  return renderJUnit({ run: after.run, results, setupErrors: [], complete: true, writtenAt: new Date() });
}

export function readReport(path: string): ReportLike {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ShakedownError('SD_BAD_FLAG', `cannot read the report ${path}: ${(error as Error).message}`, { cause: error, hint: 'Give two JSON reports written with --json.' });
  }
  const report = parsed as { schemaVersion?: unknown; run?: RunInfo; results?: unknown };
  if (typeof report.schemaVersion !== 'string' || !report.schemaVersion.startsWith('shakedown.report/') || report.run === undefined || !Array.isArray(report.results)) {
    throw new ShakedownError('SD_BAD_FLAG', `${path} is not a shakedown JSON report (no schemaVersion shakedown.report/...)`, { hint: 'Give two JSON reports written with --json.' });
  }
  return { run: report.run, results: report.results as CheckResult[] };
}

