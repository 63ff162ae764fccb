// `shakedown run --suite services` as a least-privileged ServiceAccount, on the real local cluster:
// bound to exactly the rules derived from the services manifest (and the engine's own needs for a
// 'fleet' suite), the run passes; with one of those permissions taken away, it exits 2 before
// creating anything, naming that permission and the suite that needs it.
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSuites, loadSuites, selectSuites } from '../helpers/engine/suites.ts';
import { LOCAL_CLUSTER_CONTEXT, chooseProbeImage } from '../helpers/fleet/image.ts';
import { clusterRoleRules, type PolicyRule } from '../helpers/kube/permissions.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, runNamespace } from '../helpers/run/labels.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { KUBECONFIG, shakedown, type Ran } from './cli-child.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

let session: KubeSession;
const runId = newRunId(new Date());
const namespace = `${runId}-rbac`;
const role = `shakedown-rbac-test-${runId}`;
const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
let rules: PolicyRule[];
let servicesChecks: string[];
let kubeconfig: string;

async function send(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const response = await session.connection.send({ method, path, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (response.status >= 300 && !(method === 'DELETE' && response.status === 404)) throw new Error(`${method} ${path}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
}

function clusterRole(ruleSet: PolicyRule[]): unknown {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role, labels }, rules: ruleSet };
}

// The local cluster preloads its probe image (it pulls nothing); the ServiceAccount's context is not
// the one shakedown recognises it by, so the image is named.
const PROBE_IMAGE = chooseProbeImage(undefined, LOCAL_CLUSTER_CONTEXT).image;

function shown(ran: Ran): string {
  return `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`;
}

describe('shakedown run as a ServiceAccount with exactly the derived permissions', () => {
  beforeAll(async () => {
    session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
    const [services] = selectSuites(await loadSuites(discoverSuites()), ['services'], { kind: 'default' });
    if (services === undefined) throw new Error('no services suite');
    rules = clusterRoleRules([services.manifest], 'auto');
    servicesChecks = services.manifest.checks.map((c) => c.title);

    await session.clients.core.createNamespace({ body: runNamespace({ name: namespace, runId, expiresAt: new Date(Date.now() + 3_600_000), purpose: 'the RBAC test: a ServiceAccount to run shakedown as' }) });
    await session.clients.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'runner', labels } } });
    await send('POST', `${RBAC}/clusterroles`, clusterRole(rules));
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
    kubeconfig = join(mkdtempSync(join(tmpdir(), 'sd-rbac-')), 'kubeconfig');
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

  it('passes with exactly those permissions', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'sd-rbac-')), 'report.json');
    const ran = await shakedown(['run', '--suite', 'services', '--kubeconfig', kubeconfig, '--probe-image', PROBE_IMAGE, '--json', report]);
    expect(ran.code, shown(ran)).toBe(0);
    // Every declared check ran and passed: none skipped or degraded for want of a permission.
    const results = (JSON.parse(readFileSync(report, 'utf8')) as { results: { suite: string; check: string; status: string }[] }).results.filter((r) => r.suite === 'services');
    expect(results.map((r) => `${r.check}: ${r.status}`).sort()).toEqual(servicesChecks.map((title) => `${title}: pass`).sort());
    expect(readFileSync(report, 'utf8')).not.toMatch(/forbidden/i);
  });

  it('exits 2 before creating anything when one is missing, naming it and the suite', async () => {
    const withoutCreate = rules.map((rule) => (rule.resources?.[0] === 'services' && rule.apiGroups?.[0] === '' ? { ...rule, verbs: rule.verbs.filter((verb) => verb !== 'create') } : rule));
    expect(withoutCreate).not.toEqual(rules);
    await send('PUT', `${RBAC}/clusterroles/${role}`, clusterRole(withoutCreate));
    // The authorizer sees the change within moments; wait until it does.
    const canCreate = async () =>
      (await session.clients.authz.createSubjectAccessReview({ body: { spec: { user: `system:serviceaccount:${namespace}:runner`, resourceAttributes: { verb: 'create', resource: 'services', namespace: 'x' } } } })).status?.allowed === true;
    for (let i = 0; i < 50 && (await canCreate()); i++) await new Promise((resolve) => setTimeout(resolve, 200));
    const ran = await shakedown(['run', '--suite', 'services', '--kubeconfig', kubeconfig, '--probe-image', PROBE_IMAGE]);
    expect(ran.code, shown(ran)).toBe(2);
    const named = /^error SD_FORBIDDEN: context "runner" may not create services in namespace (sd-\d{8}-[0-9a-f]{6}) \(services: /m.exec(ran.stdout);
    expect(named, shown(ran)).not.toBeNull();
    // Nothing was created: the run namespace it would have used does not exist.
    const made = await session.clients.core.readNamespace({ name: named?.[1] ?? '' }).then(() => true, () => false);
    expect(made).toBe(false);
  });
});
