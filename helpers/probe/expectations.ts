// One way to say what must happen: an Expectation is data (named presets plus matchers), judged in
// the runner against what a probe saw, never inside the agent. Every judgement returns ok, the
// classification a failure would carry, and one line each for what was expected and what was seen.
//
//   answered                   any answer (HTTP 2xx, an echo reply, a DNS NOERROR)
//   answeredBy({ pod, node, port, path, host, clientIP })   an answer from this backend, as it saw the request
//   refused / silent / blocked the connection is refused / nothing comes back / either (or reset, unreachable)
//   httpStatus(404)            an HTTP answer with this status
//   tlsVerified / tlsFailed(r) the handshake verified, or failed with a reason containing r
//   dnsRecords({ rcode, type, equals, contains, tc, via })   the DNS answer (rcode, record set, TC bit, transport)
//   within(ms, e)              e, and the outcome within ms
import type { DnsTarget, ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import type { Classification } from '../result.ts';

export interface AnsweredBy {
  // One of these pods answered.
  pod?: string | readonly string[];
  node?: string | readonly string[];
  // The container port that answered (HTTP echo).
  port?: number;
  // The path and Host header the backend saw, and the client address it saw.
  path?: string;
  host?: string;
  clientIP?: string;
}

export interface DnsMatch {
  // Default NOERROR; a list accepts any of them (NXDOMAIN or an empty NOERROR: "no such record").
  rcode?: string | readonly string[];
  // The record type compared (default the query's type).
  type?: string;
  // The record data of that type, as a set: exactly these, or at least these.
  equals?: readonly string[];
  contains?: readonly string[];
  // How many records of that type.
  count?: { min?: number; max?: number };
  // SRV records: every one names this port, and their targets are exactly these names.
  srv?: { port: number; targets: readonly string[] };
  // The TC (truncated) bit.
  tc?: boolean;
  // Answered over this transport (an answer retried over TCP after a truncated UDP one counts as TCP).
  via?: 'udp' | 'tcp';
  // The UDP answer was truncated and the query asked again over TCP (tcpOnTruncation), or not.
  retriedOverTcp?: boolean;
}

export interface Expectation {
  // How reports name it: "answered", "refused", "HTTP 404", "A = 10.0.0.1".
  name: string;
  answer: 'answered' | 'refused' | 'silent' | 'blocked' | 'tls-failed';
  status?: number;
  by?: AnsweredBy;
  tls?: { verified: true } | { reason: string };
  dns?: DnsMatch;
  // The outcome (answer, refusal) arrives within this many milliseconds.
  withinMs?: number;
  // The HTTP body (when it is not an echo) contains this.
  body?: string;
}

export interface Judgement {
  ok: boolean;
  // What a failure is classified as (meaningful when !ok).
  classification: Classification;
  expected: string;
  observed: string;
}

export const EXPECT = {
  answered: { name: 'answered', answer: 'answered' },
  refused: { name: 'refused', answer: 'refused' },
  silent: { name: 'silent (dropped)', answer: 'silent' },
  blocked: { name: 'blocked', answer: 'blocked' },
  http404: { name: 'HTTP 404', answer: 'answered', status: 404 },
  http503: { name: 'HTTP 503', answer: 'answered', status: 503 },
  nxdomain: { name: 'NXDOMAIN', answer: 'answered', dns: { rcode: 'NXDOMAIN' } },
  tlsVerified: { name: 'TLS verified', answer: 'answered', tls: { verified: true } },
} as const satisfies Record<string, Expectation>;

const list = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);

export function answeredBy(by: AnsweredBy, name?: string): Expectation {
  return { name: name ?? `answered by ${describeBy(by)}`, answer: 'answered', by };
}

export function httpStatus(status: number, by?: AnsweredBy): Expectation {
  return { name: `HTTP ${status}`, answer: 'answered', status, ...(by === undefined ? {} : { by }) };
}

export function tlsFailed(reason: string): Expectation {
  return { name: `TLS fails (${reason})`, answer: 'tls-failed', tls: { reason } };
}

export function dnsRecords(match: DnsMatch): Expectation {
  return { name: describeDns(match), answer: 'answered', dns: match };
}

export function within(ms: number, expectation: Expectation): Expectation {
  return { ...expectation, name: `${expectation.name} within ${ms}ms`, withinMs: ms };
}

