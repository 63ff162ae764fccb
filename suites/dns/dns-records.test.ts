import { describe, expect, it } from 'vitest';
import type { DnsAnswer, ProbeResult } from '../../agent/protocol.ts';
import { dnsQuery, judgeDns, parseSrv, seenText } from './dns-records.ts';

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
    expect(q).toEqual({ id: 'A web.ns.svc.cluster.local @10.96.0.10/udp', kind: 'dns', server: '10.96.0.10', name: 'web.ns.svc.cluster.local', type: 'A', transport: 'udp', timeoutMs: 2000 });
    expect(dnsQuery('10.244.1.2', 'x', 'SRV', 500, 'tcp', 'id-1')).toMatchObject({ id: 'id-1', transport: 'tcp', type: 'SRV' });
  });
});

describe('parseSrv', () => {
  it('reads the agent\'s "priority weight port target" form', () => {
    expect(parseSrv('0 100 8089 web.ns.svc.cluster.local.')).toEqual({ priority: 0, weight: 100, port: 8089, target: 'web.ns.svc.cluster.local' });
    expect(parseSrv('garbage')).toBeUndefined();
  });
});

describe('judgeDns', () => {
  it('matches address sets in any order and shows question, server, rcode and answers when not', () => {
    const expected = { name: 'headless', kind: 'addresses', type: 'A', addresses: ['10.244.1.5', '10.244.2.5'] } as const;
    expect(judgeDns(q, expected, answer('NOERROR', [a('x', '10.244.2.5'), a('x', '10.244.1.5')])).ok).toBe(true);
    const wrong = judgeDns(q, expected, answer('NOERROR', [a('x', '10.244.1.5')]));
    expect(wrong).toEqual({ ok: false, line: 'A web.ns.svc.cluster.local @10.96.0.10/udp: expected A 10.244.1.5, 10.244.2.5, saw NOERROR A 10.244.1.5 (3ms)' });
  });

  it('reports a timeout as such', () => {
    const timeout: ProbeResult = { id: 'q', kind: 'dns', outcome: 'timeout', ms: 2000, detail: 'no answer within 2000 ms', code: 'ETIMEDOUT' };
    expect(judgeDns(q, { name: 'x', kind: 'resolves' }, timeout).line).toBe('A web.ns.svc.cluster.local @10.96.0.10/udp: expected an address, saw timeout (ETIMEDOUT) after 2000ms: no answer within 2000 ms');
  });

  it('wants NXDOMAIN quickly', () => {
    const expected = { name: 'none', kind: 'nxdomain', withinMs: 1000 } as const;
    expect(judgeDns(q, expected, answer('NXDOMAIN', [], 4)).ok).toBe(true);
    expect(judgeDns(q, expected, answer('NXDOMAIN', [], 1500)).ok).toBe(false);
    expect(judgeDns(q, expected, answer('NOERROR', [])).ok).toBe(false);
  });

  it('checks CNAME, SRV, PTR, truncation and record counts', () => {
    expect(judgeDns(q, { name: 'x', kind: 'cname', target: 'kubernetes.default.svc.cluster.local' }, answer('NOERROR', [{ name: 'x', type: 'CNAME', ttl: 30, data: 'kubernetes.default.svc.cluster.local' }])).ok).toBe(true);
    const srv = answer('NOERROR', [{ name: 's', type: 'SRV', ttl: 30, data: '0 100 8089 web.ns.svc.cluster.local' }]);
    expect(judgeDns(q, { name: 's', kind: 'srv', port: 8089, targets: ['web.ns.svc.cluster.local.'] }, srv).ok).toBe(true);
    expect(judgeDns(q, { name: 's', kind: 'srv', port: 80, targets: ['web.ns.svc.cluster.local'] }, srv).ok).toBe(false);
    expect(judgeDns(q, { name: 'p', kind: 'ptr', ends: 'web.ns.svc.cluster.local' }, answer('NOERROR', [{ name: 'p', type: 'PTR', ttl: 30, data: 'web.ns.svc.cluster.local.' }])).ok).toBe(true);
    const cut = answer('NOERROR', [a('x', '1.1.1.1')], 3, true);
    expect(judgeDns(q, { name: 'big', kind: 'truncated' }, cut).ok).toBe(true);
    expect(judgeDns(q, { name: 'big', kind: 'count', type: 'A', atLeast: 1 }, cut).ok).toBe(false);
    expect(seenText(cut)).toBe('NOERROR TC A 1.1.1.1 (3ms)');
  });
});
