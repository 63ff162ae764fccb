// Storage broken on purpose, on the local cluster, each for as short a time as one run of the
// storage suite: (1) local-path-provisioner scaled to zero: the provisioning check fails and names
// the provisioner (and its Deployment at zero) as the cause, and so does the provisioner check;
// (2) the default-class annotation removed from local-path: the default-class check fails saying
// there is no default StorageClass, and a claim without a class fails for that reason. Both are
// restored in finally (the provisioner waited Ready again). While the cluster is broken, a lock
// file tells the other cluster tests to wait. (3) A class of the run with Immediate binding, which
// local-path-provisioner refuses (it needs a node, and Immediate gives none): chosen with
// --storage-class, its check fails with the provisioner's own refusal as the cause; the class,
// labelled with the run, is deleted in finally. Nothing is broken for anyone else.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, ownedSelector, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import { KUBECONFIG, shakedown, type ReportResult } from './cli-child.ts';
import { scaleDeployment, sleep, waitPodsReady, withSession } from './cluster-kit.ts';

const NAMESPACE = 'local-path-storage';
const DEPLOYMENT = 'local-path-provisioner';
const CLASS = 'local-path';
const DEFAULT_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const LOCK = '/tmp/cluster-fault-storage.lock';
const FOREIGN_LOCK = '/tmp/cluster-fault.lock';

const PROVISIONING = 'dynamic provisioning › a claim without a class binds through the default class';
const PROVISIONERS = 'classes › every StorageClass has a running provisioner';
const DEFAULT_CLASS = 'classes › exactly one default StorageClass';

// Another engineer's deliberate fault: nothing runs against the cluster until it is over.
async function waitForeignFault(): Promise<void> {
  while (existsSync(FOREIGN_LOCK)) await sleep(5000);
}

async function setDefault(on: boolean): Promise<void> {
  await withSession(async (session) => {
    const storage = session.clients.storage;
    const sc = await storage.readStorageClass({ name: CLASS });
    const annotations = { ...sc.metadata?.annotations };
    if (on) annotations[DEFAULT_ANNOTATION] = 'true';
    else delete annotations[DEFAULT_ANNOTATION];
    await storage.replaceStorageClass({ name: CLASS, body: { ...sc, metadata: { ...sc.metadata, annotations } } });
  });
}

async function runSuite(label: string, extra: string[] = []): Promise<{ code: number | null; results: ReportResult[]; runId: string; seconds: number }> {
  const out = mkdtempSync(join(tmpdir(), `sd-storage-${label}-`));
  const started = performance.now();
  const ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'storage', '--json', join(out, 'report.json'), ...extra]);
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { run: { runId: string }; results: ReportResult[] };
  rmSync(out, { recursive: true, force: true });
  const results = report.results.filter((r) => r.suite === 'storage');
  console.log(`storage suite, ${label}: ${seconds.toFixed(1)} s, exit ${ran.code}`);
  for (const r of results.filter((x) => x.status === 'fail')) console.log(`  FAIL ${r.check}: ${r.message}\n    likely cause: ${r.likelyCause ?? '-'}`);
  return { code: ran.code, results, runId: report.run.runId, seconds };
}

// Nothing of the run is left: no namespace, no PV labelled with it.
async function expectNothingLeft(runId: string): Promise<void> {
  const left = await withSession(async (session) => ({
    namespaces: (await session.clients.core.listNamespace({ labelSelector: ownedSelector(runId) })).items.map((ns) => ns.metadata?.name),
    volumes: (await session.clients.core.listPersistentVolume({ labelSelector: `${RUN_ID_LABEL}=${runId}` })).items.map((pv) => pv.metadata?.name),
  }));
  expect(left).toEqual({ namespaces: [], volumes: [] });
}

async function broken<T>(work: () => Promise<T>, restore: () => Promise<void>): Promise<T> {
  await waitForeignFault();
  writeFileSync(LOCK, `storage suite test, pid ${process.pid}\n`);
  try {
    return await work();
  } finally {
    try {
      await restore();
    } finally {
      rmSync(LOCK, { force: true });
    }
  }
}

