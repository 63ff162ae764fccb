// DNS questions and what their answers must be, as data: a query is built once, an expectation
// names what must come back, and one judge compares them. Every verdict line shows the question,
// the server asked, the rcode or timeout, and the answer received. Pure; unit-tested in
// dns-records.test.ts.
import type { DnsQueryType, DnsTarget, ProbeResult } from '../../agent/protocol.ts';
import { bare } from './dns-names.ts';

export function dnsQuery(server: string, name: string, type: DnsQueryType, timeoutMs: number, transport: 'udp' | 'tcp' = 'udp', id?: string): DnsTarget {
  return { id: id ?? `${type} ${name} @${server}/${transport}`, kind: 'dns', server, name, type, transport, timeoutMs };
}

// The data of the answers of one type ("10.96.0.1", "0 100 8089 web.ns.svc.cluster.local").
export function answersOf(result: ProbeResult | undefined, type: string): string[] {
  return (result?.dns?.answers ?? []).filter((answer) => answer.type === type).map((answer) => answer.data);
}

export interface Srv {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

// The agent writes SRV data as "priority weight port target".
export function parseSrv(data: string): Srv | undefined {
  const [priority, weight, port, target] = data.trim().split(/\s+/);
  if (target === undefined || [priority, weight, port].some((n) => !/^\d+$/.test(n ?? ''))) return undefined;
  return { priority: Number(priority), weight: Number(weight), port: Number(port), target: bare(target) };
}

export type DnsExpectation =
  // NOERROR with exactly these addresses of the type (A or AAAA), in any order.
  | { name: string; kind: 'addresses'; type: 'A' | 'AAAA'; addresses: readonly string[] }
  // NOERROR with at least one answer (A, AAAA or CNAME): a name that resolves.
  | { name: string; kind: 'resolves' }
  | { name: string; kind: 'cname'; target: string }
  | { name: string; kind: 'srv'; port: number; targets: readonly string[] }
  | { name: string; kind: 'ptr'; ends: string }
  | { name: string; kind: 'nxdomain'; withinMs: number }
  // A UDP answer cut short (TC set), which a resolver retries over TCP.
  | { name: string; kind: 'truncated' }
  | { name: string; kind: 'count'; type: 'A' | 'AAAA' | 'TXT'; atLeast: number }
  // NXDOMAIN, or NOERROR without records of the type: what makes glibc try the next search domain.
  | { name: string; kind: 'no-records'; type: 'A' | 'AAAA' };

export interface DnsVerdict {
  ok: boolean;
  // `A web.ns.svc.cluster.local @10.96.0.10/udp: expected A 10.96.5.5, saw NOERROR A 10.96.5.6 (3ms)`
  line: string;
}

function expectedText(e: DnsExpectation): string {
  switch (e.kind) {
    case 'addresses':
      return `${e.type} ${[...e.addresses].sort().join(', ') || '(none)'}`;
    case 'resolves':
      return 'an address';
    case 'cname':
      return `CNAME ${e.target}`;
    case 'srv':
      return `SRV port ${e.port} -> ${e.targets.join(', ')}`;
    case 'ptr':
      return `PTR *${e.ends}`;
    case 'nxdomain':
      return `NXDOMAIN within ${e.withinMs}ms`;
    case 'truncated':
      return 'a truncated answer (TC)';
    case 'count':
      return `at least ${e.atLeast} ${e.type} records`;
    case 'no-records':
      return `NXDOMAIN or no ${e.type} record`;
  }
}

// What came back, in one phrase: rcode, flags, answers, time; or the transport failure.
export function seenText(result: ProbeResult | undefined): string {
  if (result === undefined) return 'no result';
  const dns = result.dns;
  if (dns === undefined) return `${result.outcome}${result.code === undefined ? '' : ` (${result.code})`} after ${Math.round(result.ms)}ms: ${result.detail}`;
  const answers = dns.answers.filter((a) => a.type !== 'OPT');
  const shown = answers.slice(0, 6).map((a) => `${a.type} ${a.data}`);
  const more = answers.length > shown.length ? ` +${answers.length - shown.length} more` : '';
  const retried = dns.truncatedOverUdp === undefined ? '' : ' over TCP after TC';
  const size = dns.size === undefined ? '' : `, ${dns.size} bytes`;
  return `${dns.rcode}${dns.flags.tc ? ' TC' : ''}${retried} ${shown.join(', ') || 'no answer'}${more} (${Math.round(result.ms)}ms${size})`;
}

function holds(e: DnsExpectation, result: ProbeResult | undefined): boolean {
  const dns = result?.dns;
  if (dns === undefined) return false;
  const noerror = dns.rcode === 'NOERROR';
  switch (e.kind) {
    case 'addresses': {
      const seen = answersOf(result, e.type).sort();
      return noerror && seen.length === e.addresses.length && [...e.addresses].sort().every((a, i) => a === seen[i]);
    }
    case 'resolves':
      return noerror && dns.answers.some((a) => a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME');
    case 'cname':
      return noerror && answersOf(result, 'CNAME').some((t) => bare(t) === bare(e.target));
    case 'srv': {
      const records = answersOf(result, 'SRV').map(parseSrv);
      const targets = records.map((r) => r?.target ?? '').sort();
      const wanted = e.targets.map(bare).sort();
      return noerror && records.every((r) => r?.port === e.port) && targets.length === wanted.length && wanted.every((t, i) => t === targets[i]);
    }
    case 'ptr':
      return noerror && answersOf(result, 'PTR').some((p) => bare(p).endsWith(bare(e.ends)));
    case 'nxdomain':
      return dns.rcode === 'NXDOMAIN' && (result?.ms ?? Infinity) <= e.withinMs;
    case 'truncated':
      return dns.flags.tc;
    case 'count':
      return noerror && !dns.flags.tc && answersOf(result, e.type).length >= e.atLeast;
    case 'no-records':
      return dns.rcode === 'NXDOMAIN' || (noerror && answersOf(result, e.type).length === 0);
  }
}

export function judgeDns(query: DnsTarget, expected: DnsExpectation, result: ProbeResult | undefined): DnsVerdict {
  const question = `${query.type} ${query.name} @${query.server}/${query.transport}`;
  return { ok: holds(expected, result), line: `${question}: expected ${expectedText(expected)}, saw ${seenText(result)}` };
}
