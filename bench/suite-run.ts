// What the benchmarks share: the kubeconfig they run against (default: the local cluster), and a
// real `shakedown run --suite NAME` timed in process: in all, until setup had the probe fleet
// ready, and the suite's own wall time (first check started to last check ended).
import { join } from 'node:path';
import { resolveAll } from '../helpers/config.ts';
import { runShakedown } from '../helpers/engine/run.ts';
import { PACKAGE_ROOT, discoverSuites, loadSuites, selectSuites } from '../helpers/engine/suites.ts';
import { findKubeconfig, type KubeconfigLocation } from '../helpers/kube/kubeconfig.ts';
import type { CheckResult } from '../helpers/result.ts';
import { createRunReporters } from '../reports/run-reporters.ts';

export function benchKubeconfig(flag: string | undefined): { path: string; location: KubeconfigLocation } {
  const path = flag ?? join(PACKAGE_ROOT, '.cluster', 'kubeconfig');
  const location = findKubeconfig({ explicit: path, env: {}, home: undefined });
  if (location === undefined) throw new Error(`no kubeconfig at ${path}`);
  return { path, location };
}

export interface SuiteRunTimes {
  totalMs: number;
  /** When the setup suite started, i.e. the probe fleet was ready. */
  fleetReadyMs: number | undefined;
  suiteWallMs: number | undefined;
  exitCode: number;
  results: string[];
}

export async function timeSuiteRun(kubeconfig: string, suite: string): Promise<SuiteRunTimes> {
  const { settings } = resolveAll([], { flags: {}, env: {}, cwd: process.cwd() });
  const start = performance.now();
  const marks: Record<string, number> = {};
  const results: string[] = [];
  const outcome = await runShakedown({
    settings,
    suites: selectSuites(await loadSuites(discoverSuites()), [suite], { kind: 'default' }),
    root: PACKAGE_ROOT,
    kubeconfig: { paths: [kubeconfig], origin: 'flag' },
    stderr: process.stderr,
    reporter: createRunReporters({
      ...settings,
      stdout: { write: () => true },
      stderr: process.stderr,
      env: process.env,
      observers: {
        stopwatch: {
          onSuiteStart(name) {
            marks[`start:${name}`] ??= performance.now();
          },
          onCheckStart(name) {
            marks[`first:${name}`] ??= performance.now();
          },
          onCheckEnd(result: CheckResult) {
            marks[`end:${result.suite}`] = performance.now();
            results.push(`${result.status} ${result.check}: ${result.message}`);
          },
        },
      },
    }),
  });
  const since = (mark: string) => (marks[mark] === undefined ? undefined : marks[mark] - start);
  const first = marks[`first:${suite}`];
  const last = marks[`end:${suite}`];
  return {
    totalMs: performance.now() - start,
    fleetReadyMs: since('start:setup'),
    suiteWallMs: first === undefined || last === undefined ? undefined : last - first,
    exitCode: outcome.exitCode,
    results,
  };
}

export const seconds = (ms: number | undefined, digits = 1): string => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(digits)} s`);
