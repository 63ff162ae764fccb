// Reports to make histories of, for the history's tests and its benchmark: a night from a line of
// outcomes per check ("smoke › a": "pass"), and a synthetic fleet of reports shaped like real ones
// (the DNS burst's latency table, the NetworkPolicy enforcement table, storage and control-plane
// timings in run properties, a failure's evidence and log).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { figureLabel, formatFigures } from '../../../helpers/figures.ts';
import type { AppliedWaiver, CheckResult, RunInfo } from '../../../helpers/result.ts';
import type { NightReport } from '../read.ts';

export type Spec = 'pass' | 'warn' | 'fail' | 'waived' | 'skip';

export const WAIVER: AppliedWaiver = { check: 'dns › *', reason: 'CoreDNS upgrade in progress', until: '2026-12-31' };

export function result(id: string, spec: Spec, extra: Partial<CheckResult> = {}): CheckResult {
  const [suite = '', ...title] = id.split(' › ');
  const check = title.join(' › ');
  const base = { suite, check, durationMs: 1000, message: `${check}: ${spec}`, evidence: [] };
  switch (spec) {
    case 'fail':
      return { ...base, status: 'fail', classification: 'timeout', ...extra } as CheckResult;
    case 'waived':
      return { ...base, status: 'fail', classification: 'timeout', waiver: WAIVER, ...extra } as CheckResult;
    case 'skip':
      return { ...base, status: 'skip', skipReason: 'not asked for', ...extra } as CheckResult;
    default:
      return { ...base, status: spec, ...extra } as CheckResult;
  }
}

export function runInfo(day: number, overrides: Partial<RunInfo> = {}): RunInfo {
  const started = new Date(Date.UTC(2026, 11, day, 2, 0, 0));
  return {
    runId: `sd-202612${String(day).padStart(2, '0')}-${(0xa00000 + day).toString(16)}`,
    startedAt: started.toISOString(),
    finishedAt: new Date(started.getTime() + 60_000 + day * 1000).toISOString(),
    cluster: { server: 'https://10.217.0.11:6443', version: 'v1.34.4', nodes: 2, context: 'shakedown-local' },
    properties: {},
    ...overrides,
  };
}

// A night on day `day` of December 2026 (02:00 UTC), one result per entry.
export function night(day: number, outcomes: Record<string, Spec>, overrides: Partial<RunInfo> = {}): NightReport {
  const run = runInfo(day, overrides);
  return { file: `night-${day}.json`, path: `/reports/night-${day}.json`, run, results: Object.entries(outcomes).map(([id, spec]) => result(id, spec)) };
}

// As `shakedown run --json` writes it.
export function reportText(report: Pick<NightReport, 'run' | 'results'>, version = 'shakedown.report/v2'): string {
  const count = (status: string) => report.results.filter((r) => r.status === status).length;
  return `${JSON.stringify({ schemaVersion: version, complete: true, run: report.run, summary: { passed: count('pass'), warned: count('warn'), failed: count('fail'), skipped: count('skip') }, errors: [], results: report.results, correlations: [] }, null, 2)}\n`;
}

// Deterministic noise in [0, 1).
function noise(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return x - Math.floor(x);
}

const SUITES = ['smoke', 'services', 'nodeport', 'dns', 'netpol', 'ingress', 'storage', 'certificates', 'control-plane', 'network'];

// `reports` reports of `checks` checks each, one a night, written into `dir` as night-NNN.json:
// most checks pass, a few fail now and then, one flaps, one is waived; the DNS burst and the
// NetworkPolicy latency carry their figure tables, the run its storage, control-plane and ingress
// timings. Returns the files.
export function writeSyntheticReports(dir: string, reports: number, checks: number): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let n = 0; n < reports; n += 1) {
    const started = new Date(Date.UTC(2026, 0, 1, 2, 0, 0) + n * 86_400_000);
    const run: RunInfo = {
      runId: `sd-${started.toISOString().slice(0, 10).replaceAll('-', '')}-${(0x100000 + n).toString(16)}`,
      startedAt: started.toISOString(),
      finishedAt: new Date(started.getTime() + 240_000 + noise(n) * 60_000).toISOString(),
      cluster: { server: 'https://10.217.0.11:6443', version: 'v1.34.4', nodes: 2, context: 'shakedown-local' },
      properties: {
        'shakedown.version': '0.1.0',
        'shakedown.suites': SUITES.join(','),
        'storage.local-path.bound-ms': String(Math.round(9000 + noise(n + 1) * 6000)),
        'storage.static.bound-ms': String(Math.round(2000 + noise(n + 2) * 1000)),
        'control-plane.service-programming-ms': `node1=${Math.round(1200 + noise(n + 3) * 800)},node2=${Math.round(1100 + noise(n + 4) * 900)}`,
        'control-plane.bind-ms': `node1=${Math.round(10 + noise(n + 5) * 20)},node2=none`,
        'ingress.propagation.ingress.paths': `${Math.round(7000 + noise(n + 6) * 1000)}ms`,
        'storage.local-path.write': '32Mi in 353 ms (90.6 MiB/s, fsync)',
      },
    };
    const results: CheckResult[] = [];
    for (let c = 0; c < checks; c += 1) {
      const suite = SUITES[c % SUITES.length] ?? 'smoke';
      const id = `${suite} › check number ${c} proves something about the cluster`;
      const roll = noise(n * 1000 + c);
      const spec: Spec =
        c === 0
          ? n % 3 === 0
            ? 'fail'
            : 'pass'
          : c === 1
            ? n >= reports - 5
              ? 'waived'
              : 'pass'
            : c === 2 && n >= reports - 10
              ? 'fail'
              : roll < 0.004
                ? 'fail'
                : roll < 0.02
                  ? 'warn'
                  : roll < 0.04
                    ? 'skip'
                    : 'pass';
      const evidence =
        c === 3
          ? [
              {
                label: figureLabel('latency per node'),
                text: formatFigures(
                  'node',
                  ['queries', 'errors', 'p50', 'p90', 'p99', 'max'],
                  [1, 2].map((node) => ({ name: `node${node}`, values: [250, 0, 5 + noise(n + node), 15, 20 + noise(n * node) * 10, 30] })),
                ),
              },
            ]
          : c === 4
            ? [
                {
                  label: figureLabel('enforcement latency per change', { name: 'bound', value: 30_000 }),
                  text: formatFigures(
                    'change',
                    ['ms', 'table-step-ms'],
                    Array.from({ length: 26 }, (_, i) => ({ name: `change ${i}`, values: [1000 + noise(n + i) * 1500, 500] })),
                  ),
                },
              ]
            : spec === 'fail' || spec === 'waived'
              ? [{ label: 'observed', text: Array.from({ length: 30 }, (_, i) => `probe ${i}: timeout after 2000 ms`).join('\n') }]
              : [];
      results.push(
        result(id, spec, {
          durationMs: Math.round(200 + roll * 5000),
          startedAt: started.toISOString(),
          evidence,
          ...(spec === 'fail' || spec === 'waived' ? { log: Array.from({ length: 50 }, (_, i) => `log line ${i} of a failing check`) } : {}),
        }),
      );
    }
    const file = join(dir, `night-${String(n + 1).padStart(3, '0')}.json`);
    writeFileSync(file, reportText({ run, results }));
    files.push(file);
  }
  return files;
}
