// `shakedown deploy --wait` on the real local cluster: every suite that makes objects runs as a Job
// inside the cluster, confined to its run (cli/deploy-admission.ts) (the runner image made here and imported, as `npm run cluster:runner-image` does), its
// JUnit, JSON and HTML reports come back, its exit code is the runner's, and nothing is left: not
// the deploy's namespace, not the runner's run namespaces, not the ClusterRoles and bindings. The
// same with Ctrl-C in the middle of the run, with an image that cannot start, and with the
// scheduler hung (the runner pod's wait names it from the cluster's signals, not a timeout).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { discoverSuites, loadSuites, selectSuites } from '../helpers/engine/suites.ts';
import { RUN_ID_LABEL } from '../helpers/run/labels.ts';
import { KUBECONFIG, runNode, shakedown, type Ran } from './cli-child.ts';
import { harness, waitHealthy, withFaultLock, withSession } from './cluster-kit.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';

function shown(ran: Ran): string {
  return `exit ${ran.code} ${ran.signal ?? ''}\n${ran.stdout}\n${ran.stderr}`;
}

// The deploy's run id (it labels the namespace and the cluster-scoped objects) and the runner's.
function runIds(ran: Ran): { deploy: string; runner: string | undefined } {
  const deploy = /^deploy: created .* \(run (sd-\d{8}-[0-9a-f]{6})\)$/m.exec(ran.stderr)?.[1];
  if (deploy === undefined) throw new Error(`no deploy run id in\n${shown(ran)}`);
  return { deploy, runner: /^shakedown run (sd-\d{8}-[0-9a-f]{6}) against /m.exec(ran.stdout)?.[1] };
}

// Every object labelled with one of these run ids that is still there (namespaces still
// terminating count: deploy waits for them).
async function leftovers(ids: readonly string[]): Promise<string[]> {
  return withSession(async (session) => {
    const left: string[] = [];
    for (const id of ids) {
      const selector = `${RUN_ID_LABEL}=${id}`;
      for (const namespace of (await session.clients.core.listNamespace({ labelSelector: selector })).items)
        left.push(`namespace ${namespace.metadata?.name} (${namespace.status?.phase})`);
      for (const kind of [
        `${RBAC}/clusterroles`,
        `${RBAC}/clusterrolebindings`,
        `${ADMISSION}/validatingadmissionpolicies`,
        `${ADMISSION}/validatingadmissionpolicybindings`,
        '/api/v1/persistentvolumes',
      ]) {
        const response = await session.connection.send({ method: 'GET', path: `${kind}?labelSelector=${encodeURIComponent(selector)}` });
        expect(response.status).toBe(200);
        for (const item of (JSON.parse(response.text) as { items: { metadata: { name: string } }[] }).items) left.push(`${kind} ${item.metadata.name}`);
      }
    }
    return left;
  });
}

let servicesChecks: string[];
// Every suite that makes objects in the cluster (setup needs fleet or namespaces of its own).
let writingSuites: string[];

