// A run with something of everything, for the HTML report's tests: a failure with a truth table
// and an origin, a warning, a skip, passes, a correlation across two suites.
import type { CheckResult, RunInfo } from '../../helpers/result.ts';
import type { ReportSnapshot } from '../file-reporter.ts';

export const sampleRun: RunInfo = {
  runId: 'sd-20261203-abc123',
  startedAt: '2026-12-03T12:00:00.000Z',
  finishedAt: '2026-12-03T12:01:07.500Z',
  cluster: { server: 'https://10.217.0.11:6443', version: 'v1.34.4', nodes: 2, context: 'shakedown-local' },
  properties: { 'shakedown.suites': 'netpol,dns,smoke', 'shakedown.network-plugin': 'kube-router' },
};

const origin = { dimension: 'source-node', value: 'node2', summary: 'every probe from pods on node2 times out; the same probes from node1 succeed', confidence: 'high' as const };

export const sampleResults: CheckResult[] = [
  { suite: 'smoke', check: 'every agent answers', status: 'pass', durationMs: 120, message: '3 agents answered', evidence: [] },
  {
    suite: 'netpol',
    check: 'deny all ingress in x',
    status: 'fail',
    classification: 'not-enforced',
    durationMs: 31_200,
    message: '2 of 18 probes do not match the policy <deny-all>',
    evidence: [
      { label: 'difference (. as expected, X mismatch, ? unknown)', text: 'TCP/80  x/a x/b\nx/a     .   X\nx/b     ?   .\n\nUDP/81  x/a x/b\nx/a     .   .\nx/b     .   X' },
      { label: 'mismatches', text: 'x/a -> x/b TCP/80: expected blocked, seen reached' },
    ],
    likelyCause: 'the NetworkPolicy enforcer on node2 is not running',
    origin,
    reproduce: "kubectl -n x exec a -- curl -m 2 http://10.244.2.7:80/",
    log: ['applied deny-all', 'probed 18 cells'],
  },
  { suite: 'dns', check: 'every replica answers', status: 'fail', classification: 'timeout', durationMs: 5_000, message: 'queries from node2 time out', evidence: [], origin },
  { suite: 'dns', check: 'upstream names resolve', status: 'warn', durationMs: 900, message: 'p99 latency 900 ms', evidence: [{ label: 'latency', text: 'p50 3 ms\np99 900 ms' }] },
  { suite: 'dns', check: 'external name', status: 'skip', durationMs: 0, message: 'skipped', skipReason: 'no upstream configured', evidence: [] },
];

export function sampleSnapshot(overrides: Partial<ReportSnapshot> = {}): ReportSnapshot {
  return { run: sampleRun, results: sampleResults, setupErrors: [], complete: true, writtenAt: new Date('2026-12-03T12:01:08Z'), ...overrides };
}
