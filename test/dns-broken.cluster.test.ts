// DNS broken on purpose: CoreDNS scaled to zero on the local cluster, the dns suite must fail and
// name CoreDNS as the cause, every failing check with the same origin (component coredns); then
// CoreDNS is restored to its replicas and waited for, even when the test fails (afterAll).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { ownedSelector } from '../helpers/run/labels.ts';
import { KUBECONFIG, shakedown } from './cli-child.ts';

const NAMESPACE = 'kube-system';
const DEPLOYMENT = 'coredns';

interface Result {
  suite: string;
  check: string;
  status: string;
  message: string;
  likelyCause?: string;
  classification?: string;
  origin?: { dimension: string; value: string; confidence: string };
}


async function withSession<T>(use: (session: KubeSession, apps: AppsV1Api) => Promise<T>): Promise<T> {
  const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  try {
    return await use(session, session.kc.makeApiClient(AppsV1Api));
  } finally {
    await session.close();
  }
}

async function scale(replicas: number): Promise<void> {
  await withSession(async (_session, apps) => {
    const current = await apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT });
    await apps.replaceNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT, body: { ...current, spec: { replicas } } });
  });
}

// Polls until `replicas` CoreDNS pods are Ready (and none is left over when scaling down).
async function waitReady(replicas: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pods = await withSession(async (session) => (await session.clients.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'k8s-app=kube-dns' })).items);
    const ready = pods.filter((pod) => pod.metadata?.deletionTimestamp === undefined && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (ready.length === replicas && pods.length === replicas) return;
    if (Date.now() > deadline) throw new Error(`CoreDNS: expected ${replicas} ready pod(s), saw ${ready.length} ready of ${pods.length}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

let original: number | undefined;

describe('the dns suite with CoreDNS scaled to zero', () => {
  afterAll(async () => {
    if (original === undefined) return;
    await scale(original);
    await waitReady(original, 180_000);
  }, 240_000);

  it('fails, and names CoreDNS as the cause', async () => {
    original = await withSession(async (_s, apps) => (await apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT })).spec?.replicas ?? 2);
    expect(original).toBeGreaterThan(0);
    await scale(0);
    await waitReady(0, 120_000);

    const out = mkdtempSync(join(tmpdir(), 'sd-dns-broken-'));
    const started = performance.now();
    const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'dns', '--json', join(out, 'report.json')]);
    const seconds = (performance.now() - started) / 1000;
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { runId: string }; results: Result[] };
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
