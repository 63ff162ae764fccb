// The result model every check produces and every reporter consumes: one CheckResult travels from
// the check (which builds it in its worker) through the engine to every reporter, unchanged.
// Titles and classifications are stable strings so CI can group failures across runs.
// This module imports nothing at run time (a type only): the engine (helpers/) and the reporters
// (reports/) both import it.
import type { FigureTable } from './figures.ts';

// warn: a finding that is not a failure (a certificate expiring in 40 days, a retired controller);
// shown and reported, never changes the exit code.
export const CHECK_STATUSES = ['pass', 'warn', 'fail', 'skip'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const CLASSIFICATIONS = [
  'timeout',
  'refused',
  'reset',
  'unreachable',
  'dns-error',
  'tls-error',
  'http-status',
  'wrong-backend',
  'mismatch',
  'not-enforced',
  'missing',
  'expired',
  'forbidden',
  'error',
] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

// A labelled block of evidence: endpoints, events, the expected/observed matrix. `text` is what every
// reporter can print; a grid or a figure table is also kept as data for the reporters that draw it
// (built by helpers/evidence.ts, never by hand).
export interface Evidence {
  label: string;
  text: string;
  grids?: Grid[];
  figures?: FigureTable;
}

// A table of one-character cells, rows by columns: a reachability or truth table, node pairs. The
// legend says what each symbol means; '.' is as expected, 'X' wrong, '?' not observed, '-' not asked.
export interface Grid {
  // What this grid is of, when evidence holds several (a port: "TCP/80").
  title?: string;
  corner: string;
  columns: string[];
  rows: { name: string; cells: string[] }[];
  legend?: Record<string, string>;
}

// What the failing observations of a check have in common: one source node, one target node, one
// DNS server or replica, one port, one protocol, one payload size, one direction. Found by comparing
// failing with healthy observations; reporters group failures of several checks that share one.
export interface Origin {
  // The dimension the failures share, e.g. 'source-node', 'target-node', 'server', 'replica', 'port', 'protocol', 'payload', 'direction'.
  dimension: string;
  // Its value, e.g. 'node2'.
  value: string;
  // One sentence: what failed, what the healthy observations prove, e.g. "every query from pods on
  // node2 times out, the same queries from node1 succeed: the path from node2 to the DNS Service is blocked".
  summary: string;
  // high: every failing cell shares it and healthy cells exist for the other values; medium: most do; low: a guess.
  confidence: 'high' | 'medium' | 'low';
  // The component the origin points at, e.g. "kube-proxy on node2": checks whose origins differ
  // (traffic from node2, traffic to node2) but point at one component are one finding.
  suspect?: string;
}

interface CheckResultBase {
  suite: string;
  // Stable title of the check within its suite.
  check: string;
  durationMs: number;
  // When the check began (ISO 8601), for timelines; absent in reports of older versions.
  startedAt?: string;
  // One line: what was expected and what was seen.
  message: string;
  evidence: Evidence[];
  likelyCause?: string;
  // A command line that reproduces the observation by hand.
  reproduce?: string;
  // The common origin of the failing observations, when one was found.
  origin?: Origin;
  // The check's buffered log; shown only when it fails.
  log?: string[];
}

export interface PassedCheck extends CheckResultBase {
  status: 'pass';
}

export interface WarnedCheck extends CheckResultBase {
  status: 'warn';
}

export interface FailedCheck extends CheckResultBase {
  status: 'fail';
  classification: Classification;
  // A live waiver that matched this failure (--waivers): the failure is reported with it and does
  // not fail the run. Still status 'fail', so history and diff see what really happened.
  waiver?: AppliedWaiver;
}

// A waiver entry as it applied to one failure.
export interface AppliedWaiver {
  // The entry's check pattern or id, as written in the waivers file.
  check: string;
  reason: string;
  // The last day the waiver holds (YYYY-MM-DD).
  until: string;
}

export interface SkippedCheck extends CheckResultBase {
  status: 'skip';
  skipReason: string;
}

export type CheckResult = PassedCheck | WarnedCheck | FailedCheck | SkippedCheck;

export interface ClusterInfo {
  // null when the run stopped before it could learn the value.
  server: string | null;
  version: string | null;
  nodes: number | null;
  context: string | null;
}

export interface RunInfo {
  runId: string;
  // ISO 8601 timestamps; finishedAt is null until the run ends.
  startedAt: string;
  finishedAt: string | null;
  cluster: ClusterInfo;
  properties: Record<string, string>;
}

export interface Summary {
  passed: number;
  warned: number;
  // Failures that fail the run: a waived failure is counted in `waived`, not here.
  failed: number;
  skipped: number;
  // Failures a live waiver matched (--waivers); absent in reports of older versions.
  waived?: number;
}

// A failure a live waiver matched: still status 'fail', but it does not fail the run.
export function isWaived(result: CheckResult): result is FailedCheck & { waiver: AppliedWaiver } {
  return result.status === 'fail' && result.waiver !== undefined;
}

export function summarize(results: readonly CheckResult[]): Required<Summary> {
  const summary: Required<Summary> = { passed: 0, warned: 0, failed: 0, skipped: 0, waived: 0 };
  for (const result of results) {
    if (result.status === 'pass') summary.passed += 1;
    else if (result.status === 'warn') summary.warned += 1;
    else if (result.status === 'fail') summary[result.waiver === undefined ? 'failed' : 'waived'] += 1;
    else summary.skipped += 1;
  }
  return summary;
}

// Several failed (or warned) checks whose origins share one dimension and value: one finding.
export interface Correlation {
  dimension: string;
  value: string;
  // The summary of the member with the highest confidence: what failed and what the healthy observations prove.
  summary: string;
  confidence: Origin['confidence'];
  // The members, as "suite › check", in the order they finished.
  checks: string[];
  failed: number;
  warned: number;
  // When the members' origins point at one component: that component, and each distinct origin.
  suspect?: string;
  origins?: string[];
}

const CONFIDENCE_RANK = { high: 0, medium: 1, low: 2 } as const;

// Groups failed and warned results by their structured origin: the component it points at when it
// names one, else its dimension and value (never by text). Only a group of two or more checks is a
// correlation; the largest group comes first.
export function correlate(results: readonly CheckResult[]): Correlation[] {
  const groups = new Map<string, { origin: Origin; members: CheckResult[] }>();
  for (const result of results) {
    if ((result.status !== 'fail' && result.status !== 'warn') || result.origin === undefined) continue;
    const key = JSON.stringify(result.origin.suspect === undefined ? [result.origin.dimension, result.origin.value] : ['suspect', result.origin.suspect]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { origin: result.origin, members: [result] });
    else {
      group.members.push(result);
      if (CONFIDENCE_RANK[result.origin.confidence] < CONFIDENCE_RANK[group.origin.confidence]) group.origin = result.origin;
    }
  }
  return [...groups.values()]
    .filter((group) => group.members.length > 1)
    .map(({ origin, members }) => {
      const origins = [...new Set(members.map((member) => `${member.origin?.dimension} ${member.origin?.value}`))];
      return {
        dimension: origin.dimension,
        value: origin.value,
        summary: origin.summary,
        confidence: origin.confidence,
        checks: members.map(checkName),
        failed: members.filter((member) => member.status === 'fail').length,
        warned: members.filter((member) => member.status === 'warn').length,
        ...(origin.suspect === undefined ? {} : { suspect: origin.suspect, origins }),
      };
    })
    .sort((a, b) => b.checks.length - a.checks.length);
}

// "suite › check", the name a person reads and a correlation lists.
export function checkName(result: Pick<CheckResult, 'suite' | 'check'>): string {
  return `${result.suite} › ${result.check}`;
}

// One line naming a correlation: "8 failed checks share one origin: source-node node2: <summary>".
export function describeCorrelation(correlation: Correlation): string {
  const kinds = [
    correlation.failed > 0 ? `${correlation.failed} failed` : undefined,
    correlation.warned > 0 ? `${correlation.warned} warned` : undefined,
  ].filter((kind) => kind !== undefined);
  if (correlation.suspect !== undefined && (correlation.origins ?? []).length > 1) {
    return `${kinds.join(' and ')} checks point at one component, ${correlation.suspect} (${(correlation.origins ?? []).join('; ')}): ${correlation.summary}`;
  }
  return `${kinds.join(' and ')} checks share one origin: ${correlation.dimension} ${correlation.value}: ${correlation.summary}`;
}
