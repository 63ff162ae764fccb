// A history of check outcomes across runs, the "nights", ordered by when each run started
// (run.startedAt; then run id and file, so equal times still order the same way every time). Per
// check, by its id "suite › check" (as diff compares reports): its outcome each night, how often it
// flipped between failing and not failing, its pass rate, the first night it failed, and since
// when it has been failing when it fails in the last night. A check that flipped more than
// `flakyFlips` times is flaky.
//
// What counts: a night the check passed, warned or failed is a night it ran; a skip or a report
// without the check says nothing either way (neither a flip nor a night of the pass rate, and it
// does not end a run of failures). A warning is not a failure. A waived failure (--waivers) is a
// failure: it is shown apart, and counts as what really happened.
import { checkName, type AppliedWaiver, type CheckResult, type Classification } from '../../helpers/result.ts';
import type { NightReport } from './read.ts';
import { trendsOf, type Trend } from './trends.ts';

export const DEFAULT_FLAKY_FLIPS = 2;

export type Outcome = 'pass' | 'warn' | 'fail' | 'waived' | 'skip';
export const OUTCOMES: readonly Outcome[] = ['pass', 'warn', 'fail', 'waived', 'skip'];

export interface Night {
  // 1 for the earliest.
  night: number;
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  file: string;
  // From start to finish; null for a run whose report was written before it ended.
  durationMs: number | null;
  clusterVersion: string | null;
  // The API server the run was against (its context when the server is unknown).
  cluster: string | null;
}

export interface Cell {
  outcome: Outcome;
  durationMs: number;
  // A failure's classification; the first line of what a failure or warning said, a skip's reason.
  classification?: Classification;
  message?: string;
  waiver?: AppliedWaiver;
}

export interface CheckHistory {
  id: string;
  suite: string;
  check: string;
  // One per night; null where that night's report has no such check.
  cells: (Cell | null)[];
  // Nights it passed, warned or failed; of those, nights it passed or warned.
  ran: number;
  passed: number;
  // passed / ran; null when it never ran.
  passRate: number | null;
  flips: number;
  firstFailingNight: number | null;
  // When it fails in the last night: the first night of that run of failures.
  failingSinceNight: number | null;
  flaky: boolean;
}

export interface History {
  nights: Night[];
  // Sorted by id.
  checks: CheckHistory[];
  flakyFlips: number;
  // Ids: the flaky checks, most flips first; those failing in the last night and not in the night
  // before it ran; and those failing longer, grouped by the night they began to fail, earliest first.
  flaky: string[];
  newFailures: string[];
  failingSince: { night: number; checks: string[] }[];
  trends: Trend[];
  // What a reader should know about the input: a run read twice, nights against another cluster.
  notes: string[];
}

export interface HistoryOptions {
  flakyFlips: number;
  notes?: readonly string[];
}

const MESSAGE_CHARS = 300;
// Which result wins when a report holds one id twice.
const RANK: Record<Outcome, number> = { skip: 0, pass: 1, warn: 2, waived: 3, fail: 4 };

export const isFailing = (cell: Cell | null): boolean => cell?.outcome === 'fail' || cell?.outcome === 'waived';
const ran = (cell: Cell | null): cell is Cell => cell !== null && cell.outcome !== 'skip';

export function orderNights(reports: readonly NightReport[]): NightReport[] {
  return [...reports].sort((a, b) => Date.parse(a.run.startedAt) - Date.parse(b.run.startedAt) || compare(a.run.runId, b.run.runId) || compare(a.file, b.file));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length <= MESSAGE_CHARS ? line : `${line.slice(0, MESSAGE_CHARS - 1)}…`;
}

export function cellOf(result: CheckResult): Cell {
  const base = { durationMs: result.durationMs };
  switch (result.status) {
    case 'fail':
      return {
        ...base,
        outcome: result.waiver === undefined ? 'fail' : 'waived',
        classification: result.classification,
        message: firstLine(result.message),
        ...(result.waiver === undefined ? {} : { waiver: result.waiver }),
      };
    case 'warn':
      return { ...base, outcome: 'warn', message: firstLine(result.message) };
    case 'skip':
      return { ...base, outcome: 'skip', message: firstLine(result.skipReason) };
    default:
      return { ...base, outcome: 'pass' };
  }
}