function describeBy(by: AnsweredBy): string {
  const parts: string[] = [];
  if (by.pod !== undefined) parts.push(list(by.pod).join(' or '));
  if (by.node !== undefined) parts.push(`on ${list(by.node).join(' or ')}`);
  if (by.port !== undefined) parts.push(`port ${by.port}`);
  if (by.path !== undefined) parts.push(`path ${by.path}`);
  if (by.host !== undefined) parts.push(`host ${by.host}`);
  if (by.clientIP !== undefined) parts.push(`seeing client ${by.clientIP}`);
  return parts.join(' ') || 'any backend';
}

function describeDns(match: DnsMatch): string {
  const parts = [typeof match.rcode === 'object' ? match.rcode.join(' or ') : (match.rcode ?? 'NOERROR')];
  if (match.equals !== undefined) parts.push(`${match.type ?? 'records'} = ${[...match.equals].sort().join(', ') || '(none)'}`);
  if (match.contains !== undefined) parts.push(`${match.type ?? 'records'} include ${match.contains.join(', ')}`);
  if (match.count?.min !== undefined) parts.push(`at least ${match.count.min} ${match.type ?? 'records'}`);
  if (match.count?.max !== undefined) parts.push(`at most ${match.count.max} ${match.type ?? 'records'}`);
  if (match.srv !== undefined) parts.push(`SRV port ${match.srv.port} -> ${[...match.srv.targets].sort().join(', ') || '(none)'}`);
  if (match.tc !== undefined) parts.push(match.tc ? 'TC set' : 'TC clear');
  if (match.via !== undefined) parts.push(`over ${match.via.toUpperCase()}`);
  if (match.retriedOverTcp !== undefined) parts.push(match.retriedOverTcp ? 'truncated over UDP, then over TCP' : 'not truncated over UDP');
  return parts.join(', ');
}

export function describeExpectation(expectation: Expectation): string {
  return expectation.name;
}

// One short phrase for what a probe saw: "HTTP 200 from probe-1 port 8080 in 3ms", "refused (ECONNREFUSED)".
export function describeResult(result: ProbeResult | undefined): string {
  if (result === undefined) return 'no result';
  const ms = `in ${Math.round(result.ms)}ms`;
  const echo = result.http?.echo;
  switch (result.outcome) {
    case 'ok':
      if (echo !== undefined) return `HTTP ${result.http?.status ?? '?'} from ${echo.pod} port ${echo.port} (client ${echo.clientIP}) ${ms}`;
      if (result.reply !== undefined) return `echo from ${result.reply.pod} ${ms}`;
      if (result.dns !== undefined) return `DNS ${result.dns.rcode} ${answersOf(result).join(', ') || '(no records)'}${result.dns.flags.tc ? ' TC' : ''} ${ms}`;
      return `ok ${ms}`;
    case 'http-status':
      return `HTTP ${result.http?.status ?? '?'}${echo === undefined ? '' : ` from ${echo.pod}`}`;
    case 'dns-error':
      return `DNS ${result.dns?.rcode ?? 'error'}`;
    default:
      return `${result.outcome}${result.code === undefined ? '' : ` (${result.code})`}${result.outcome === 'timeout' ? ` after ${Math.round(result.ms)}ms` : ''}`;
  }
}

function answersOf(result: ProbeResult, type?: string): string[] {
  return (result.dns?.answers ?? []).filter((a) => type === undefined || a.type === type).map((a) => a.data);
}

// The pod that answered an HTTP, TCP or UDP echo probe.
export function answeringPod(result: ProbeResult | undefined): string | undefined {
  return result?.http?.echo?.pod ?? result?.reply?.pod;
}

// Whether anything answered at the application level: an HTTP response, an echo, a DNS response.
function gotAnswer(result: ProbeResult, target: ProbeTarget | undefined): boolean {
  if (result.http !== undefined) return result.outcome === 'ok' || result.outcome === 'http-status';
  if (result.dns !== undefined || target?.kind === 'dns') return result.dns !== undefined;
  return result.outcome === 'ok';
}

const BLOCKED = new Set(['refused', 'timeout', 'reset', 'unreachable']);

// The classification of a probe that did not answer as wanted.
export function classify(result: ProbeResult | undefined): Classification {
  if (result === undefined) return 'error';
  switch (result.outcome) {
    case 'ok':
      return 'mismatch';
    case 'protocol-error':
      return 'error';
    default:
      return result.outcome;
  }
}

