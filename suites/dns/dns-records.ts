// DNS questions and what their answers must be, as data: a query is built once, a named preset of
// the one expectation vocabulary says what must come back (judged by helpers/probe/expectations.ts),
// and seenText says in one phrase what did. Pure; unit-tested in dns-records.test.ts.
import type { DnsQueryType, DnsTarget, ProbeResult } from '../../agent/protocol.ts';
import { EXPECT, dnsRecords, within, type Expectation } from '../../helpers/probe/expectations.ts';
import { bare } from './dns-names.ts';

export function dnsQuery(server: string, name: string, type: DnsQueryType, timeoutMs: number, transport: 'udp' | 'tcp' = 'udp', id?: string): DnsTarget {
  return { id: id ?? `${type} ${name} @${server}/${transport}`, kind: 'dns', server, name, type, transport, timeoutMs };
}

// What a DNS answer must be, as named presets on the one expectation vocabulary
// (helpers/probe/expectations.ts), judged in the runner by its judge().
export const DNS = {
  // NOERROR with exactly these addresses of the type, in any order.
  addresses: (type: 'A' | 'AAAA', addresses: readonly string[]): Expectation => dnsRecords({ type, equals: addresses }),
  // NOERROR with at least one record of the query's type (a CNAME chain ends in one): a name that resolves.
  resolves: (): Expectation => ({ ...dnsRecords({ count: { min: 1 } }), name: 'NOERROR with an address' }),
  cname: (target: string): Expectation => dnsRecords({ type: 'CNAME', contains: [bare(target)] }),
  srv: (port: number, targets: readonly string[]): Expectation => dnsRecords({ type: 'SRV', srv: { port, targets } }),
  // The reverse answer names this one among its records (an address behind several Services has several).
  ptr: (name: string): Expectation => dnsRecords({ type: 'PTR', contains: [bare(name)] }),
  nxdomain: (withinMs: number): Expectation => within(withinMs, EXPECT.nxdomain),
  // A UDP answer cut short (TC set), which a resolver retries over TCP.
  truncated: (): Expectation => dnsRecords({ tc: true }),
  // At least this many records, whole (no TC).
  count: (type: 'A' | 'AAAA' | 'TXT', min: number): Expectation => dnsRecords({ type, count: { min }, tc: false }),
  // NXDOMAIN, or NOERROR without records of the type: what makes glibc try the next search domain.
  noRecords: (type: 'A' | 'AAAA'): Expectation => ({
    ...dnsRecords({ type, rcode: ['NXDOMAIN', 'NOERROR'], count: { max: 0 } }),
    name: `NXDOMAIN or no ${type} record`,
  }),
} as const;

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
