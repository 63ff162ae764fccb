import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { EXPECT, classify, describeResult, meets } from './expectations.ts';

const result = (overrides: Partial<ProbeResult>): ProbeResult => ({ id: 'x', kind: 'http', outcome: 'ok', ms: 3.2, detail: '', ...overrides });

describe('expectation presets', () => {
  it('match on outcome, and on status or rcode where the preset names one', () => {
    expect(meets(result({}), EXPECT.allowed)).toBe(true);
    expect(meets(result({ outcome: 'refused' }), EXPECT.allowed)).toBe(false);
    expect(meets(result({ outcome: 'timeout' }), EXPECT.dropped)).toBe(true);
    expect(meets(result({ outcome: 'http-status', http: { status: 404, headers: {} } }), EXPECT.http404)).toBe(true);
    expect(meets(result({ outcome: 'http-status', http: { status: 500, headers: {} } }), EXPECT.http404)).toBe(false);
    expect(meets(result({ kind: 'dns', outcome: 'dns-error', dns: { rcode: 'NXDOMAIN', flags: { aa: false, tc: false, rd: true, ra: true, ad: false, cd: false }, answers: [] } }), EXPECT.nxdomain)).toBe(true);
    expect(meets(undefined, EXPECT.refused)).toBe(false);
  });

  it('describes and classifies what was seen', () => {
    expect(describeResult(result({}))).toBe('ok in 3ms');
    expect(describeResult(result({ outcome: 'refused', code: 'ECONNREFUSED' }))).toBe('refused (ECONNREFUSED)');
    expect(describeResult(result({ outcome: 'timeout', ms: 2000.4 }))).toBe('timeout after 2000ms');
    expect(describeResult(undefined)).toBe('no result');
    expect(classify(result({ outcome: 'reset' }))).toBe('reset');
    expect(classify(result({}))).toBe('mismatch');
    expect(classify(result({ outcome: 'protocol-error' }))).toBe('error');
  });
});
