// cert-manager and metrics-server on the local cluster, healthy and broken:
// 1. The certificates suite issues a certificate end to end from an Issuer of its own, and says how long it took.
// 2. An Issuer pointing at a CA Secret that does not exist, with a Certificate from it (in a
//    namespace of this test's own): the Certificate is named with the Issuer and its reason.
// 3. metrics-server scaled to zero: the control-plane suite names APIService v1beta1.metrics.k8s.io
//    with what it breaks, and the run's teardown ends at once naming it instead of waiting blind.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECONFIG, readReport, shakedown, type Report } from './cli-child.ts';
import { harness, scaleDeployment, sleep, waitPodsReady, withFaultLock, withSession } from './cluster-kit.ts';
import { namespacesOfRun } from './netpol-cluster.ts';

const METRICS = { namespace: 'kube-system', name: 'metrics-server', pods: 'k8s-app=metrics-server' };
const BROKEN_NS = 'sd-test-cert-manager';

async function run(args: string[]): Promise<{ code: number | null; report: Report; seconds: number; output: string }> {
  const out = join(mkdtempSync(join(tmpdir(), 'sd-cert-manager-')), 'report.json');
  const started = performance.now();
  const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, ...args, '--json', out]);
  return { code: ran.code, report: readReport(out), seconds: (performance.now() - started) / 1000, output: `${ran.stdout}${ran.stderr}` };
}

const result = (report: Report, suite: string, check: string) => report.results.find((r) => r.suite === suite && r.check === check);

async function apiServiceAvailable(): Promise<string | undefined> {
  return withSession(
    async ({ clients }) =>
      (await clients.apiregistration.readAPIService({ name: 'v1beta1.metrics.k8s.io' })).status?.conditions?.find((c) => c.type === 'Available')?.status,
  );
}

async function waitAvailable(want: 'True' | 'False', timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await apiServiceAvailable()) !== want) {
    if (Date.now() > deadline) throw new Error(`APIService v1beta1.metrics.k8s.io not Available=${want} after ${timeoutMs} ms`);
    await sleep(1000);
  }
}

describe('cert-manager and metrics-server', () => {
  it('issues a certificate end to end and names a Certificate stuck on an Issuer whose CA Secret is missing', async () => {
    const manifest = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Issuer',
          metadata: { name: 'missing-ca', namespace: BROKEN_NS },
          spec: { ca: { secretName: 'no-such-ca-secret' } },
        },
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          metadata: { name: 'stuck', namespace: BROKEN_NS },
          spec: { secretName: 'stuck-tls', dnsNames: ['stuck.example.test'], issuerRef: { name: 'missing-ca', kind: 'Issuer' } },
        },
      ],
    });
    const file = join(mkdtempSync(join(tmpdir(), 'sd-cm-objects-')), 'objects.json');
    writeFileSync(file, manifest);
    const { code, report, seconds } = await withFaultLock('cert-manager', async () => {
      await harness('kubectl', 'create', 'namespace', BROKEN_NS);
      try {
        await harness('kubectl', 'create', '-f', file);
        // cert-manager looks at a new Issuer within seconds: its Ready=False is what the run must read.
        await harness('kubectl', '-n', BROKEN_NS, 'wait', '--for=condition=Ready=False', 'issuer/missing-ca', '--timeout=60s');
        return await run(['--suite', 'certificates']);
      } finally {
        await harness('kubectl', 'delete', 'namespace', BROKEN_NS, '--wait=false');
      }
    });
    console.log(`certificates suite with an Issuer whose CA Secret is missing: ${seconds.toFixed(1)} s`);
    const issued = result(report, 'certificates', 'cert-manager issues a certificate end to end');
    console.log(`  end to end: ${issued?.status} ${issued?.message}`);
    expect(issued?.status).toBe('pass');
    expect(issued?.message).toMatch(/^Ready after \d+\.\d s: shakedown-e2e\..*\.svc, valid 1h$/);
    expect(result(report, 'certificates', "cert-manager's webhook answers the API server")?.status).toBe('pass');
    const certificates = result(report, 'certificates', 'cert-manager Certificates are ready and renewed');
    console.log(`  certificates: ${certificates?.message}\n  cause: ${certificates?.likelyCause}`);
    expect(certificates?.status).toBe('fail');
    expect(certificates?.message).toContain(`cert-manager Certificate ${BROKEN_NS}/stuck (Secret stuck-tls)`);
    expect(certificates?.message).toMatch(/its Issuer sd-test-cert-manager\/missing-ca \(ca\) is not Ready: .*no-such-ca-secret/);
    const issuers = result(report, 'certificates', 'cert-manager Issuers and ClusterIssuers are ready');
    expect(issuers?.status).toBe('fail');
    expect(issuers?.message).toContain(`Issuer ${BROKEN_NS}/missing-ca (ca)`);
    expect(code).toBe(1);
  });

  it('names metrics-server scaled to zero as the unavailable APIService with what it breaks, and teardown does not hang on it', async () => {
    const { code, report, seconds, output } = await withFaultLock('metrics-server', async () => {
      await scaleDeployment(METRICS.namespace, METRICS.name, 0);
      try {
        await waitPodsReady(METRICS.namespace, METRICS.pods, 0, 120_000);
        await waitAvailable('False', 120_000);
        return await run(['--suite', 'control-plane']);
      } finally {
        await scaleDeployment(METRICS.namespace, METRICS.name, 1);
        await waitPodsReady(METRICS.namespace, METRICS.pods, 1, 180_000);
        await waitAvailable('True', 180_000);
      }
    });
    console.log(`control-plane suite with metrics-server at zero: ${seconds.toFixed(1)} s`);
    const aggregated = result(report, 'control-plane', 'every aggregated API is Available');
    console.log(`  ${aggregated?.message}\n  cause: ${aggregated?.likelyCause}`);
    expect(aggregated?.status).toBe('fail');
    expect(aggregated?.message).toMatch(/^1 aggregated API\(s\) not Available: v1beta1\.metrics\.k8s\.io \(/);
    expect(aggregated?.likelyCause).toMatch(/served by kube-system\/metrics-server.*namespace deletion.*kubectl top/);
    expect(result(report, 'control-plane', 'the metrics API reports every node')?.status).toBe('skip');
    const teardown = result(report, 'setup', 'run namespaces are deleted');
    console.log(`  teardown: ${teardown?.status} ${teardown?.message}`);
    // The namespace controller cannot empty the run's namespaces while discovery fails: said, not waited out.
    if (teardown?.status === 'fail')
      expect(teardown.message).toMatch(
        /the namespace controller cannot finish deleting .*APIService v1beta1\.metrics\.k8s\.io \(Service kube-system\/metrics-server\)/,
      );
    else expect(teardown?.status).toBe('pass');
    expect(seconds).toBeLessThan(150);
    expect(code, output).toBe(1);
    // With the APIService back, the namespace controller finishes what it could not.
    const deadline = Date.now() + 90_000;
    while ((await namespacesOfRun(report.run.runId)).length > 0 && Date.now() < deadline) await sleep(2000);
    expect(await namespacesOfRun(report.run.runId)).toEqual([]);
  });
});
