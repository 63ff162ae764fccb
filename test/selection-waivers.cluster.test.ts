// Check selection and waivers against the real local cluster, as a user runs them: a --check pattern
// runs only what it matches (the rest reported skipped, and a suite left with no check not set up
// at all), a pattern that matches nothing stops the run before it starts, naming the nearest ids;
// then, with CoreDNS scaled to zero on purpose, a live waiver turns the failure of the one dns check
// it breaks at once into a passing run whose JSON and JUnit carry the waiver's reason, and the same
// waiver past its day fails the run again, saying it expired. CoreDNS is restored to its replicas
// and waited for, even when the test fails.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_CLUSTER_CONTEXT } from '../helpers/fleet/image.ts';
import { KUBECONFIG, readReport, shakedown, type Report, type ReportResult } from './cli-child.ts';
import { scaleDeployment, waitOthersFaults, waitPodsReady, withFaultLock, withSession } from './cluster-kit.ts';

const NAMESPACE = 'kube-system';
const DEPLOYMENT = 'coredns';
const COREDNS_PODS = 'k8s-app=kube-dns';
// The one dns check that fails at once with CoreDNS at zero (the others ask it and wait for answers).
const HEALTH = 'CoreDNS replicas are ready and behind the DNS Service';
const SELECT = 'dns/CoreDNS replicas*';
const REASON = 'CoreDNS scaled to zero on purpose by the waiver test';

type Waived = ReportResult & { waiver?: { check: string; reason: string; until: string } };
type WaivedReport = Report & { summary: { passed: number; failed: number; skipped: number; warned: number; waived?: number } };

const dir = mkdtempSync(join(tmpdir(), 'sd-selection-waivers-'));