describe('the storage suite against a broken storage setup', () => {
  it('with the provisioner scaled to zero, provisioning fails and names the provisioner as the cause', async () => {
    const original = await withSession(
      async (session) => (await session.clients.apps.readNamespacedDeploymentScale({ namespace: NAMESPACE, name: DEPLOYMENT })).spec?.replicas ?? 1,
    );
    expect(original).toBeGreaterThan(0);
    const run = await broken(
      async () => {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, 0);
        await waitPodsReady(NAMESPACE, `app=${DEPLOYMENT}`, 0, 60_000);
        return runSuite('provisioner at zero');
      },
      async () => {
        await scaleDeployment(NAMESPACE, DEPLOYMENT, original);
        await waitPodsReady(NAMESPACE, `app=${DEPLOYMENT}`, original, 120_000);
      },
    );
    expect(run.code).toBe(1);
    const provisioning = run.results.find((r) => r.check === PROVISIONING);
    expect(provisioning).toMatchObject({ status: 'fail', classification: 'missing' });
    expect(provisioning?.message).toContain('provisioner rancher.io/local-path is not running');
    expect(provisioning?.likelyCause).toMatch(
      /^rancher\.io\/local-path runs nowhere: Deployment local-path-storage\/local-path-provisioner .* has 0 desired and 0 ready pod\(s\)/,
    );
    expect(provisioning?.origin).toMatchObject({ dimension: 'component', value: 'rancher.io/local-path', confidence: 'high' });
    const provisioners = run.results.find((r) => r.check === PROVISIONERS);
    expect(provisioners).toMatchObject({ status: 'fail' });
    expect(provisioners?.message).toContain('local-path: rancher.io/local-path runs nowhere');
    // What does not need the provisioner still passes.
    expect(run.results.find((r) => r.check === 'static binding › a static PV binds by class and selector')?.status).toBe('pass');
    expect(run.results.find((r) => r.check === DEFAULT_CLASS)?.status).toBe('pass');
    await expectNothingLeft(run.runId);
  }, 420_000);

  it('with the default-class annotation removed, the default-class check fails and says so', async () => {
    const run = await broken(
      async () => {
        await setDefault(false);
        return runSuite('no default class');
      },
      () => setDefault(true),
    );
    expect(run.code).toBe(1);
    const verdict = run.results.find((r) => r.check === DEFAULT_CLASS);
    expect(verdict).toMatchObject({ status: 'fail', classification: 'missing' });
    expect(verdict?.message).toMatch(/^no default StorageClass: none of \d+ class\(es\) \(.*local-path.*\) is marked default/);
    expect(verdict?.likelyCause).toContain(`no StorageClass carries the annotation ${DEFAULT_ANNOTATION}="true"`);
    const provisioning = run.results.find((r) => r.check === PROVISIONING);
    expect(provisioning).toMatchObject({ status: 'fail' });
    expect(provisioning?.message).toContain('the claim has no StorageClass');
    expect(provisioning?.likelyCause).toMatch(/^there is no default StorageClass/);
    await expectNothingLeft(run.runId);
  }, 420_000);

  it('a class the provisioner refuses (Immediate on local-path) fails with the refusal as the cause', async () => {
    const name = `shakedown-immediate-${process.pid}`;
    await waitForeignFault();
    await withSession((session) =>
      session.clients.storage.createStorageClass({
        body: {
          metadata: { name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: name } },
          provisioner: 'rancher.io/local-path',
          volumeBindingMode: 'Immediate',
          reclaimPolicy: 'Delete',
        },
      }),
    );
    let run: Awaited<ReturnType<typeof runSuite>>;
    try {
      run = await runSuite('Immediate class refused', ['--storage-class', name, '--storage-bound', '15s']);
    } finally {
      await withSession((session) => session.clients.storage.deleteStorageClass({ name }));
    }
    expect(run.code).toBe(1);
    const chosen = run.results.find((r) => r.check === 'dynamic provisioning › each chosen class provisions and binds');
    expect(chosen).toMatchObject({ status: 'fail', classification: 'timeout' });
    expect(chosen?.message).toContain(`class ${name}: claim `);
    expect(chosen?.message).toContain('provisioner rancher.io/local-path failed to create the volume');
    expect(chosen?.likelyCause).toMatch(/^the provisioner rancher\.io\/local-path refuses: .*configuration error, no node was specified/);
    // The rest of the suite is unaffected by a class nobody uses by default.
    for (const r of run.results.filter((x) => x !== chosen)) expect(['pass', 'skip', 'warn'], r.check).toContain(r.status);
    await expectNothingLeft(run.runId);
  }, 300_000);
});