// Judges one probe's result against an expectation. `target` (the probe sent) tells a DNS query
// over TCP from one over UDP; `error` is why the agent could not be asked at all.
export function judge(expectation: Expectation, result: ProbeResult | undefined, target?: ProbeTarget, error?: string): Judgement {
  const expected = expectation.name;
  const observed = error ?? describeResult(result);
  const verdict = (ok: boolean, classification: Classification, why?: string): Judgement => ({
    ok,
    classification,
    expected,
    observed: why === undefined ? observed : `${observed} (${why})`,
  });
  if (result === undefined) return verdict(false, 'error');
  const timely = expectation.withinMs === undefined || result.ms <= expectation.withinMs;
  const late = `took ${Math.round(result.ms)}ms, over ${expectation.withinMs}ms`;
  switch (expectation.answer) {
    case 'refused':
      if (result.outcome !== 'refused') return verdict(false, gotAnswer(result, target) ? 'mismatch' : classify(result));
      return timely ? verdict(true, 'refused') : verdict(false, 'timeout', late);
    case 'silent':
      return result.outcome === 'timeout' ? verdict(true, 'mismatch') : verdict(false, 'mismatch');
    case 'blocked':
      return BLOCKED.has(result.outcome)
        ? verdict(true, 'mismatch')
        : verdict(false, result.outcome === 'error' || result.outcome === 'protocol-error' ? 'error' : 'mismatch');
    case 'tls-failed': {
      if (result.outcome !== 'tls-error') return verdict(false, result.outcome === 'ok' || result.outcome === 'http-status' ? 'mismatch' : classify(result));
      const reason = expectation.tls !== undefined && 'reason' in expectation.tls ? expectation.tls.reason : '';
      const text = `${result.code ?? ''} ${result.detail}`.toLowerCase();
      return text.includes(reason.toLowerCase()) ? verdict(true, 'tls-error') : verdict(false, 'tls-error', `reason lacks "${reason}"`);
    }
    case 'answered':
      break;
  }
  if (!gotAnswer(result, target)) return verdict(false, classify(result));
  if (result.http !== undefined) {
    const status = result.http.status;
    const statusOk = expectation.status === undefined ? status >= 200 && status < 300 : status === expectation.status;
    if (!statusOk) return verdict(false, 'http-status', `wanted ${expectation.status ?? '2xx'}`);
    if (expectation.body !== undefined && !(result.http.body ?? '').includes(expectation.body))
      return verdict(false, 'mismatch', `body lacks ${JSON.stringify(expectation.body)}`);
  }
  if (expectation.dns !== undefined) {
    const wrong = dnsProblem(expectation.dns, result, target);
    if (wrong !== undefined) return verdict(false, wrong.classification, wrong.why);
  } else if (target?.kind === 'dns' && result.dns?.rcode !== 'NOERROR') {
    return verdict(false, 'dns-error');
  }
  if (expectation.by !== undefined) {
    const wrong = byProblem(expectation.by, result);
    if (wrong !== undefined) return verdict(false, wrong.classification, wrong.why);
  }
  return timely ? verdict(true, 'mismatch') : verdict(false, 'timeout', late);
}