describe('check selection and waivers on the local cluster', () => {
  it(
    'runs only the checks a pattern selects; the others are skipped with the pattern as the reason, and a suite left with none is not set up',
    { timeout: 240_000 },
    async () => {
      // A cluster another test broke on purpose says nothing about selection.
      await waitOthersFaults();
      const out = join(dir, 'selected.json');
      // gate is read-only; dns needs the probe fleet and a namespace: deselected, nothing of it is made.
      const ran = await shakedown([
        'run',
        '--kubeconfig',
        KUBECONFIG,
        '--suite',
        'dns,gate',
        '--target-version',
        '1.35',
        '--check',
        'gate/control plane healthy*',
        '--json',
        out,
      ]);
      const report = readReport(out);
      const ranChecks = report.results.filter((r) => r.status !== 'skip').map((r) => `${r.suite} › ${r.check}`);
      expect(ranChecks, ran.stdout + ran.stderr).toEqual(['gate › control plane healthy before the upgrade']);
      const skipped = report.results.filter((r) => r.status === 'skip');
      expect(skipped.length).toBeGreaterThanOrEqual(15);
      for (const r of skipped) expect(r.skipReason, `${r.suite} › ${r.check}`).toBe('not selected by --check "gate/control plane healthy*"');
      expect(skipped.filter((r) => r.suite === 'dns').map((r) => r.check)).toContain(HEALTH);
      // No fleet, no run namespace: the engine's own "setup" checks (the fleet, the namespaces' removal) never happened.
      expect(report.results.filter((r) => r.suite === 'setup')).toEqual([]);
      expect(report.run.properties).toMatchObject({ 'shakedown.suites': 'gate', 'shakedown.checks': '["gate/control plane healthy*"]' });
      expect([0, 1]).toContain(ran.code);
    },
  );

  it('exits 2 before the run for a pattern that matches nothing, naming the nearest ids, and writes no report', async () => {
    const out = join(dir, 'none.json');
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'dns', '--check', 'dns/CoreDNS replica are redy*', '--json', out]);
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr.split('\n')[0]).toBe(
      'error SD_BAD_FLAG: --check "dns/CoreDNS replica are redy*" matches no check; nearest: "dns/CoreDNS replicas are ready and behind the DNS Service", "dns/the DNS Service and every CoreDNS replica answer", "dns/a headless Service resolves to its ready pod IPs"',
    );
    expect(existsSync(out)).toBe(false);
  });

  it(
    'with CoreDNS at zero: a live waiver passes the run, its reason in the JSON and the JUnit; past its day it fails again, saying it expired',
    { timeout: 600_000 },
    async () => {
      const waivers = (until: string): string => {
        const path = join(dir, `waivers-${until}.yaml`);
        writeFileSync(
          path,
          [
            '# CoreDNS at zero on the local cluster',
            'waivers:',
            `  - check: "${SELECT}"`,
            `    reason: ${REASON}`,
            `    until: ${until}`,
            `    context: ${LOCAL_CLUSTER_CONTEXT}`,
            '',
          ].join('\n'),
        );
        return path;
      };
      const run = async (name: string, until: string) => {
        const json = join(dir, `${name}.json`);
        const junit = join(dir, `${name}.xml`);
        const ran = await shakedown([
          'run',
          '--kubeconfig',
          KUBECONFIG,
          '--suite',
          'dns',
          '--check',
          SELECT,
          '--waivers',
          waivers(until),
          '--json',
          json,
          '--junit',
          junit,
        ]);
        return { ran, report: readReport(json) as WaivedReport, junit: readFileSync(junit, 'utf8') };
      };
      // Others' tests wait while CoreDNS is down (the fault lock); it is restored even when this fails.
      const { live, expired } = await withFaultLock('coredns', async () => {
        const original = await withSession(
          async ({ clients: { apps } }) => (await apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT })).spec?.replicas ?? 2,
        );
        expect(original).toBeGreaterThan(0);
        try {
          await scaleDeployment(NAMESPACE, DEPLOYMENT, 0);
          await waitPodsReady(NAMESPACE, COREDNS_PODS, 0, 120_000);
          return { live: await run('live', '2099-12-31'), expired: await run('expired', '2020-01-31') };
        } finally {
          await scaleDeployment(NAMESPACE, DEPLOYMENT, original);
          await waitPodsReady(NAMESPACE, COREDNS_PODS, original, 180_000);
        }
      });

      // The live waiver: the failure is still a failure, carries the waiver, and the run passes.
      const health = live.report.results.find((r) => r.check === HEALTH) as Waived | undefined;
      expect(health, live.ran.stdout + live.ran.stderr).toMatchObject({
        status: 'fail',
        classification: 'dns-error',
        waiver: { check: SELECT, reason: REASON, until: '2099-12-31' },
      });
      expect(live.report.summary).toMatchObject({ failed: 0, waived: 1 });
      expect(live.ran.code, live.ran.stdout + live.ran.stderr).toBe(0);
      expect(live.ran.stdout).toMatch(
        /≈ waived dns › CoreDNS replicas are ready and behind the DNS Service .*\(waived until 2099-12-31: CoreDNS scaled to zero on purpose by the waiver test\)/,
      );
      expect(live.ran.stdout).toMatch(/, 1 waived\n$/);
      expect(live.junit).toContain(`<skipped message="waived until 2099-12-31: ${REASON}">`);
      expect(live.junit).toMatch(/<testsuites name="shakedown" tests="\d+" failures="0" /);
      // Selection, as above: every other dns check was left out, with the reason.
      const others = live.report.results.filter((r) => r.suite === 'dns' && r.check !== HEALTH);
      expect(others.length).toBeGreaterThanOrEqual(10);
      for (const r of others) expect(r).toMatchObject({ status: 'skip', skipReason: `not selected by --check "${SELECT}"` });

      // Past its day: the same failure fails the run, and says the waiver expired.
      const again = expired.report.results.find((r) => r.check === HEALTH) as Waived | undefined;
      expect(again, expired.ran.stdout + expired.ran.stderr).toMatchObject({ status: 'fail', classification: 'dns-error' });
      expect(again?.waiver).toBeUndefined();
      expect(again?.message).toContain(`(waiver expired on 2020-01-31: ${REASON})`);
      expect(again?.evidence.find((e) => e.label === 'waiver')?.text).toMatch(/^waiver expired on 2020-01-31 \(it held through that day, UTC\)/);
      expect(expired.report.summary).toMatchObject({ failed: 1, waived: 0 });
      expect(expired.ran.code).toBe(1);
      expect(expired.junit).toMatch(/<failure message="[^"]*waiver expired on 2020-01-31/);
    },
  );
});
