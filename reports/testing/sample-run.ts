// A run with something of everything, for the HTML report's tests: a failure with a truth table
// and an origin, a warning, a skip, passes, a correlation across two suites, the latency figure
// tables of the DNS burst (per node) and of NetworkPolicy enforcement (per change), and a baseline
// run to compare it with (one check of each kind of change). Each check that ran has its start time;
// a waived failure and a run of many checks are there for the tests that need them.
import type { ReportLike } from '../diff.ts';
import { figureEvidence, gridEvidence } from '../../helpers/evidence.ts';
import type { CheckResult, FailedCheck, RunInfo } from '../../helpers/result.ts';
import type { ReportSnapshot } from '../file-reporter.ts';

export const sampleRun: RunInfo = {
  runId: 'sd-20261203-abc123',
  startedAt: '2026-12-03T12:00:00.000Z',
  finishedAt: '2026-12-03T12:01:07.500Z',
  cluster: { server: 'https://10.217.0.11:6443', version: 'v1.34.4', nodes: 2, context: 'shakedown-local' },
  properties: { 'shakedown.suites': 'netpol,dns,smoke', 'shakedown.network-plugin': 'kube-router' },
};

const origin = {
  dimension: 'source-node',
  value: 'node2',
  summary: 'every probe from pods on node2 times out; the same probes from node1 succeed',
  confidence: 'high' as const,
};

export const BURST = 'load › a short burst of lookups: latency, errors and the 5 s race';
export const ENFORCEMENT = 'truth tables › enforcement latency within the bound';

export const sampleResults: CheckResult[] = [
  {
    suite: 'smoke',
    check: 'every agent answers',
    status: 'pass',
    durationMs: 120,
    startedAt: '2026-12-03T12:00:05.000Z',
    message: '3 agents answered',
    evidence: [],
  },
  {
    suite: 'netpol',
    check: 'deny all ingress in x',
    status: 'fail',
    classification: 'not-enforced',
    durationMs: 31_200,
    startedAt: '2026-12-03T12:00:06.000Z',
    message: '2 of 18 probes do not match the policy <deny-all>',
    evidence: [
      gridEvidence('difference (. as expected, X mismatch, ? unknown)', [
        {
          corner: 'TCP/80',
          columns: ['x/a', 'x/b'],
          rows: [
            { name: 'x/a', cells: ['.', 'X'] },
            { name: 'x/b', cells: ['?', '.'] },
          ],
        },
        {
          corner: 'UDP/81',
          columns: ['x/a', 'x/b'],
          rows: [
            { name: 'x/a', cells: ['.', '.'] },
            { name: 'x/b', cells: ['.', 'X'] },
          ],
        },
      ]),
      { label: 'mismatches', text: 'x/a -> x/b TCP/80: expected blocked, seen reached' },
    ],
    likelyCause: 'the NetworkPolicy enforcer on node2 is not running',
    origin,
    reproduce: 'kubectl -n x exec a -- curl -m 2 http://10.244.2.7:80/',
    log: ['applied deny-all', 'probed 18 cells'],
  },
  {
    suite: 'dns',
    check: 'every replica answers',
    status: 'fail',
    classification: 'timeout',
    durationMs: 5_000,
    startedAt: '2026-12-03T12:00:05.500Z',
    message: 'queries from node2 time out',
    evidence: [],
    origin,
  },
  {
    suite: 'dns',
    check: 'upstream names resolve',
    status: 'warn',
    durationMs: 900,
    startedAt: '2026-12-03T12:00:10.500Z',
    message: 'p99 latency 900 ms',
    evidence: [{ label: 'latency', text: 'p50 3 ms\np99 900 ms' }],
  },
  { suite: 'dns', check: 'external name', status: 'skip', durationMs: 0, message: 'skipped', skipReason: 'no upstream configured', evidence: [] },
  {
    suite: 'dns',
    check: BURST,
    status: 'pass',
    durationMs: 5_500,
    startedAt: '2026-12-03T12:00:11.400Z',
    message: '500 queries: p50 1.4ms, p99 9.1ms, max 41.0ms, errors 0.0%, near-5s 0',
    evidence: [
      {
        label: 'per pod',
        text: 'probe-0 on node1: 250 queries: p50 1.2ms, p99 8.0ms, max 12.1ms, errors 0.0%, near-5s 0\nprobe-1 on node2: 250 queries: p50 1.6ms, p99 9.1ms, max 41.0ms, errors 0.0%, near-5s 0',
      },
      figureEvidence(
        'latency per node',
        'node',
        ['queries', 'errors', 'p50', 'p90', 'p99', 'max'],
        [
          { name: 'node1', values: [250, 0, 1.2, 2.1, 8, 12.1] },
          { name: 'node2', values: [250, 0, 1.6, 3.4, 9.1, 41] },
        ],
      ),
    ],
  },
  {
    suite: 'netpol',
    check: ENFORCEMENT,
    status: 'pass',
    durationMs: 1,
    startedAt: '2026-12-03T12:00:37.200Z',
    message: '6 changes: min 0.2 s, median 1.4 s, max 3.9 s (bound 30 s)',
    evidence: [
      figureEvidence(
        'enforcement latency per change',
        'change',
        ['ms', 'table-step-ms'],
        [
          { name: 'default deny ingress', values: [3879, 1799] },
          { name: 'delete default deny', values: [2267, 1057] },
          { name: '+a-from-b', values: [2859, 1440] },
          { name: 'delete a-from-b', values: [1862, 610] },
          { name: 'step 1: +deny-ingress-x +a-from-y', values: [2307, 1048] },
          { name: 'delete deny-all, allow-all', values: [263, 262] },
        ],
        { name: 'bound', value: 30_000 },
      ),
    ],
  },
];