function dnsProblem(match: DnsMatch, result: ProbeResult, target: ProbeTarget | undefined): { classification: Classification; why: string } | undefined {
  const dns = result.dns;
  if (dns === undefined) return { classification: 'dns-error', why: 'no DNS answer' };
  const rcodes: readonly string[] = typeof match.rcode === 'object' ? match.rcode : [match.rcode ?? 'NOERROR'];
  if (!rcodes.includes(dns.rcode)) return { classification: 'dns-error', why: `rcode ${dns.rcode}, wanted ${rcodes.join(' or ')}` };
  if (match.tc !== undefined && dns.flags.tc !== match.tc) return { classification: 'mismatch', why: `TC ${dns.flags.tc ? 'set' : 'clear'}` };
  const retried = dns.truncatedOverUdp !== undefined;
  const via = retried ? 'tcp' : target?.kind === 'dns' ? (target satisfies DnsTarget).transport : undefined;
  if (match.via !== undefined && via !== match.via) return { classification: 'mismatch', why: `answered over ${via ?? 'an unknown transport'}` };
  if (match.retriedOverTcp !== undefined && retried !== match.retriedOverTcp)
    return { classification: 'mismatch', why: retried ? 'truncated over UDP, retried over TCP' : 'not retried over TCP' };
  const type = match.type ?? (target?.kind === 'dns' ? target.type : undefined);
  const records = answersOf(result, type);
  if (match.equals !== undefined) {
    const want = [...match.equals].sort();
    const got = [...new Set(records)].sort();
    if (want.length !== got.length || want.some((value, i) => value !== got[i])) {
      const missing = want.filter((v) => !got.includes(v));
      const extra = got.filter((v) => !want.includes(v));
      return {
        classification: 'mismatch',
        why: [missing.length > 0 ? `missing ${missing.join(', ')}` : '', extra.length > 0 ? `extra ${extra.join(', ')}` : '']
          .filter((s) => s !== '')
          .join('; '),
      };
    }
  }
  if (match.contains !== undefined) {
    const missing = match.contains.filter((v) => !records.includes(v));
    if (missing.length > 0) return { classification: 'mismatch', why: `missing ${missing.join(', ')}` };
  }
  if (match.count?.min !== undefined && records.length < match.count.min)
    return { classification: 'mismatch', why: `${records.length} ${type ?? 'records'}, wanted at least ${match.count.min}` };
  if (match.count?.max !== undefined && records.length > match.count.max)
    return { classification: 'mismatch', why: `${records.length} ${type ?? 'records'}, wanted at most ${match.count.max}` };
  if (match.srv !== undefined) {
    // "priority weight port target", as the agent writes SRV data; names compared without the trailing dot.
    const srv = answersOf(result, 'SRV').map((data) => data.trim().split(/\s+/));
    const bare = (name: string) => name.replace(/\.$/, '').toLowerCase();
    const ports = srv.filter((fields) => fields[2] !== String(match.srv?.port)).map((fields) => fields[2] ?? '?');
    if (ports.length > 0) return { classification: 'mismatch', why: `SRV port ${ports.join(', ')}, wanted ${match.srv.port}` };
    const got = srv.map((fields) => bare(fields[3] ?? '')).sort();
    const want = match.srv.targets.map(bare).sort();
    if (got.length !== want.length || want.some((t, i) => t !== got[i]))
      return { classification: 'mismatch', why: `SRV targets ${got.join(', ') || '(none)'}` };
  }
  return undefined;
}

function byProblem(by: AnsweredBy, result: ProbeResult): { classification: Classification; why: string } | undefined {
  const echo = result.http?.echo;
  const pod = answeringPod(result);
  if (by.pod !== undefined && (pod === undefined || !list(by.pod).includes(pod)))
    return { classification: 'wrong-backend', why: `wanted ${list(by.pod).join(' or ')}` };
  if (by.node !== undefined && (echo === undefined || !list(by.node).includes(echo.node)))
    return { classification: 'wrong-backend', why: `answered on ${echo?.node ?? 'an unknown node'}, wanted ${list(by.node).join(' or ')}` };
  if (by.port !== undefined && result.http !== undefined && echo?.port !== by.port)
    return { classification: 'wrong-backend', why: `port ${echo?.port ?? '?'}, wanted ${by.port}` };
  if (by.path !== undefined && echo?.path !== by.path) return { classification: 'mismatch', why: `path ${echo?.path ?? '?'}, wanted ${by.path}` };
  if (by.host !== undefined && echo?.host !== by.host) return { classification: 'mismatch', why: `host ${echo?.host ?? '?'}, wanted ${by.host}` };
  if (by.clientIP !== undefined && echo?.clientIP !== by.clientIP)
    return { classification: 'mismatch', why: `client ${echo?.clientIP ?? '?'}, wanted ${by.clientIP}` };
  return undefined;
}

export function meets(result: ProbeResult | undefined, expectation: Expectation, target?: ProbeTarget): boolean {
  return judge(expectation, result, target).ok;
}

// Truth-table symbols: "." reached, "X" blocked (refused, timeout, reset, unreachable), "?" not observed.
export function symbolOf(result: ProbeResult | undefined): '.' | 'X' | '?' {
  if (result === undefined) return '?';
  if (
    result.outcome === 'ok' ||
    result.outcome === 'http-status' ||
    result.outcome === 'tls-error' ||
    (result.outcome === 'dns-error' && result.dns !== undefined)
  )
    return '.';
  if (BLOCKED.has(result.outcome)) return 'X';
  return '?';
}

export function expectedSymbol(expectation: Expectation): '.' | 'X' {
  return expectation.answer === 'answered' || expectation.answer === 'tls-failed' ? '.' : 'X';
}
