// The result model every check produces and every reporter consumes.
// Titles and classifications are stable strings so CI can group failures across runs.

export const CHECK_STATUSES = ['pass', 'fail', 'skip'] as const;
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

// A labelled block of evidence: endpoints, events, the expected/observed matrix.
export interface Evidence {
  label: string;
  text: string;
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
}

interface CheckResultBase {
  suite: string;
  // Stable title of the check within its suite.
  check: string;
  durationMs: number;
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

export interface FailedCheck extends CheckResultBase {
  status: 'fail';
  classification: Classification;
}

export interface SkippedCheck extends CheckResultBase {
  status: 'skip';
  skipReason: string;
}

export type CheckResult = PassedCheck | FailedCheck | SkippedCheck;

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
  failed: number;
  skipped: number;
}

export function summarize(results: readonly CheckResult[]): Summary {
  const summary: Summary = { passed: 0, failed: 0, skipped: 0 };
  for (const result of results) {
    if (result.status === 'pass') summary.passed += 1;
    else if (result.status === 'fail') summary.failed += 1;
    else summary.skipped += 1;
  }
  return summary;
}