// A failure a live waiver matched (--waivers): reported, but it does not fail the run.
export const WAIVED: FailedCheck = {
  suite: 'dns',
  check: 'search domains resolve',
  status: 'fail',
  classification: 'dns-error',
  durationMs: 700,
  startedAt: '2026-12-03T12:00:16.900Z',
  message: 'svc.cluster.local answers NXDOMAIN for a short name',
  evidence: [{ label: 'queries', text: 'be.x -> NXDOMAIN' }],
  waiver: { check: 'dns › search domains*', reason: 'ndots change rolls out next week <b>bold</b>', until: '2026-12-31' },
};

// A large run (about the size of every suite's): `count` checks over a dozen suites, mostly passes,
// some warnings, failures and skips, each check but the skipped with its start time, the checks of a
// suite overlapping as a pool of 4 runs them.
export function manyResults(count = 120): CheckResult[] {
  const suites = ['setup', 'gate', 'smoke', 'network', 'control-plane', 'ingress', 'storage', 'certificates', 'nodeport', 'services', 'netpol', 'dns'];
  const start = Date.parse(sampleRun.startedAt) + 15_000;
  const slots = new Map<string, number[]>();
  return Array.from({ length: count }, (_, i): CheckResult => {
    const suite = suites[i % suites.length] ?? 'smoke';
    const check = `check number ${i} of ${suite}: ${'what it proves, '.repeat(1 + (i % 4))}and how`;
    const durationMs = 200 + ((i * 7919) % 14_000);
    const pool = slots.get(suite) ?? [start, start, start, start];
    slots.set(suite, pool);
    const slot = pool.indexOf(Math.min(...pool));
    const startedAt = new Date(pool[slot] ?? start).toISOString();
    pool[slot] = (pool[slot] ?? start) + durationMs;
    const base = {
      suite,
      check,
      durationMs,
      startedAt,
      message: `${i % 5} of 9 probes answered in ${durationMs} ms, as expected from every node`,
      evidence: [],
    };
    if (i % 17 === 5) {
      const { startedAt: _, ...unstarted } = base;
      return { ...unstarted, status: 'skip', durationMs: 0, skipReason: i % 2 === 0 ? 'no --target-version given' : `nothing of kind ${i} in the cluster` };
    }
    if (i % 23 === 7)
      return {
        ...base,
        status: 'fail',
        classification: 'timeout',
        evidence: [{ label: 'observed', text: 'probe-0 -> probe-1: timeout after 2 s\nprobe-1 -> probe-0: answered' }],
        likelyCause: 'a dropped packet',
        reproduce: 'kubectl exec probe-0 -- agent probe probe-1',
      };
    if (i % 29 === 3) return { ...base, status: 'warn' };
    return { ...base, status: 'pass' };
  });
}

export function sampleSnapshot(overrides: Partial<ReportSnapshot> = {}): ReportSnapshot {
  return { run: sampleRun, results: sampleResults, setupErrors: [], complete: true, writtenAt: new Date('2026-12-03T12:01:08Z'), ...overrides };
}

// The run before: netpol's deny-all passed (now newly failing), smoke's agents failed (now fixed),
// the upstream check passed (now a warning), the external name ran (now skipped), the burst took
// 1.5 s (now 5.5 s: much slower), the enforcement latency check did not exist (appeared) and a
// check that is gone now (vanished).
export const sampleBaseline: ReportLike = {
  run: {
    ...sampleRun,
    runId: 'sd-20261202-0ld000',
    startedAt: '2026-12-02T12:00:00.000Z',
    finishedAt: '2026-12-02T12:01:00.000Z',
    cluster: { ...sampleRun.cluster, version: 'v1.33.7' },
  },
  results: [
    {
      suite: 'smoke',
      check: 'every agent answers',
      status: 'fail',
      classification: 'timeout',
      durationMs: 5_000,
      message: 'agent probe-1 on node2 did not answer',
      evidence: [],
    },
    { suite: 'netpol', check: 'deny all ingress in x', status: 'pass', durationMs: 9_000, message: 'as expected', evidence: [] },
    {
      suite: 'dns',
      check: 'every replica answers',
      status: 'fail',
      classification: 'timeout',
      durationMs: 5_000,
      message: 'queries from node2 time out',
      evidence: [],
    },
    { suite: 'dns', check: 'upstream names resolve', status: 'pass', durationMs: 800, message: 'resolved', evidence: [] },
    { suite: 'dns', check: 'external name', status: 'pass', durationMs: 300, message: 'resolved', evidence: [] },
    { suite: 'dns', check: BURST, status: 'pass', durationMs: 1_500, message: '500 queries', evidence: [] },
    { suite: 'dns', check: 'a check since removed', status: 'pass', durationMs: 10, message: 'ok', evidence: [] },
  ],
};
