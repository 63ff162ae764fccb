// The DNS load judgement: latency percentiles and error rate of a bounded burst of lookups, and
// lookups near 5 s, the signature of the conntrack race that drops one of the parallel A/AAAA
// queries glibc sends from one socket (the resolver waits out its 5 s timeout and retries).
// Pure; unit-tested in dns-latency.test.ts.
import type { ProbeResult } from '../../agent/protocol.ts';
import { findOrigin } from '../../helpers/probe/origin.ts';
import type { Evidence, Origin } from '../../helpers/result.ts';
import { figureEvidence } from '../../helpers/evidence.ts';

export interface LatencyBudget {
  p50Ms: number;
  p99Ms: number;
  // Share of lookups allowed to fail (timeout, SERVFAIL, ...), 0..1.
  errorRate: number;
  // A lookup this slow, or one that timed out, counts as a "near 5 s" lookup.
  slowMs: number;
}

export const DEFAULT_LATENCY_BUDGET: LatencyBudget = { p50Ms: 100, p99Ms: 1000, errorRate: 0.01, slowMs: 4000 };

export const CONNTRACK_RACE =
  'lookups near 5 s are the signature of the conntrack insertion race: glibc sends A and AAAA in parallel from one UDP socket, the kernel drops one on a conntrack clash, and the resolver waits out its 5 s timeout. Remedies: NodeLocal DNSCache, `options single-request-reopen` (or use-vc) in the pod dnsConfig, or a kernel with the conntrack clash fixes';

export interface LatencyStats {
  queries: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  // Lookups at or beyond the budget's slowMs, or that timed out.
  slow: number;
  // Failures by what happened: "timeout" 2, "SERVFAIL" 1.
  byError: Record<string, number>;
}

// Nearest-rank percentile of sorted values (0 for none).
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

// A query failed when it timed out or came back with an rcode other than NOERROR.
export function latencyStats(results: readonly ProbeResult[], slowMs = DEFAULT_LATENCY_BUDGET.slowMs): LatencyStats {
  const times = results.map((r) => r.ms).sort((a, b) => a - b);
  const byError: Record<string, number> = {};
  let errors = 0;
  let slow = 0;
  for (const result of results) {
    if (result.outcome === 'timeout' || result.ms >= slowMs) slow++;
    if (result.outcome === 'ok') continue;
    errors++;
    const key = result.outcome === 'dns-error' ? (result.dns?.rcode ?? 'dns-error') : result.outcome;
    byError[key] = (byError[key] ?? 0) + 1;
  }
  return {
    queries: results.length,
    errors,
    errorRate: results.length === 0 ? 0 : errors / results.length,
    p50Ms: percentile(times, 50),
    p90Ms: percentile(times, 90),
    p99Ms: percentile(times, 99),
    maxMs: times.at(-1) ?? 0,
    slow,
    byError,
  };
}

export interface LatencyVerdict {
  ok: boolean;
  // "expected ..., saw ..." for each broken limit.
  problems: string[];
  // True when lookups near 5 s were seen: the conntrack race explanation applies.
  conntrackRace: boolean;
  summary: string;
}

const pct = (rate: number) => `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`;

export function judgeLatency(stats: LatencyStats, budget: LatencyBudget = DEFAULT_LATENCY_BUDGET): LatencyVerdict {
  const problems: string[] = [];
  if (stats.queries === 0) problems.push('expected lookups to measure, none ran');
  if (stats.p50Ms > budget.p50Ms) problems.push(`expected p50 <= ${budget.p50Ms}ms, saw ${Math.round(stats.p50Ms)}ms`);
  if (stats.p99Ms > budget.p99Ms) problems.push(`expected p99 <= ${budget.p99Ms}ms, saw ${Math.round(stats.p99Ms)}ms`);
  if (stats.errorRate > budget.errorRate) {
    const kinds = Object.entries(stats.byError)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    problems.push(`expected an error rate <= ${pct(budget.errorRate)}, saw ${pct(stats.errorRate)} (${stats.errors} of ${stats.queries}: ${kinds})`);
  }
  if (stats.slow > 0) problems.push(`expected no lookup near 5 s, saw ${stats.slow} at or beyond ${budget.slowMs}ms (or timed out)`);
  const summary = `${stats.queries} queries: p50 ${stats.p50Ms.toFixed(1)}ms, p99 ${stats.p99Ms.toFixed(1)}ms, max ${stats.maxMs.toFixed(1)}ms, errors ${pct(stats.errorRate)}, near-5s ${stats.slow}`;
  return { ok: problems.length === 0, problems, conntrackRace: stats.slow > 0, summary };
}

// The burst per node as a figure table (evidence the HTML report draws as a chart; reads as a
// table in the console and JUnit): queries, errors, p50, p90, p99 and max in ms.
export function latencyTable(results: readonly { node: string; result: ProbeResult }[]): Evidence {
  const nodes = [...new Set(results.map((r) => r.node))].sort();
  const rows = nodes.map((node) => {
    const stats = latencyStats(results.filter((r) => r.node === node).map((r) => r.result));
    return { name: node, values: [stats.queries, stats.errors, stats.p50Ms, stats.p90Ms, stats.p99Ms, stats.maxMs] };
  });
  return figureEvidence('latency per node', 'node', ['queries', 'errors', 'p50', 'p90', 'p99', 'max'], rows);
}

// Slow or failing lookups of a burst that all come from one node are that node's finding (its path
// to the DNS Service), not CoreDNS's: the same burst from the other nodes was answered in time.
export function burstOrigin(results: readonly { node: string; result: ProbeResult }[], slowMs = DEFAULT_LATENCY_BUDGET.slowMs): Origin | undefined {
  return findOrigin(
    results.map(({ node, result: r }) => ({
      ok: r.outcome === 'ok' && r.ms < slowMs,
      facets: { 'source-node': node },
      seen: r.outcome === 'ok' ? 'slow' : r.outcome,
    })),
    {
      noun: { one: 'lookup', many: 'lookups' },
      conclude: ({ values }) =>
        `the path from ${values.join(', ')} to the DNS Service loses or delays packets (conntrack, kube-proxy or the pod network there); CoreDNS answers the other nodes in time`,
    },
  );
}