function nightOf(report: NightReport, index: number): Night {
  const { run } = report;
  return {
    night: index + 1,
    runId: run.runId,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    file: report.file,
    durationMs: run.finishedAt === null ? null : Math.max(0, Date.parse(run.finishedAt) - Date.parse(run.startedAt)),
    clusterVersion: run.cluster.version,
    cluster: run.cluster.server ?? run.cluster.context,
  };
}

// Flips, pass rate, first failure and the run of failures that reaches the last night, from the cells.
export function judgeCells(cells: readonly (Cell | null)[], flakyFlips: number): Omit<CheckHistory, 'id' | 'suite' | 'check' | 'cells'> {
  let flips = 0;
  let before: boolean | undefined;
  let ranNights = 0;
  let passed = 0;
  let firstFailingNight: number | null = null;
  cells.forEach((cell, i) => {
    if (!ran(cell)) return;
    ranNights += 1;
    const failing = isFailing(cell);
    if (!failing) passed += 1;
    if (failing && firstFailingNight === null) firstFailingNight = i + 1;
    if (before !== undefined && before !== failing) flips += 1;
    before = failing;
  });
  let failingSinceNight: number | null = null;
  if (isFailing(cells.at(-1) ?? null)) {
    failingSinceNight = cells.length;
    for (let i = cells.length - 2; i >= 0; i -= 1) {
      const cell = cells[i] ?? null;
      if (!ran(cell)) continue;
      if (!isFailing(cell)) break;
      failingSinceNight = i + 1;
    }
  }
  return {
    ran: ranNights,
    passed,
    passRate: ranNights === 0 ? null : passed / ranNights,
    flips,
    firstFailingNight,
    failingSinceNight,
    flaky: flips > flakyFlips,
  };
}

export function buildHistory(reports: readonly NightReport[], options: HistoryOptions): History {
  const ordered = orderNights(reports);
  const nights = ordered.map(nightOf);
  const rows = new Map<string, { suite: string; check: string; cells: (Cell | null)[] }>();
  ordered.forEach((report, i) => {
    for (const result of report.results) {
      const id = checkName(result);
      let row = rows.get(id);
      if (row === undefined) {
        row = { suite: result.suite, check: result.check, cells: Array.from({ length: ordered.length }, () => null) };
        rows.set(id, row);
      }
      const cell = cellOf(result);
      const held = row.cells[i] ?? null;
      if (held === null || RANK[cell.outcome] > RANK[held.outcome]) row.cells[i] = cell;
    }
  });
  const checks: CheckHistory[] = [...rows]
    .sort(([a], [b]) => compare(a, b))
    .map(([id, row]) => ({ id, suite: row.suite, check: row.check, cells: row.cells, ...judgeCells(row.cells, options.flakyFlips) }));
  const last = nights.length;
  const failingSince = new Map<number, string[]>();
  for (const check of checks) {
    if (check.failingSinceNight === null || check.failingSinceNight === last) continue;
    failingSince.set(check.failingSinceNight, [...(failingSince.get(check.failingSinceNight) ?? []), check.id]);
  }
  return {
    nights,
    checks,
    flakyFlips: options.flakyFlips,
    flaky: checks
      .filter((c) => c.flaky)
      .sort((a, b) => b.flips - a.flips || compare(a.id, b.id))
      .map((c) => c.id),
    newFailures: checks.filter((c) => c.failingSinceNight === last).map((c) => c.id),
    failingSince: [...failingSince].sort(([a], [b]) => a - b).map(([night, ids]) => ({ night, checks: ids })),
    trends: trendsOf(ordered),
    notes: [...(options.notes ?? []), ...clusterNotes(nights), ...unfinishedNotes(nights)],
  };
}

function clusterNotes(nights: readonly Night[]): string[] {
  const clusters = [...new Set(nights.map((n) => n.cluster).filter((c) => c !== null))];
  if (clusters.length < 2) return [];
  return [`the nights ran against ${clusters.length} clusters (${clusters.join(', ')}): a check's history mixes them`];
}

function unfinishedNotes(nights: readonly Night[]): string[] {
  const unfinished = nights.filter((n) => n.finishedAt === null);
  if (unfinished.length === 0) return [];
  return [
    `${unfinished.length === 1 ? 'night' : 'nights'} ${unfinished.map((n) => `${n.night} (${n.runId})`).join(', ')} did not finish: a check missing there shows as absent`,
  ];
}
