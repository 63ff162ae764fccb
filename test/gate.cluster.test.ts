// The pre-upgrade gate on the local cluster (Kubernetes 1.34): two healthy gate runs diff to
// nothing (exit 0); then a namespace of this test gets a single-replica Deployment under a
// PodDisruptionBudget that allows no disruption, and the test calls a deprecated API (GET
// /api/v1/componentstatuses, deprecated since 1.19, no removal announced). The gate run after that
// names both (the drain that will hang, with node, pod and PDB; the deprecated API in its
// evidence), exits 1, and `shakedown diff` names exactly the drain check as the regression
// (exit 1). A CRD of this test with a deprecated storage version (v1beta1) and one object written
// through it shows the CRD side: the write is counted by the API server's deprecated-API metric, and
// the object is named as stored in a deprecated version. The namespace and the CRD (labelled
// app.kubernetes.io/managed-by=shakedown-test) are deleted in afterAll, whatever happened.
// The local 1.34 API server serves no built-in group-version that 1.35 removes (the removal table's
// last entry is 1.32), so the "removed by the target" path is proven with fake metrics in
// suites/gate/gate.test.ts, not here.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, PolicyV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { poll } from '../helpers/wait/poll.ts';
import { KUBECONFIG, shakedown, type ReportResult, type Report } from './cli-child.ts';

const NAMESPACE = `sd-gate-test-${Date.now().toString(36)}`;
const DRAINS = 'node drains that will hang';
const DEPRECATED = 'APIs in use that the target removes or deprecates';
const CRD_GROUP = 'gate-test.shakedown.dev';
const CRD = `widgets.${CRD_GROUP}`;
const STORED = 'objects stored in deprecated API versions';
const out = mkdtempSync(join(tmpdir(), 'sd-gate-'));
let session: KubeSession;

async function waitNoFault(): Promise<void> {
  await poll(
    () => Promise.resolve(existsSync('/tmp/cluster-fault.lock')),
    (locked) => !locked,
    { timeoutMs: 240_000, intervalMs: 5000 },
  );
}

async function gate(name: string): Promise<{ code: number | null; report: Report; stdout: string }> {
  const path = join(out, `${name}.json`);
  const ran = await shakedown(['gate', '--kubeconfig', KUBECONFIG, '--target-version', '1.35', '--json', path]);
  if (!existsSync(path)) throw new Error(`no report from gate run ${name}: ${ran.stderr}`);
  return { code: ran.code, report: JSON.parse(readFileSync(path, 'utf8')) as Report, stdout: ran.stdout };
}

const byCheck = (report: Report, check: string): ReportResult | undefined => report.results.find((r) => r.suite === 'gate' && r.check === check);

