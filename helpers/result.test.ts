import { describe, expect, it } from 'vitest';
import { correlate, describeCorrelation, isWaived, summarize, type CheckResult, type Origin } from './result.ts';

const base = { suite: 'dns', durationMs: 5, message: 'resolved', evidence: [] };

describe('summarize', () => {
  it('counts passed, warned, failed and skipped checks', () => {
    const results: CheckResult[] = [
      { ...base, check: 'a', status: 'pass' },
      { ...base, check: 'b', status: 'fail', classification: 'dns-error' },
      { ...base, check: 'c', status: 'pass' },
      { ...base, check: 'd', status: 'skip', skipReason: 'no IPv6' },
      { ...base, check: 'e', status: 'warn' },
    ];
    expect(summarize(results)).toEqual({ passed: 2, warned: 1, failed: 1, skipped: 1, waived: 0 });
  });

  it('gives zeros for no results', () => {
    expect(summarize([])).toEqual({ passed: 0, warned: 0, failed: 0, skipped: 0, waived: 0 });
  });

  it('counts a failure a live waiver matched as waived, not failed', () => {
    const waived: CheckResult = {
      ...base,
      check: 'w',
      status: 'fail',
      classification: 'dns-error',
      waiver: { check: 'dns/*', reason: 'known', until: '2027-01-01' },
    };
    const failed: CheckResult = { ...base, check: 'f', status: 'fail', classification: 'dns-error' };
    expect(summarize([waived, failed])).toEqual({ passed: 0, warned: 0, failed: 1, skipped: 0, waived: 1 });
    expect([isWaived(waived), isWaived(failed)]).toEqual([true, false]);
  });
});

describe('CheckResult', () => {
  it('requires a reason on a skip and a classification on a failure (checked by tsc)', () => {
    // @ts-expect-error a skip without skipReason
    const skip: CheckResult = { ...base, check: 'a', status: 'skip' };
    // @ts-expect-error a failure without classification
    const fail: CheckResult = { ...base, check: 'b', status: 'fail' };
    // @ts-expect-error a classification outside the closed set
    const odd: CheckResult = { ...base, check: 'c', status: 'fail', classification: 'flaky' };
    expect(summarize([skip, fail, odd])).toEqual({ passed: 0, warned: 0, failed: 2, skipped: 1, waived: 0 });
  });
});

describe('correlate', () => {
  const node2: Origin = {
    dimension: 'source-node',
    value: 'node2',
    summary: 'every probe from pods on node2 fails, the same probes from node1 succeed',
    confidence: 'high',
  };
  const fail = (suite: string, check: string, origin?: Origin): CheckResult => ({
    ...base,
    suite,
    check,
    status: 'fail',
    classification: 'timeout',
    ...(origin === undefined ? {} : { origin }),
  });

  it('makes one finding of the failures that share dimension and value, whatever their messages say', () => {
    const results: CheckResult[] = [
      fail('services', 'cross-node', node2),
      { ...fail('dns', 'every replica', { ...node2, summary: 'different words entirely', confidence: 'low' }), message: 'CoreDNS replica down' },
      fail('dns', 'search path', node2),
      fail('dns', 'upstream'),
      { ...base, check: 'latency', status: 'warn', origin: node2 },
      { ...base, check: 'resolves', status: 'pass', origin: node2 },
    ];
    const [only, ...rest] = correlate(results);
    expect(rest).toEqual([]);
    expect(only).toEqual({ ...node2, checks: ['services › cross-node', 'dns › every replica', 'dns › search path', 'dns › latency'], failed: 3, warned: 1 });
    expect(describeCorrelation(only!)).toBe(
      '3 failed and 1 warned checks share one origin: source-node node2: every probe from pods on node2 fails, the same probes from node1 succeed',
    );
  });

  it('never groups by text: same value on another dimension, or one member alone, is no correlation', () => {
    const results = [fail('a', '1', node2), fail('a', '2', { ...node2, dimension: 'target-node' }), fail('a', '3', { ...node2, value: 'node1' })];
    expect(correlate(results)).toEqual([]);
  });

  it('makes one finding of origins that differ but point at one component', () => {
    const from = { ...node2, suspect: 'kube-proxy on node2' };
    const to: Origin = {
      dimension: 'target-node',
      value: 'node2',
      summary: 'node2 does not forward the nodePort',
      confidence: 'high',
      suspect: 'kube-proxy on node2',
    };
    const [only, ...rest] = correlate([fail('services', 'a', from), fail('services', 'b', from), fail('nodeport', 'c', to), fail('dns', 'd', node2)]);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ suspect: 'kube-proxy on node2', origins: ['source-node node2', 'target-node node2'], failed: 3 });
    expect(describeCorrelation(only!)).toBe(
      `3 failed checks point at one component, kube-proxy on node2 (source-node node2; target-node node2): ${node2.summary}`,
    );
  });

  it('takes the summary of the most confident member and puts the largest group first', () => {
    const port: Origin = { dimension: 'port', value: '53/udp', summary: 'low guess', confidence: 'low' };
    const results = [
      fail('a', '1', port),
      fail('a', '2', { ...port, summary: 'every UDP query fails, TCP answers', confidence: 'medium' }),
      fail('b', '1', node2),
      fail('b', '2', node2),
      fail('b', '3', node2),
    ];
    expect(correlate(results).map((c) => [c.value, c.summary, c.checks.length])).toEqual([
      ['node2', node2.summary, 3],
      ['53/udp', 'every UDP query fails, TCP answers', 2],
    ]);
  });
});
