// The ingress suite against the local cluster, broken on purpose in two ways:
// 1. Traefik (the only controller) scaled to zero: the suite fails and names the controller as the
//    cause; Traefik is restored and waited Ready even when the test fails (finally), under the fault
//    lock (cluster-kit's withFaultLock) the other fault tests wait for.
// 2. An Ingress of the cluster's own (a namespace made here) whose TLS Secret holds a certificate
//    that does not match its key: with --ingress-existing the check names the certificate actually
//    served, Traefik's default, and the Secret it could not use.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownedSelector } from '../helpers/run/labels.ts';
import { makeCa, makeLeaf } from '../suites/ingress/x509.ts';
import { KUBECONFIG, shakedown, type ReportResult } from './cli-child.ts';
import { scaleDeployment, waitPodsReady, withFaultLock, withSession } from './cluster-kit.ts';

const NAMESPACE = 'traefik';
const DEPLOYMENT = 'traefik';
const TRAEFIK_PODS = 'app=traefik';

async function run(args: string[], name: string): Promise<{ code: number | null; results: ReportResult[]; runId: string; seconds: number }> {
  const out = mkdtempSync(join(tmpdir(), `sd-ingress-${name}-`));
  const started = performance.now();
  const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'ingress', '--json', join(out, 'report.json'), ...args]);
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { runId: string }; results: ReportResult[] };
  const teardown = report.results.find((r) => r.check === 'run namespaces are deleted');
  console.log(`teardown of ${report.run.runId}: ${teardown?.status ?? '?'} ${teardown?.message ?? ''}`);
  return { code: ran.code, results: report.results.filter((r) => r.suite === 'ingress'), runId: report.run.runId, seconds };
}

async function leftovers(runId: string): Promise<string[]> {
  return withSession(async (session) =>
    (await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) })).items.map((ns) => ns.metadata?.name ?? ''),
  );
}

describe('the ingress suite against a broken ingress', () => {
  let original: number | undefined;
  // Only when restoring in the test itself failed.
  afterAll(async () => {
    if (original !== undefined) {
      await scaleDeployment(NAMESPACE, DEPLOYMENT, original);
      await waitPodsReady(NAMESPACE, TRAEFIK_PODS, original, 180_000);
    }
  }, 240_000);

  it('with Traefik scaled to zero, fails and names the controller as the cause', async () => {
    const result = await withFaultLock('ingress', async () => {
      const replicas = await withSession(
        async ({ clients: { apps } }) => (await apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT })).spec?.replicas ?? 1,
      );
      expect(replicas).toBeGreaterThan(0);
      original = replicas;
      try {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, 0);
        await waitPodsReady(NAMESPACE, TRAEFIK_PODS, 0, 120_000);
        return await run([], 'down');
      } finally {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, replicas);
        await waitPodsReady(NAMESPACE, TRAEFIK_PODS, replicas, 180_000);
        original = undefined;
      }
    });
    const failed = result.results.filter((r) => r.status === 'fail');
    console.log(`ingress suite with Traefik at zero: ${result.seconds.toFixed(1)} s, ${failed.length} of ${result.results.length} checks failed`);
    for (const r of failed) console.log(`  ${r.check}: ${r.message}\n    likely cause: ${r.likelyCause ?? '-'}`);
    expect(result.code).toBe(1);
    const inventory = result.results.find((r) => r.check === 'inventory: classes, controllers and dialects');
    expect(inventory).toMatchObject({ status: 'fail' });
    expect(inventory?.likelyCause).toMatch(/Traefik \(Deployment traefik\/traefik, 0\/0 ready\) is not running/);
    const routing = result.results.find((r) => r.check === 'routing: hosts, path types, longest match');
    expect(routing).toMatchObject({ status: 'fail', classification: 'unreachable' });
    expect(routing?.likelyCause).toMatch(/Traefik .*traefik\/traefik.* has no ready pod/);
    expect(await leftovers(result.runId)).toEqual([]);
  }, 420_000);

  it('an Ingress whose TLS Secret does not match its key: --ingress-existing names the certificate served', async () => {
    const namespace = `sd-ingress-broken-tls-${Date.now().toString(36)}`;
    const host = `broken.${namespace}.shakedown.test`;
    const now = new Date();
    const ca = makeCa('broken-tls test CA', now, 2);
    const certOf = makeLeaf(ca, [host], now, 1);
    const otherKey = makeLeaf(ca, [host], now, 1);
    await withSession(async ({ clients: { core, networking } }) => {
      await core.createNamespace({ body: { metadata: { name: namespace } } });
      await core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name: 'mismatched' },
          type: 'kubernetes.io/tls',
          data: { 'tls.crt': Buffer.from(certOf.certPem).toString('base64'), 'tls.key': Buffer.from(otherKey.keyPem).toString('base64') },
        },
      });
      await core.createNamespacedService({ namespace, body: { metadata: { name: 'web' }, spec: { selector: { app: 'none' }, ports: [{ port: 80 }] } } });
      await networking.createNamespacedIngress({
        namespace,
        body: {
          metadata: { name: 'shop' },
          spec: {
            ingressClassName: 'traefik',
            tls: [{ hosts: [host], secretName: 'mismatched' }],
            rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
          },
        },
      });
    });
    try {
      const result = await run(['--ingress-existing'], 'tls');
      const existing = result.results.find((r) => r.check === 'existing routes: served certificates (--ingress-existing)');
      console.log(
        `ingress suite with a mismatched TLS Secret: ${result.seconds.toFixed(1)} s\n  ${existing?.status ?? '?'}: ${existing?.message ?? ''}\n  likely cause: ${existing?.likelyCause ?? '-'}`,
      );
      expect(result.code).toBe(1);
      expect(existing).toMatchObject({ status: 'fail', classification: 'tls-error' });
      expect(existing?.message).toContain(`Ingress ${namespace}/shop host ${host} (Secret mismatched)`);
      expect(existing?.message).toContain('CN=TRAEFIK DEFAULT CERT');
      expect(existing?.message).toContain('fallback certificate');
      // The suite's own checks still pass beside it.
      for (const r of result.results.filter((x) => x !== existing)) expect(r.status, `${r.check}: ${r.message}`).not.toBe('fail');
      expect(await leftovers(result.runId)).toEqual([]);
    } finally {
      await withSession(async ({ clients: { core } }) => core.deleteNamespace({ name: namespace }));
    }
  }, 300_000);
});
