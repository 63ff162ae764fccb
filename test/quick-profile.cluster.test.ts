// `shakedown run --profile quick` against the real local cluster, as a user runs it: exactly the
// profile's checks (one per area) pass, the NetworkPolicy verdict builds its small world, and the
// run's namespaces, deleted but not waited for, are gone soon after the run: nothing is left.
// (Its wall time is a benchmark, bench/quick.ts, not asserted here.)
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profilePlan } from '../helpers/engine/profiles.ts';
import { discoverSuites, loadSuites } from '../helpers/engine/suites.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { KUBECONFIG, readReport, shakedown } from './cli-child.ts';
import { sleep, withSession } from './cluster-kit.ts';

const namespacesOfRun = (runId: string): Promise<string[]> =>
  withSession(async (session) =>
    (await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) })).items.map((ns) => ns.metadata?.name ?? ''),
  );

describe('the quick profile on the local cluster', () => {
  it('runs one check per area, all passing, and leaves no namespace behind once the namespace controller has done its part', { timeout: 240_000 }, async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sd-quick-')), 'report.json');
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--profile', 'quick', '--json', out]);
    const report = readReport(out);
    const failures = report.results.filter((r) => r.status === 'fail').map((r) => `${r.suite} › ${r.check}: ${r.message}`);
    expect(failures, ran.stdout + ran.stderr).toEqual([]);
    expect(ran.code).toBe(0);
    expect(report.run.properties['shakedown.profile']).toBe('quick');

    const quick = profilePlan('quick', await loadSuites(discoverSuites()));
    const chosen = Object.entries(quick.checks ?? {}).flatMap(([suite, titles]) => titles.map((title) => `${suite} › ${title}`));
    const ranChecks = report.results.filter((r) => r.suite !== 'setup').map((r) => `${r.suite} › ${r.check}`);
    expect(ranChecks.sort()).toEqual(chosen.sort());
    expect(report.results.filter((r) => r.suite !== 'setup').every((r) => r.status === 'pass')).toBe(true);

    const verdict = report.results.find((r) => r.suite === 'netpol');
    expect(verdict?.message).toMatch(/^NetworkPolicy is enforced by /);
    // The verdict alone needs only its small world (suites/netpol/world-model.ts).
    expect((verdict as { log?: string[] } | undefined)?.log?.join('\n')).toContain('verdict model, 2 namespaces x 2 pods');
    const teardown = report.results.find((r) => r.suite === 'setup' && r.check === 'run namespaces are deleted');
    expect(teardown).toMatchObject({
      status: 'pass',
      message: expect.stringMatching(/requested \(their pods at once\); not waited for under --profile quick/),
    });

    // Deleted, not waited for: every namespace of the run goes on its own within the minute.
    const runId = report.run.runId;
    let left = await namespacesOfRun(runId);
    for (let waited = 0; left.length > 0 && waited < 60_000; waited += 1000) {
      await sleep(1000);
      left = await namespacesOfRun(runId);
    }
    expect(left).toEqual([]);
  });
});