describe('shakedown deploy --wait on the local cluster', () => {
  beforeAll(async () => {
    // The runner image: built once (cached by content) and imported into every node.
    const built = await runNode(['ci/cluster/runner-image.ts']);
    expect(built.code, shown(built)).toBe(0);
    const all = await loadSuites(discoverSuites());
    writingSuites = all.filter((suite) => suite.manifest.setup.length > 0).map((suite) => suite.manifest.name);
    const [services] = selectSuites(all, ['services'], { kind: 'default' });
    if (services === undefined) throw new Error('no services suite');
    servicesChecks = services.manifest.checks.map((check) => check.title);
  }, 300_000);

  it(
    'runs every suite that makes objects as a Job, confined to its run, brings back the three reports and leaves nothing behind',
    { timeout: 600_000 },
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sd-deploy-'));
      const reports = { junit: join(dir, 'junit.xml'), json: join(dir, 'report.json'), html: join(dir, 'report.html') };
      const suiteFlags = writingSuites.flatMap((name) => ['--suite', name]);
      const started = performance.now();
      // Inside, the runner cannot tell the local cluster by its context: its stub upstream's name is given.
      const ran = await shakedown([
        'deploy',
        '--wait',
        ...suiteFlags,
        '--dns-external-name',
        'external.shakedown.test',
        '--kubeconfig',
        KUBECONFIG,
        '--junit',
        reports.junit,
        '--json',
        reports.json,
        '--html',
        reports.html,
      ]);
      const seconds = (performance.now() - started) / 1000;
      const report = JSON.parse(readFileSync(reports.json, 'utf8')) as {
        complete: boolean;
        run: { runId: string; cluster: { context: string } };
        results: { suite: string; check: string; status: string; message?: string }[];
      };
      const failed = report.results.filter((r) => r.status === 'fail').map((r) => `${r.suite} › ${r.check}: ${r.message ?? ''}`);
      expect(failed, shown(ran)).toEqual([]);
      expect(ran.code, shown(ran)).toBe(0);
      // The runner's output came through, without the packed reports, and nothing was forbidden to it.
      expect(ran.stdout).not.toMatch(/=== shakedown reports/);
      // (Neither RBAC's denial nor the admission policy's; a storage note may quote the API server's own "forbidden".)
      expect(readFileSync(reports.json, 'utf8')).not.toMatch(/SD_FORBIDDEN|cannot \w+ resource|ValidatingAdmissionPolicy/);
      expect(report.complete).toBe(true);
      expect(report.run.cluster.context).toBe('in-cluster');
      // Every declared check of the services suite ran and passed under the confined RBAC.
      const services = report.results.filter((result) => result.suite === 'services');
      expect(services.map((r) => `${r.check}: ${r.status}`).sort()).toEqual(servicesChecks.map((title) => `${title}: pass`).sort());
      expect(new Set(report.results.map((r) => r.suite).filter((suite) => suite !== 'setup'))).toEqual(new Set(writingSuites));

      const junit = readFileSync(reports.junit, 'utf8');
      expect(junit).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="shakedown" tests="\d+" failures="0" errors="0"/);
      for (const title of servicesChecks)
        expect(junit).toContain(
          `name="${title.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&apos;')}"`,
        );
      const html = readFileSync(reports.html, 'utf8');
      expect(html).toMatch(/^<!doctype html>/i);
      expect(html).toContain(report.run.runId);

      const ids = runIds(ran);
      expect(ids.runner).toBe(report.run.runId);
      expect(await leftovers([ids.deploy, report.run.runId])).toEqual([]);
      console.log(`deploy --wait of ${writingSuites.join(', ')}: ${seconds.toFixed(1)} s from the command to its exit (cleanup included)`);
    },
  );

  it('Ctrl-C in the middle: the runner is stopped, removes its namespaces, and deploy removes the rest', { timeout: 300_000 }, async () => {
    let sent = false;
    const ran = await shakedown(['deploy', '--wait', '--suite', 'services', '--kubeconfig', KUBECONFIG], {
      onOutput(text, child) {
        // A few seconds after the runner started: its probe fleet and namespaces are being made.
        if (!sent && /^shakedown run sd-\S+ against /m.test(text)) {
          sent = true;
          setTimeout(() => child.kill('SIGINT'), 8000);
        }
      },
    });
    expect(sent, shown(ran)).toBe(true);
    expect(ran.code, shown(ran)).toBe(2);
    expect(ran.stderr).toMatch(/^deploy: SIGINT: stopping/m);
    expect(ran.stderr).toMatch(/^deploy: removed Namespace /m);
    const ids = runIds(ran);
    expect(ids.runner, shown(ran)).toBeDefined();
    expect(await leftovers([ids.deploy, ids.runner ?? ''])).toEqual([]);
  });

  it('an image that cannot start is said at once, and everything is removed', { timeout: 120_000 }, async () => {
    const ran = await shakedown([
      'deploy',
      '--wait',
      '--suite',
      'services',
      '--kubeconfig',
      KUBECONFIG,
      '--image',
      'localhost/shakedown/runner:no-such-version',
    ]);
    expect(ran.code, shown(ran)).toBe(2);
    expect(ran.stderr).toMatch(
      /^error SD_SETUP_FAILED: the runner container cannot start: ErrImageNeverPull: .*\(image localhost\/shakedown\/runner:no-such-version\)$/m,
    );
    expect(await leftovers([runIds(ran).deploy])).toEqual([]);
  });

  it('names the scheduler when it is hung, instead of waiting out the setup timeout, and removes everything', { timeout: 300_000 }, async () => {
    const { ran, ms } = await withFaultLock(undefined, async () => {
      try {
        await harness('fault', 'hang', 'kube-scheduler');
        const started = Date.now();
        const ran = await shakedown(['deploy', '--wait', '--suite', 'smoke', '--kubeconfig', KUBECONFIG]);
        return { ran, ms: Date.now() - started };
      } finally {
        await harness('fault', 'resume');
        await waitHealthy();
      }
    });
    expect(ran.code, shown(ran)).toBe(2);
    expect(ran.stderr).toMatch(
      /^error SD_SETUP_FAILED: kube-scheduler is at fault \(high confidence\): kube-scheduler is not scheduling: 1 pod\(s\) unbound .*leader Lease kube-system\/kube-scheduler was last renewed \d+ s ago/m,
    );
    // The setup timeout (120 s) is not what ended it.
    expect(ms).toBeLessThan(90_000);
    expect(await leftovers([runIds(ran).deploy])).toEqual([]);
  });
});
