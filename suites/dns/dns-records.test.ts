import { describe, expect, it } from 'vitest';
import type { DnsAnswer, DnsTarget, ProbeResult } from '../../agent/protocol.ts';
import { judge, type Expectation } from '../../helpers/probe/expectations.ts';
import { DNS, dnsQuery, seenText } from './dns-records.ts';

const flags = { aa: true, tc: false, rd: true, ra: true, ad: false, cd: false };
const answer = (rcode: string, answers: DnsAnswer[], ms = 3, tc = false): ProbeResult => ({
  id: 'q',
  kind: 'dns',
  outcome: rcode === 'NOERROR' ? 'ok' : 'dns-error',
  ms,
  detail: rcode,
  dns: { rcode, flags: { ...flags, tc }, answers },
});
const a = (name: string, data: string): DnsAnswer => ({ name, type: 'A', ttl: 30, data });
const q = dnsQuery('10.96.0.10', 'web.ns.svc.cluster.local', 'A', 2000);

describe('dnsQuery', () => {
  it('builds a probe target the agent sends with dns-packet', () => {
    expect(q).toEqual({
      id: 'A web.ns.svc.cluster.local @10.96.0.10/udp',
      kind: 'dns',
      server: '10.96.0.10',
      name: 'web.ns.svc.cluster.local',
      type: 'A',
      transport: 'udp',
      timeoutMs: 2000,
    });
    expect(dnsQuery('10.244.1.2', 'x', 'SRV', 500, 'tcp', 'id-1')).toMatchObject({ id: 'id-1', transport: 'tcp', type: 'SRV' });
  });
});

const judged = (expectation: Expectation, result: ProbeResult, target: DnsTarget = q) => judge(expectation, result, target);

describe('DNS presets on the one expectation vocabulary', () => {
  it('match address sets in any order and say what is missing', () => {
    const expected = DNS.addresses('A', ['10.244.1.5', '10.244.2.5']);
    expect(judged(expected, answer('NOERROR', [a('x', '10.244.2.5'), a('x', '10.244.1.5')])).ok).toBe(true);
    expect(judged(expected, answer('NOERROR', [a('x', '10.244.1.5')]))).toMatchObject({
      ok: false,
      classification: 'mismatch',
      expected: 'NOERROR, A = 10.244.1.5, 10.244.2.5',
    });
  });

  it('want NXDOMAIN quickly', () => {
    expect(judged(DNS.nxdomain(1000), answer('NXDOMAIN', [], 4)).ok).toBe(true);
    expect(judged(DNS.nxdomain(1000), answer('NXDOMAIN', [], 1500))).toMatchObject({ ok: false, classification: 'timeout' });
    expect(judged(DNS.nxdomain(1000), answer('NOERROR', [])).ok).toBe(false);
  });

  it('tell a name that resolves from an empty answer, and "no such record" from an address', () => {
    expect(judged(DNS.resolves(), answer('NOERROR', [a('x', '1.1.1.1')])).ok).toBe(true);
    expect(judged(DNS.resolves(), answer('NOERROR', [])).ok).toBe(false);
    expect(judged(DNS.noRecords('A'), answer('NXDOMAIN', [])).ok).toBe(true);
    expect(judged(DNS.noRecords('A'), answer('NOERROR', [])).ok).toBe(true);
    expect(judged(DNS.noRecords('A'), answer('NOERROR', [a('x', '1.1.1.1')]))).toMatchObject({ ok: false, expected: 'NXDOMAIN or no A record' });
  });

  it('check CNAME, SRV port and targets, a PTR among several, truncation and whole large answers', () => {
    const cname = answer('NOERROR', [{ name: 'x', type: 'CNAME', ttl: 30, data: 'kubernetes.default.svc.cluster.local' }]);
    expect(judged(DNS.cname('kubernetes.default.svc.cluster.local.'), cname).ok).toBe(true);
    const srv = answer('NOERROR', [{ name: 's', type: 'SRV', ttl: 30, data: '0 100 8089 web.ns.svc.cluster.local.' }]);
    const srvQ = dnsQuery('10.96.0.10', '_http._tcp.web.ns.svc.cluster.local', 'SRV', 2000);
    expect(judged(DNS.srv(8089, ['web.ns.svc.cluster.local']), srv, srvQ).ok).toBe(true);
    expect(judged(DNS.srv(80, ['web.ns.svc.cluster.local']), srv, srvQ).ok).toBe(false);
    expect(judged(DNS.srv(8089, ['web.ns.svc.cluster.local', 'other.ns.svc.cluster.local']), srv, srvQ).ok).toBe(false);
    const ptrQ = dnsQuery('10.96.0.10', '5.1.244.10.in-addr.arpa', 'PTR', 2000);
    const ptrs = answer(
      'NOERROR',
      ['other-1', 'other-2', 'dns-ptr-pods'].map((svc) => ({ name: 'p', type: 'PTR', ttl: 30, data: `10-244-1-5.${svc}.ns.svc.cluster.local` })),
    );
    expect(judged(DNS.ptr('10-244-1-5.dns-ptr-pods.ns.svc.cluster.local'), ptrs, ptrQ).ok).toBe(true);
    expect(judged(DNS.ptr('10-244-1-5.missing.ns.svc.cluster.local'), ptrs, ptrQ).ok).toBe(false);
    const cut = answer('NOERROR', [a('x', '1.1.1.1')], 3, true);
    expect(judged(DNS.truncated(), cut).ok).toBe(true);
    expect(judged(DNS.count('A', 1), cut).ok).toBe(false);
    expect(judged(DNS.count('A', 1), answer('NOERROR', [a('x', '1.1.1.1')])).ok).toBe(true);
    expect(seenText(cut)).toBe('NOERROR TC A 1.1.1.1 (3ms)');
  });
});
