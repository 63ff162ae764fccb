// `shakedown run --suite certificates` as a ServiceAccount bound to exactly the rules derived from
// its manifest (and the engine's own needs for a 'fleet' suite): every check passes or skips with
// its reason, nothing is forbidden. Listing Secrets is not among those rules: asked for with
// --certs-secrets, that one check fails as forbidden, naming the permission, and the rest still pass.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSuites, loadSuites, selectSuites } from '../helpers/engine/suites.ts';
import { LOCAL_CLUSTER_CONTEXT, chooseProbeImage } from '../helpers/fleet/image.ts';
import { clusterRoleRules } from '../helpers/kube/permissions.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, runNamespace } from '../helpers/run/labels.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { KUBECONFIG, shakedown, type Ran } from './cli-child.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const PROBE_IMAGE = chooseProbeImage(undefined, LOCAL_CLUSTER_CONTEXT).image;

let session: KubeSession;
const runId = newRunId(new Date());
const namespace = `${runId}-rbac`;
const role = `shakedown-certs-rbac-test-${runId}`;
const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
let kubeconfig: string;

async function send(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const response = await session.connection.send({ method, path, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (response.status >= 300 && !(method === 'DELETE' && response.status === 404)) throw new Error(`${method} ${path}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
}

const shown = (ran: Ran): string => `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`;

interface Result {
  suite: string;
  check: string;
  status: string;
  message: string;
  classification?: string;
}

async function run(extra: string[]): Promise<{ ran: Ran; results: Result[]; text: string }> {
  const report = join(mkdtempSync(join(tmpdir(), 'sd-certs-rbac-')), 'report.json');
  const ran = await shakedown(['run', '--suite', 'certificates', '--kubeconfig', kubeconfig, '--probe-image', PROBE_IMAGE, '--json', report, ...extra]);
  const text = readFileSync(report, 'utf8');
  return { ran, text, results: (JSON.parse(text) as { results: Result[] }).results.filter((r) => r.suite === 'certificates') };
}

describe('the certificates suite as a ServiceAccount with exactly the derived permissions', () => {
  beforeAll(async () => {
    session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
    const [certificates] = selectSuites(await loadSuites(discoverSuites()), ['certificates'], { kind: 'default' });
    if (certificates === undefined) throw new Error('no certificates suite');
    const rules = clusterRoleRules([certificates.manifest], 'auto');
    expect(rules.some((rule) => rule.resources?.includes('secrets') && rule.verbs.includes('list'))).toBe(false);
    await session.clients.core.createNamespace({ body: runNamespace({ name: namespace, runId, expiresAt: new Date(Date.now() + 3_600_000), purpose: 'the certificates RBAC test: a ServiceAccount to run shakedown as' }) });
    await session.clients.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'runner', labels } } });
    await send('POST', `${RBAC}/clusterroles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role, labels }, rules });
    await send('POST', `${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace }],
    });
    const token = await session.clients.core.createNamespacedServiceAccountToken({ name: 'runner', namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    const admin = new KubeConfig();
    admin.loadFromFile(KUBECONFIG);
    const cluster = admin.getCurrentCluster();
    if (cluster === null) throw new Error(`${KUBECONFIG} has no current cluster`);
    const ca = cluster.caData ?? (cluster.caFile === undefined ? undefined : readFileSync(cluster.caFile).toString('base64'));
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'sd-certs-rbac-')), 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster: { server: cluster.server, ...(ca === undefined ? {} : { 'certificate-authority-data': ca }) } }],
        users: [{ name: 'runner', user: { token: token.status?.token } }],
        contexts: [{ name: 'runner', context: { cluster: 'local', user: 'runner' } }],
        'current-context': 'runner',
      }),
    );
  });

  afterAll(async () => {
    if (session === undefined) return;
    await send('DELETE', `${RBAC}/clusterrolebindings/${role}`).catch(() => undefined);
    await send('DELETE', `${RBAC}/clusterroles/${role}`).catch(() => undefined);
    await session.clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await session.close();
  });

  it('passes, every check passing or skipping with its reason, nothing forbidden', { timeout: 400_000 }, async () => {
    // A test before this one may have stopped a kubelet: wait for every node and the webhook's endpoint.
    for (let deadline = Date.now() + 180_000; ; ) {
      const nodes = (await session.clients.core.listNode()).items;
      const slices = await session.clients.discovery.listNamespacedEndpointSlice({ namespace: 'shakedown-webhook', labelSelector: 'kubernetes.io/service-name=shakedown-webhook' });
      const settled = nodes.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') && slices.items.some((slice) => (slice.endpoints ?? []).some((e) => e.conditions?.ready === true));
      if (settled) break;
      if (Date.now() > deadline) throw new Error('the local cluster did not settle: a node is not Ready or the webhook has no ready endpoint');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const { ran, results, text } = await run([]);
    expect(ran.code, shown(ran)).toBe(0);
    expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.check}: ${r.status}`).sort()).toEqual(['TLS Secrets at rest: skip', 'cert-manager Certificates are ready and renewed: skip']);
    expect(text).not.toMatch(/forbidden/i);
  });

  it('fails only the TLS Secrets check as forbidden when Secrets are asked for without the permission', async () => {
    const { ran, results } = await run(['--certs-secrets', 'shakedown-webhook']);
    expect(ran.code, shown(ran)).toBe(1);
    const failed = results.filter((r) => r.status === 'fail');
    expect(failed.map((r) => [r.check, r.classification])).toEqual([['TLS Secrets at rest', 'forbidden']]);
    expect(failed[0]?.message).toMatch(/^cannot list Secrets \(\/api\/v1\/namespaces\/shakedown-webhook\/secrets.*HTTP 403/);
  });
});
