import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveAll } from '../config.ts';
import { startFakeApiServer, type FakeApiServer } from '../kube/testing/fake-apiserver.ts';
import type { RunPlan } from '../reporter.ts';
import type { CheckResult, RunInfo, Summary } from '../result.ts';
import type { Settings } from '../settings.ts';
import type { Waiver } from '../waivers/file.ts';
import { runShakedown } from './run.ts';
import { discoverSuites, loadSuites, PACKAGE_ROOT } from './suites.ts';

// A whole run in process, against a fake API server, of the engine's read-only toy suite "findings"
// (test/fixtures/engine/findings: a warning, a failure, a check that hangs): how --check and
// --skip-check choose its checks and report the others, and how waivers turn its failure.
const suites = await loadSuites(discoverSuites(join(PACKAGE_ROOT, 'test', 'fixtures', 'engine'), PACKAGE_ROOT));
let server: FakeApiServer;
beforeAll(async () => {
  server = await startFakeApiServer();
});
afterAll(async () => {
  await server.close();
});

const FAILING = 'fails with a tracked object';
const waiver = (overrides: Partial<Waiver> = {}): Waiver => ({
  check: `findings/${FAILING}`,
  reason: 'the toy fails on purpose',
  until: '2027-03-31',
  file: '/w.yaml',
  line: 2,
  known: true,
  ...overrides,
});

async function run(settings: Partial<Settings>, waivers?: Waiver[]) {
  const { settings: defaults } = resolveAll([], { flags: {}, env: {}, cwd: PACKAGE_ROOT });
  const plans: RunPlan[] = [];
  let end: { run: RunInfo; summary: Summary } | undefined;
  const noop = async () => {};
  const outcome = await runShakedown({
    settings: { ...defaults, ...settings },
    suites,
    root: PACKAGE_ROOT,
    kubeconfig: { paths: [server.kubeconfigPath], origin: 'flag' },
    stderr: { write: () => true },
    now: () => new Date('2027-03-31T12:00:00Z'),
    reporter: {
      onPlan: async (plan) => void plans.push(plan),
      onRunStart: noop,
      onSuiteStart: noop,
      onCheckStart: noop,
      onCheckEnd: noop,
      onProgress: noop,
      onSetupError: noop,
      onRunEnd: async (info, _results, summary) => void (end = { run: info, summary }),
      flush: noop,
    },
    ...(waivers === undefined ? {} : { waivers }),
  });
  const byCheck = (check: string): CheckResult | undefined => outcome.results.find((result) => result.check === check);
  return { outcome, plans, end, byCheck };
}

describe('a run with a selection and waivers', { timeout: 60_000 }, () => {
  it('runs what --check selects less what --skip-check leaves out; the rest is skipped with the patterns as its reason', async () => {
    const { outcome, plans, end, byCheck } = await run({ checks: ['findings/*s*'], skipChecks: ['findings/hangs*'] });
    expect(outcome.error).toBeUndefined();
    // The plan counts every check, those left out too (they end at once).
    expect(plans).toEqual([{ profile: 'full', suites: [{ suite: 'findings', checks: ['warns', FAILING, 'hangs with a log'] }] }]);
    expect(byCheck('hangs with a log')).toMatchObject({ status: 'skip', durationMs: 0, skipReason: 'left out by --skip-check "findings/hangs*"' });
    expect(byCheck('warns')?.status).toBe('warn');
    expect(byCheck(FAILING)?.status).toBe('fail');
    expect(outcome.exitCode).toBe(1);
    expect(end?.run.properties).toMatchObject({
      'shakedown.checks': '["findings/*s*"]',
      'shakedown.skipChecks': '["findings/hangs*"]',
      'shakedown.suites': 'findings',
    });
  });

  it('passes with a live waiver: the failure carries it and is counted as waived, not failed', async () => {
    const { outcome, end, byCheck } = await run({ skipChecks: ['findings/hangs*'] }, [waiver({ context: 'fake' })]);
    expect(byCheck(FAILING)).toMatchObject({
      status: 'fail',
      classification: 'timeout',
      waiver: { check: `findings/${FAILING}`, reason: 'the toy fails on purpose', until: '2027-03-31' },
    });
    expect(end?.summary).toEqual({ passed: 0, warned: 1, failed: 0, skipped: 1, waived: 1 });
    expect(outcome.exitCode).toBe(0);
  });

  it("fails again after the waiver's last day, saying so", async () => {
    const { outcome, byCheck } = await run({ skipChecks: ['findings/hangs*'] }, [waiver({ until: '2027-03-30' })]);
    expect(byCheck(FAILING)?.message).toBe('no answer from web on node2 (waiver expired on 2027-03-30: the toy fails on purpose)');
    expect(outcome.exitCode).toBe(1);
  });

  it('does not apply a waiver of another cluster, and reports one that matched no failure as a stale warning', async () => {
    const { outcome, byCheck } = await run({ skipChecks: ['findings/hangs*'] }, [waiver({ context: 'prod' }), waiver({ check: 'findings/warns', line: 9 })]);
    expect(byCheck(FAILING)).not.toHaveProperty('waiver');
    expect(outcome.exitCode).toBe(1);
    expect(byCheck('stale waiver: findings/warns')).toMatchObject({
      suite: 'waivers',
      status: 'warn',
      message: 'the waiver "findings/warns" (/w.yaml:9, until 2027-03-31) matched no failure: its check ran and none failed; remove it or correct its pattern',
    });
    // The other cluster's waiver is not stale here: it is not this cluster's.
    expect(outcome.results.filter((r) => r.suite === 'waivers')).toHaveLength(1);
  });

  it('stops before the cluster is touched when a pattern matches nothing', async () => {
    const asked = server.requests.length;
    const { outcome } = await run({ checks: ['findings/nope'] });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.error?.message).toMatch(/^--check "findings\/nope" matches no check; nearest: "findings\//);
    expect(server.requests.length).toBe(asked);
  });
});