describe('shakedown gate and diff on the local cluster', () => {
  beforeAll(async () => {
    await waitNoFault();
    session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  });
  afterAll(async () => {
    for (const path of [`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`, `/api/v1/namespaces/${NAMESPACE}`]) {
      await session.connection.send({ method: 'DELETE', path, timeoutMs: 30_000 }).catch(() => undefined);
    }
    await session.close();
  }, 60_000);

  it('two healthy gate runs diff to no regression (exit 0)', async () => {
    const first = await gate('healthy-1');
    const second = await gate('healthy-2');
    for (const run of [first, second]) {
      expect(run.code, run.stdout).toBe(0);
      const seconds = (Date.parse(run.report.run.finishedAt) - Date.parse(run.report.run.startedAt)) / 1000;
      console.log(`gate run: ${seconds.toFixed(1)} s, ${run.report.results.map((r) => `${r.check}=${r.status}`).join(', ')}`);
      expect(seconds).toBeLessThan(10);
      expect(run.report.run.properties['gate.target-version']).toBe('1.35');
      expect(Object.keys(run.report.run.properties).filter((k) => k.startsWith('gate.kubelet-version.')).length).toBeGreaterThan(0);
    }
    const diff = await shakedown(['diff', join(out, 'healthy-1.json'), join(out, 'healthy-2.json')]);
    console.log(diff.stdout);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('no regression');
  });

  it('names a drain a PDB blocks and a deprecated API call, and diff names exactly that regression (exit 1)', async () => {
    await waitNoFault();
    await session.clients.core.createNamespace({ body: { metadata: { name: NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'shakedown-test' } } } });
    const apps = session.kc.makeApiClient(AppsV1Api);
    const policy = session.kc.makeApiClient(PolicyV1Api);
    const labels = { app: 'lonely' };
    await apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: {
        metadata: { name: 'lonely', labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [
                {
                  name: 'sleep',
                  image: 'localhost/shakedown/node:24.21.0',
                  imagePullPolicy: 'Never',
                  command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
                },
              ],
            },
          },
        },
      },
    });
    await policy.createNamespacedPodDisruptionBudget({
      namespace: NAMESPACE,
      body: { metadata: { name: 'lonely-pdb' }, spec: { minAvailable: 1, selector: { matchLabels: labels } } },
    });
    // The disruption controller counts the one pod: expectedPods 1, disruptionsAllowed 0.
    const counted = await poll(
      async () => ({
        pdb: await policy.readNamespacedPodDisruptionBudget({ namespace: NAMESPACE, name: 'lonely-pdb' }),
        pods: (await session.clients.core.listNamespacedPod({ namespace: NAMESPACE })).items,
      }),
      ({ pdb, pods }) => pdb.status?.expectedPods === 1 && pods.some((p) => p.spec?.nodeName),
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    if (!counted.ok) throw new Error(`PDB status not settled: ${JSON.stringify(counted.value.pdb.status)}`);
    const pod = (await session.clients.core.listNamespacedPod({ namespace: NAMESPACE })).items[0];
    const node = pod?.spec?.nodeName ?? '?';
    // A CRD whose storage version is deprecated, and one object written through it.
    const send = async (method: 'POST' | 'GET' | 'DELETE', path: string, body?: unknown) => {
      const response = await session.connection.send({
        method,
        path,
        timeoutMs: 15_000,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return response;
    };
    await send('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`);
    const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
    const made = await send('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: CRD, labels: { 'app.kubernetes.io/managed-by': 'shakedown-test' } },
      spec: {
        group: CRD_GROUP,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [
          { name: 'v1beta1', served: true, storage: true, deprecated: true, schema },
          { name: 'v1', served: true, storage: false, schema },
        ],
      },
    });
    expect(made.status, made.text).toBe(201);
    const written = await poll(
      () =>
        send('POST', `/apis/${CRD_GROUP}/v1beta1/namespaces/${NAMESPACE}/widgets`, {
          apiVersion: `${CRD_GROUP}/v1beta1`,
          kind: 'Widget',
          metadata: { name: 'old' },
        }),
      (r) => r.status === 201,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    if (!written.ok) throw new Error(`cannot write a Widget: HTTP ${written.value.status} ${written.value.text}`);
    // A deprecated call: v1 ComponentStatus (deprecated since 1.19).
    const called = await session.connection.send({ method: 'GET', path: '/api/v1/componentstatuses', timeoutMs: 10_000 });
    console.log(`GET /api/v1/componentstatuses: HTTP ${called.status}, Warning: ${called.headers.warning ?? '-'}`);

    await waitNoFault();
    const broken = await gate('pdb');
    const drains = byCheck(broken.report, DRAINS);
    const deprecated = byCheck(broken.report, DEPRECATED);
    console.log(`drains: ${drains?.status} ${drains?.message}\n${drains?.evidence.map((e) => `${e.label}: ${e.text}`).join('\n')}`);
    console.log(`deprecated: ${deprecated?.status} ${deprecated?.message}\n${deprecated?.evidence.map((e) => `${e.label}: ${e.text}`).join('\n')}`);
    expect(broken.code).toBe(1);
    expect(drains?.status).toBe('fail');
    expect(drains?.message).toContain(node);
    expect(drains?.message).toContain(`${NAMESPACE}/${pod?.metadata?.name}`);
    expect(drains?.message).toContain(`${NAMESPACE}/lonely-pdb`);
    expect(drains?.evidence.map((e) => e.text).join('\n')).toContain('single-replica workload');
    expect(['warn', 'fail']).toContain(deprecated?.status);
    expect(deprecated?.message).toContain('v1 componentstatuses');
    expect(deprecated?.evidence.map((e) => e.text).join('\n')).toMatch(/v1 componentstatuses: \d+ request\(s\) \(list \d+/);

    const stored = byCheck(broken.report, STORED);
    console.log(`stored: ${stored?.status} ${stored?.message}\n${stored?.evidence.map((e) => `${e.label}: ${e.text}`).join('\n')}`);
    expect(stored?.status).toBe('warn');
    expect(stored?.message).toContain(`widgets.${CRD_GROUP}/v1beta1`);
    expect(deprecated?.evidence.map((e) => e.text).join('\n')).toMatch(
      new RegExp(`${CRD_GROUP.replaceAll('.', '\\.')}/v1beta1 widgets: \\d+ request\\(s\\) \\(.*post \\d+`),
    );

    const diff = await shakedown(['diff', join(out, 'healthy-2.json'), join(out, 'pdb.json'), '--junit', join(out, 'diff.xml')]);
    console.log(diff.stdout);
    expect(diff.code).toBe(1);
    const regressions = diff.stdout.split('\n').filter((line) => /^(new-failure|slower) /.test(line));
    expect(regressions).toEqual([expect.stringMatching(/^new-failure\s+gate › node drains that will hang\s+(warn|pass)\s/)]);
    expect(readFileSync(join(out, 'diff.xml'), 'utf8')).toContain('new-failure: gate › node drains that will hang');
  });
});
