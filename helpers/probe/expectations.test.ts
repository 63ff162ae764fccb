import { describe, expect, it } from 'vitest';
import type { DnsTarget, ProbeResult } from '../../agent/protocol.ts';
import { EXPECT, answeredBy, classify, describeResult, dnsRecords, httpStatus, judge, meets, symbolOf, tlsFailed, within } from './expectations.ts';

const result = (overrides: Partial<ProbeResult>): ProbeResult => ({ id: 'x', kind: 'http', outcome: 'ok', ms: 3.2, detail: '', ...overrides });
const echo = (pod: string, port: number, extra: Record<string, string> = {}) =>
  result({
    http: {
      status: 200,
      headers: {},
      echo: {
        pod,
        port,
        namespace: 'ns',
        node: 'node1',
        podIP: '10.0.0.1',
        clientIP: '10.0.0.9',
        clientPort: 1,
        method: 'GET',
        path: '/',
        host: 'svc',
        headers: {},
        ...extra,
      },
    },
  });
const flags = { aa: false, tc: false, rd: true, ra: true, ad: false, cd: false };
const dns = (rcode: string, data: string[], tc = false): ProbeResult =>
  result({
    kind: 'dns',
    outcome: rcode === 'NOERROR' ? 'ok' : 'dns-error',
    dns: { rcode, flags: { ...flags, tc }, answers: data.map((d) => ({ name: 'n', type: 'A', ttl: 5, data: d })) },
  });
const query = (via: 'udp' | 'tcp'): DnsTarget => ({ id: 'q', kind: 'dns', server: '10.96.0.10', name: 'n', type: 'A', transport: via, timeoutMs: 1000 });

describe('expectations', () => {
  it('judge answered, refused, silent and blocked from the outcome', () => {
    expect(meets(result({}), EXPECT.answered)).toBe(true);
    expect(judge(EXPECT.answered, result({ outcome: 'refused', code: 'ECONNREFUSED' }))).toEqual({
      ok: false,
      classification: 'refused',
      expected: 'answered',
      observed: 'refused (ECONNREFUSED)',
    });
    expect(meets(result({ outcome: 'timeout' }), EXPECT.silent)).toBe(true);
    expect(meets(result({ outcome: 'refused' }), EXPECT.silent)).toBe(false);
    expect(meets(result({ outcome: 'reset' }), EXPECT.blocked)).toBe(true);
    expect(judge(EXPECT.refused, result({})).classification).toBe('mismatch');
    expect(judge(EXPECT.answered, undefined, undefined, 'proxy to ns/a: HTTP 503')).toMatchObject({
      ok: false,
      classification: 'error',
      observed: 'proxy to ns/a: HTTP 503',
    });
  });

  it('judge the HTTP status in the runner, whatever the agent called it', () => {
    const notFound = result({ outcome: 'http-status', http: { status: 404, headers: {} } });
    expect(meets(notFound, EXPECT.http404)).toBe(true);
    expect(meets(notFound, EXPECT.answered)).toBe(false);
    expect(judge(httpStatus(503), notFound)).toMatchObject({ ok: false, classification: 'http-status', observed: 'HTTP 404 (wanted 503)' });
  });

  it('judge who answered: pod, port, path, host, client address', () => {
    expect(meets(echo('b-0', 8080), answeredBy({ pod: ['b-0', 'b-1'], port: 8080 }))).toBe(true);
    expect(judge(answeredBy({ pod: 'b-1' }), echo('b-0', 8080))).toMatchObject({ ok: false, classification: 'wrong-backend', expected: 'answered by b-1' });
    expect(judge(answeredBy({ port: 8081 }), echo('b-0', 8080)).observed).toContain('port 8080, wanted 8081');
    expect(meets(echo('b-0', 8080), answeredBy({ clientIP: '10.0.0.9', path: '/', host: 'svc', node: 'node1' }))).toBe(true);
    expect(judge(answeredBy({ clientIP: '10.0.0.8' }), echo('b-0', 8080)).classification).toBe('mismatch');
    expect(meets(result({ kind: 'tcp', reply: { pod: 'b-0', text: 'hi' } }), answeredBy({ pod: 'b-0' }))).toBe(true);
  });

  it('judge DNS answers: rcode, record set, TC bit, transport', () => {
    expect(meets(dns('NXDOMAIN', []), EXPECT.nxdomain)).toBe(true);
    expect(meets(dns('NOERROR', ['10.0.0.2', '10.0.0.1']), dnsRecords({ equals: ['10.0.0.1', '10.0.0.2'] }), query('udp'))).toBe(true);
    expect(judge(dnsRecords({ equals: ['10.0.0.1'] }), dns('NOERROR', ['10.0.0.2']), query('udp')).observed).toContain('missing 10.0.0.1; extra 10.0.0.2');
    expect(meets(dns('NOERROR', ['10.0.0.1', '10.0.0.3']), dnsRecords({ contains: ['10.0.0.1'] }), query('udp'))).toBe(true);
    expect(judge(dnsRecords({ tc: false }), dns('NOERROR', [], true), query('udp')).ok).toBe(false);
    expect(meets(dns('NOERROR', []), dnsRecords({ via: 'tcp' }), query('tcp'))).toBe(true);
    expect(meets(dns('NOERROR', []), dnsRecords({ via: 'tcp' }), query('udp'))).toBe(false);
    expect(judge(EXPECT.answered, dns('SERVFAIL', []), query('udp')).classification).toBe('dns-error');
    const retried: ProbeResult = { ...dns('NOERROR', ['10.0.0.1']), dns: { rcode: 'NOERROR', flags, answers: [], truncatedOverUdp: { ms: 2, answers: 0 } } };
    expect(meets(retried, dnsRecords({ via: 'tcp', retriedOverTcp: true }), query('udp'))).toBe(true);
    expect(judge(dnsRecords({ retriedOverTcp: false }), retried, query('udp')).observed).toContain('truncated over UDP, retried over TCP');
  });

  it('judge TLS and timing', () => {
    const tls = result({ outcome: 'tls-error', code: 'CERT_HAS_EXPIRED', detail: 'certificate has expired' });
    expect(meets(tls, tlsFailed('expired'))).toBe(true);
    expect(meets(tls, tlsFailed('self-signed'))).toBe(false);
    expect(meets(tls, EXPECT.tlsVerified)).toBe(false);
    expect(meets(result({ outcome: 'refused', ms: 40 }), within(1000, EXPECT.refused))).toBe(true);
    expect(judge(within(1000, EXPECT.refused), result({ outcome: 'refused', ms: 2500 }))).toMatchObject({ ok: false, classification: 'timeout' });
  });

  it('describe, classify and symbolise what was seen', () => {
    expect(describeResult(echo('b-0', 8080))).toBe('HTTP 200 from b-0 port 8080 (client 10.0.0.9) in 3ms');
    expect(describeResult(result({ outcome: 'timeout', ms: 2000.4 }))).toBe('timeout after 2000ms');
    expect(describeResult(undefined)).toBe('no result');
    expect(classify(result({ outcome: 'reset' }))).toBe('reset');
    expect(classify(result({ outcome: 'protocol-error' }))).toBe('error');
    expect([symbolOf(result({})), symbolOf(result({ outcome: 'timeout' })), symbolOf(undefined)]).toEqual(['.', 'X', '?']);
  });
});
