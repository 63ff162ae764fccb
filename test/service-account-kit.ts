// Cluster tests that run shakedown as a least-privileged ServiceAccount: a labelled namespace holding
// the ServiceAccount, a ClusterRole with the rules given (usually exactly those derived from the
// suites' manifests) bound to it, and a kubeconfig that authenticates with its token. Everything is
// labelled with the test's run id and removed by dispose().
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { discoverSuites, loadSuites, selectSuites, type LoadedSuite } from '../helpers/engine/suites.ts';
import { LOCAL_CLUSTER_CONTEXT, chooseProbeImage } from '../helpers/fleet/image.ts';
import type { PolicyRule } from '../helpers/kube/permissions.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, runNamespace } from '../helpers/run/labels.ts';
import { createRunNamespace } from '../helpers/run/namespaces.ts';
import { newRunId } from '../helpers/run/run-id.ts';
import { KUBECONFIG } from './cli-child.ts';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';

// The local cluster preloads its probe image (it pulls nothing); a ServiceAccount's context is not
// the one shakedown recognises the local cluster by, so runs as one name the image.
export const PROBE_IMAGE = chooseProbeImage(undefined, LOCAL_CLUSTER_CONTEXT).image;

export async function loadSuite(name: string): Promise<LoadedSuite> {
  const [suite] = selectSuites(await loadSuites(discoverSuites()), [name], { kind: 'default' });
  if (suite === undefined) throw new Error(`no ${name} suite`);
  return suite;
}

export interface ServiceAccountRunner {
  /** A kubeconfig that authenticates as the ServiceAccount. */
  kubeconfig: string;
  /** The admin session the runner was made with (for the test's own reads). */
  session: KubeSession;
  namespace: string;
  /** The user the authorizer sees, for SubjectAccessReviews. */
  user: string;
  /** Replaces the ClusterRole's rules (the authorizer sees it within moments). */
  setRules(rules: PolicyRule[]): Promise<void>;
  dispose(): Promise<void>;
}

// A kubeconfig (context "runner") that authenticates as a ServiceAccount with a token of its own,
// against the local cluster's API server and CA.
export async function tokenKubeconfig(session: KubeSession, namespace: string, serviceAccount: string, label: string): Promise<string> {
  const token = await session.clients.core.createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const admin = new KubeConfig();
  admin.loadFromFile(KUBECONFIG);
  const cluster = admin.getCurrentCluster();
  if (cluster === null) throw new Error(`${KUBECONFIG} has no current cluster`);
  const ca = cluster.caData ?? (cluster.caFile === undefined ? undefined : readFileSync(cluster.caFile).toString('base64'));
  const kubeconfig = join(mkdtempSync(join(tmpdir(), `sd-${label}-`)), 'kubeconfig');
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
  return kubeconfig;
}

export async function serviceAccountRunner(name: string, rules: PolicyRule[]): Promise<ServiceAccountRunner> {
  const session = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 20 });
  const runId = newRunId(new Date());
  const namespace = `${runId}-rbac`;
  const role = `shakedown-${name}-test-${runId}`;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
  const send = async (method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<void> => {
    const response = await session.connection.send({
      method,
      path,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status >= 300 && !(method === 'DELETE' && response.status === 404))
      throw new Error(`${method} ${path}: HTTP ${response.status} ${response.text.slice(0, 300)}`);
  };
  const clusterRole = (ruleSet: PolicyRule[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: role, labels },
    rules: ruleSet,
  });
  const dispose = async (): Promise<void> => {
    await send('DELETE', `${RBAC}/clusterrolebindings/${role}`).catch(() => undefined);
    await send('DELETE', `${RBAC}/clusterroles/${role}`).catch(() => undefined);
    await session.clients.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await session.close();
  };
  try {
    await createRunNamespace(
      session.clients,
      runNamespace({ name: namespace, runId, expiresAt: new Date(Date.now() + 3_600_000), purpose: `the ${name} test: a ServiceAccount to run shakedown as` }),
      undefined,
    );
    await session.clients.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'runner', labels } } });
    await send('POST', `${RBAC}/clusterroles`, clusterRole(rules));
    await send('POST', `${RBAC}/clusterrolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: role, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace }],
    });
    const kubeconfig = await tokenKubeconfig(session, namespace, 'runner', name);
    return {
      kubeconfig,
      session,
      namespace,
      user: `system:serviceaccount:${namespace}:runner`,
      setRules: (next) => send('PUT', `${RBAC}/clusterroles/${role}`, clusterRole(next)),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
