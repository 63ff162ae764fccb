// DNS broken on purpose: CoreDNS scaled to zero on the local cluster, the dns suite must fail and
// name CoreDNS as the cause, every failing check with the same origin (component coredns); then
// CoreDNS is restored to its replicas and waited for, even when the test fails.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownedSelector } from '../helpers/run/labels.ts';
import { KUBECONFIG, shakedown, type ReportResult } from './cli-child.ts';
import { scaleDeployment, waitPodsReady, withFaultLock, withSession } from './cluster-kit.ts';

const NAMESPACE = 'kube-system';
const DEPLOYMENT = 'coredns';
const COREDNS_PODS = 'k8s-app=kube-dns';

describe('the dns suite with CoreDNS scaled to zero', () => {
  it('fails, and names CoreDNS as the cause', async () => {
    // Others' tests wait while CoreDNS is down (the fault lock); it is restored even when this fails.
    const { ran, report, seconds } = await withFaultLock('dns', async () => {
      const original = await withSession(
        async ({ clients: { apps } }) => (await apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT })).spec?.replicas ?? 2,
      );
      expect(original).toBeGreaterThan(0);
      try {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, 0);
        await waitPodsReady(NAMESPACE, COREDNS_PODS, 0, 120_000);
        const out = mkdtempSync(join(tmpdir(), 'sd-dns-broken-'));
        const started = performance.now();
        const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'dns', '--json', join(out, 'report.json')]);
        const seconds = (performance.now() - started) / 1000;
        return { ran, seconds, report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { runId: string }; results: ReportResult[] } };
      } finally {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, original);
        await waitPodsReady(NAMESPACE, COREDNS_PODS, original, 180_000);
      }
    });
    const dns = report.results.filter((r) => r.suite === 'dns');
    const failed = dns.filter((r) => r.status === 'fail');
    console.log(`dns suite with CoreDNS at zero: ${seconds.toFixed(1)} s, ${failed.length} of ${dns.length} checks failed`);
    for (const r of failed) console.log(`  ${r.check}: ${r.message}\n    likely cause: ${r.likelyCause ?? '-'}`);

    expect(ran.code).toBe(1);
    const health = dns.find((r) => r.check === 'CoreDNS replicas are ready and behind the DNS Service');
    expect(health).toMatchObject({ status: 'fail', classification: 'dns-error' });
    expect(health?.message).toMatch(/CoreDNS/);
    expect(health?.likelyCause).toMatch(/^CoreDNS has no pods/);
    // Lookups fail too, and each says CoreDNS is the cause rather than a symptom.
    const lookups = failed.filter((r) => r !== health);
    expect(lookups.length).toBeGreaterThanOrEqual(5);
    for (const r of lookups) {
      expect(r.message, r.check).toContain('; cause: CoreDNS has no pods');
      expect(r.likelyCause, r.check).toMatch(/^CoreDNS has no pods/);
    }
    // One reason for the run: every failing check names the same origin, CoreDNS itself.
    for (const r of failed) expect(r.origin, r.check).toMatchObject({ dimension: 'component', value: 'coredns', confidence: 'high' });
    const left = await withSession(async (session) => (await session.clients.core.listNamespace({ labelSelector: ownedSelector(report.run.runId) })).items);
    expect(left.map((ns) => ns.metadata?.name)).toEqual([]);
  });
});
