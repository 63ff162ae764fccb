// Judging a route table: each request case against what came back (status, Location, and the
// echo of the backend that answered: pod, port, path, Host, headers), the whole table printed on a
// mismatch (request, expected, seen), and the propagation of a freshly applied route measured as
// the time until 3 answers in a row were right (Gateway API conformance's rule), never slept.
import { BACKENDS, requestHost, type Backend, type Expect, type RequestCase, type RouteTable } from './ingress-cases.ts';

// What one request saw, from the runner or from an agent.
export interface Seen {
  status?: number;
  location?: string;
  echo?: { pod: string; port: number; path: string; host: string; headers: Readonly<Record<string, string>> };
  // No HTTP answer: the classified error (refused, timeout, reset, TLS error).
  error?: string;
}

// Which pod names the suite's two backend pods have.
export interface BackendPods {
  pods: readonly [string, string];
}

export interface Verdict {
  ok: boolean;
  expected: string;
  seen: string;
}

export function backendOf(seen: Seen, pods: BackendPods): Backend | undefined {
  if (seen.echo === undefined) return undefined;
  const found = BACKENDS.find((b) => pods.pods[b.pod] === seen.echo?.pod && b.targetPort === seen.echo.port);
  return found?.name;
}

export function describeExpect(expect: Expect, host: string): string {
  switch (expect.kind) {
    case 'backend': {
      const extras = [
        ...(expect.host === undefined ? [] : [`Host ${expect.host}`]),
        ...Object.entries(expect.headers ?? {}).map(([name, value]) => (value === null ? `no ${name}` : `${name}: ${value}`)),
      ];
      return `${expect.backend} ${expect.path ?? '(same path)'}${extras.length === 0 ? '' : ` [${extras.join(', ')}]`}`;
    }
    case 'not-routed':
      return 'not routed (404 or default backend)';
    case 'redirect':
      return `${expect.status} -> ${expect.location.replaceAll('{host}', host)}`;
  }
}

export function describeSeen(seen: Seen, pods: BackendPods): string {
  if (seen.error !== undefined) return `error: ${seen.error}`;
  const backend = backendOf(seen, pods);
  if (seen.echo !== undefined) {
    const who = backend ?? `${seen.echo.pod}:${seen.echo.port} (not a backend of this run)`;
    return `${seen.status ?? '?'} ${who} ${seen.echo.path}`;
  }
  return `${seen.status ?? '?'}${seen.location === undefined ? '' : ` -> ${seen.location}`}`;
}

// The Location as a client follows it, resolved against the request URL.
export function absoluteLocation(location: string, scheme: 'http' | 'https', host: string, path: string): string {
  try {
    return new URL(location, `${scheme}://${host}${path}`).href;
  } catch {
    return location;
  }
}

function headersMatch(expected: Readonly<Record<string, string | null>>, seen: Readonly<Record<string, string>>): boolean {
  const lower = Object.fromEntries(Object.entries(seen).map(([k, v]) => [k.toLowerCase(), v]));
  return Object.entries(expected).every(([name, value]) => (value === null ? lower[name.toLowerCase()] === undefined : lower[name.toLowerCase()] === value));
}

export function judge(kase: RequestCase, seen: Seen, pods: BackendPods, domain: string, scheme: 'http' | 'https' = 'http'): Verdict {
  const host = requestHost(kase, domain);
  const expected = describeExpect(kase.expect, host);
  const text = describeSeen(seen, pods);
  const verdict = (ok: boolean): Verdict => ({ ok, expected, seen: text });
  if (seen.error !== undefined) return verdict(false);
  const expect = kase.expect;
  switch (expect.kind) {
    case 'backend': {
      if (seen.status !== 200 || seen.echo === undefined || backendOf(seen, pods) !== expect.backend) return verdict(false);
      if (seen.echo.path !== (expect.path ?? kase.path)) return verdict(false);
      if (expect.host !== undefined && seen.echo.host.replace(/:\d+$/, '').toLowerCase() !== expect.host.toLowerCase()) return verdict(false);
      return verdict(expect.headers === undefined || headersMatch(expect.headers, seen.echo.headers));
    }
    case 'not-routed':
      return verdict(seen.status !== undefined && backendOf(seen, pods) === undefined && (seen.status < 300 || seen.status >= 400));
    case 'redirect': {
      if (seen.status !== expect.status || seen.location === undefined) return verdict(false);
      const want = absoluteLocation(expect.location.replaceAll('{host}', host), scheme, host, kase.path);
      return verdict(absoluteLocation(seen.location, scheme, host, kase.path) === want);
    }
  }
}

export interface Row {
  kase: RequestCase;
  verdict: Verdict;
  // The last answer.
  seen?: Seen;
  // From apply to the first of 3 right answers in a row; undefined when it never settled.
  settledMs?: number;
}

const pad = (text: string, width: number) => (text.length >= width ? text : text + ' '.repeat(width - text.length));

// The whole table: one line per request, mismatches marked.
export function formatTable(rows: readonly Row[], domain: string): string {
  const cells = rows.map((row) => [
    row.verdict.ok ? ' ' : 'X',
    requestHost(row.kase, domain).replace(`.${domain}`, '.<run>').replace(`.${domain.toUpperCase()}`, '.<RUN>'),
    row.kase.path,
    row.verdict.expected,
    row.verdict.seen,
  ]);
  const header = [' ', 'host', 'request', 'expected', 'seen'];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length))));
  const line = (c: readonly string[]) =>
    c
      .map((text, i) => pad(text, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n');
}

// Tracks, per case, the streak of right answers; a case is settled at its third in a row.
export const STREAK = 3;

export interface Streak {
  run: number;
  firstOkMs?: number;
  settledMs?: number;
  last?: Verdict;
  lastSeen?: Seen;
}

export function advance(streak: Streak, verdict: Verdict, seen: Seen, atMs: number): Streak {
  if (streak.settledMs !== undefined) return streak;
  if (!verdict.ok) return { run: 0, last: verdict, lastSeen: seen };
  const firstOkMs = streak.run === 0 ? atMs : (streak.firstOkMs ?? atMs);
  const run = streak.run + 1;
  return { run, firstOkMs, last: verdict, lastSeen: seen, ...(run >= STREAK ? { settledMs: firstOkMs } : {}) };
}

export interface TableOutcome {
  rows: Row[];
  // Mismatching rows, split by level: spec cases fail, dialect cases are differences.
  specMismatches: Row[];
  dialectDifferences: Row[];
}

export function outcomeOf(table: RouteTable, rows: Row[]): TableOutcome {
  const bad = rows.filter((row) => !row.verdict.ok);
  void table;
  return { rows, specMismatches: bad.filter((row) => row.kase.level === 'spec'), dialectDifferences: bad.filter((row) => row.kase.level === 'dialect') };
}

export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}
