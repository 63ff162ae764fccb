import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { parseFigures } from '../../helpers/figures.ts';
import { burstOrigin, judgeLatency, latencyStats, latencyTable, percentile } from './dns-latency.ts';

const ok = (ms: number): ProbeResult => ({
  id: 'q',
  kind: 'dns',
  outcome: 'ok',
  ms,
  detail: 'NOERROR',
  dns: { rcode: 'NOERROR', flags: { aa: false, tc: false, rd: true, ra: true, ad: false, cd: false }, answers: [] },
});
const timeout = (ms = 5000): ProbeResult => ({ id: 'q', kind: 'dns', outcome: 'timeout', ms, detail: 'no answer', code: 'ETIMEDOUT' });
const servfail: ProbeResult = {
  id: 'q',
  kind: 'dns',
  outcome: 'dns-error',
  ms: 4,
  detail: 'SERVFAIL',
  code: 'SERVFAIL',
  dns: { rcode: 'SERVFAIL', flags: { aa: false, tc: false, rd: true, ra: true, ad: false, cd: false }, answers: [] },
};

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('judgeLatency', () => {
  it('passes a fast burst without errors', () => {
    const verdict = judgeLatency(latencyStats(Array.from({ length: 500 }, (_, i) => ok(1 + (i % 10)))));
    expect(verdict).toMatchObject({ ok: true, problems: [], conntrackRace: false });
    expect(verdict.summary).toContain('500 queries: p50 5.0ms, p99 10.0ms');
  });

  it('flags lookups near 5 s with the conntrack race, even when percentiles look fine', () => {
    const results = [...Array.from({ length: 499 }, () => ok(2)), ok(5003)];
    const verdict = judgeLatency(latencyStats(results));
    expect(verdict.ok).toBe(false);
    expect(verdict.conntrackRace).toBe(true);
    expect(verdict.problems).toEqual(['expected no lookup near 5 s, saw 1 at or beyond 4000ms (or timed out)']);
  });

  it('counts timeouts and error rcodes against the error rate, by kind', () => {
    const results = [...Array.from({ length: 90 }, () => ok(2)), ...Array.from({ length: 8 }, () => timeout()), servfail, servfail];
    const stats = latencyStats(results);
    expect(stats).toMatchObject({ queries: 100, errors: 10, errorRate: 0.1, byError: { timeout: 8, SERVFAIL: 2 }, slow: 8 });
    const verdict = judgeLatency(stats);
    expect(verdict.problems).toContain('expected an error rate <= 1.0%, saw 10.0% (10 of 100: timeout 8, SERVFAIL 2)');
    expect(verdict.problems).toContain('expected p99 <= 1000ms, saw 5000ms');
  });

  it('judges p50 and p99 against the budget given', () => {
    const results = Array.from({ length: 100 }, (_, i) => ok(i < 60 ? 150 : 20));
    expect(judgeLatency(latencyStats(results)).problems).toEqual(['expected p50 <= 100ms, saw 150ms']);
    expect(judgeLatency(latencyStats(results), { p50Ms: 200, p99Ms: 1000, errorRate: 0.01, slowMs: 4000 }).ok).toBe(true);
  });

  it('fails an empty measurement', () => {
    expect(judgeLatency(latencyStats([])).ok).toBe(false);
  });
});

describe('burstOrigin', () => {
  const lookup = (ms: number, outcome: ProbeResult['outcome'] = 'ok'): ProbeResult => ({ id: 'q', kind: 'dns', outcome, ms, detail: '' });
  it('names the one node whose lookups time out or take 5 s while the others are answered in time', () => {
    const results = [
      ...Array.from({ length: 10 }, () => ({ node: 'node1', result: lookup(2) })),
      ...Array.from({ length: 8 }, () => ({ node: 'node2', result: lookup(5000, 'timeout') })),
      { node: 'node2', result: lookup(4100) },
    ];
    expect(burstOrigin(results)).toMatchObject({ dimension: 'source-node', value: 'node2', confidence: 'high' });
    expect(burstOrigin(results)?.summary).toMatch(/from pods on node2 fail.*the path from node2 to the DNS Service/);
  });

  it('names no node when every node is slow', () => {
    expect(
      burstOrigin([
        { node: 'node1', result: lookup(5000, 'timeout') },
        { node: 'node2', result: lookup(4500) },
      ]),
    ).toBeUndefined();
  });
});

describe('latencyTable', () => {
  it("puts each node's percentiles in a figure table the HTML report reads back", () => {
    const results = [
      ...Array.from({ length: 100 }, (_, i) => ({ node: 'node2', result: ok(i + 1) })),
      ...Array.from({ length: 10 }, (_, i) => ({ node: 'node1', result: i === 9 ? timeout() : ok(2) })),
    ];
    const table = latencyTable(results);
    expect(table.label).toBe('latency per node (ms)');
    expect(table.text.split('\n')[0]).toMatch(/^node\s+queries\s+errors\s+p50\s+p90\s+p99\s+max$/);
    expect(parseFigures(table.label, table.text)?.rows).toEqual([
      { name: 'node1', values: [10, 1, 2, 2, 5000, 5000] },
      { name: 'node2', values: [100, 0, 50, 90, 99, 100] },
    ]);
  });
});
