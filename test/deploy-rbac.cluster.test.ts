// The privilege of `shakedown deploy`'s runner, proven on the real local cluster as a security
// reviewer would: exactly what deploy prints for every suite is created (without the Job), and the
// runner's ServiceAccount, authenticating with its own token, tries what it must never do. Writes
// are server-side dry runs, so admission (the ValidatingAdmissionPolicy deploy installs) answers
// too. It must be refused everything outside its run, and allowed what its run needs.
import { loadAllYaml } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectionPath, type KubeObject } from '../cli/deploy-manifests.ts';
import { openKubeSession, type KubeSession } from '../helpers/kube/session.ts';
import { clusterScopedKinds, removeClusterLeftovers } from '../helpers/run/cluster-leftovers.ts';
import { namespaceApi, removeRun } from '../helpers/run/namespaces.ts';
import { KUBECONFIG, shakedown, type Ran } from './cli-child.ts';
import { withSession } from './cluster-kit.ts';
import { tokenKubeconfig } from './service-account-kit.ts';

function shown(ran: Ran): string {
  return `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`;
}

let admin: KubeSession;
let runner: KubeSession;
let objects: KubeObject[];
let deployRunId: string;
let runnerRunId: string;
let namespace: string;

interface Answer {
  status: number;
  message: string;
}

async function as(session: KubeSession, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' };
  const response = await session.connection.send({ method, path, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  let message = '';
  try {
    message = (JSON.parse(response.text) as { message?: string }).message ?? '';
  } catch {
    message = response.text.slice(0, 200);
  }
  return { status: response.status, message };
}

const dryRun = (path: string) => `${path}${path.includes('?') ? '&' : '?'}dryRun=All`;
const labels = () => ({ 'app.kubernetes.io/managed-by': 'shakedown', 'shakedown.dev/run-id': runnerRunId, 'pod-security.kubernetes.io/enforce': 'restricted' });
const pod = (ns: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'probe', namespace: ns },
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  },
});
const hostPathPv = (name: string, path: string, withLabels: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name, labels: withLabels },
  spec: { capacity: { storage: '1Mi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'none', hostPath: { path } },
});

describe("shakedown deploy's runner is confined to its own run", () => {
  beforeAll(async () => {
    const printed = await shakedown(['deploy', '--kubeconfig', KUBECONFIG]);
    expect(printed.code, shown(printed)).toBe(0);
    objects = (loadAllYaml(printed.stdout) as (KubeObject | null)[]).filter((o): o is KubeObject => o !== null && o !== undefined);
    const job = objects.find((o) => o.kind === 'Job') as KubeObject & { spec: { template: { spec: { containers: { args: string[] }[] } } } };
    const args = job.spec.template.spec.containers[0]?.args ?? [];
    runnerRunId = args[args.indexOf('--run') + 1] ?? '';
    namespace = objects.find((o) => o.kind === 'Namespace')?.metadata.name ?? '';
    deployRunId = objects[0]?.metadata.labels['shakedown.dev/run-id'] ?? '';
    admin = await openKubeSession({ paths: [KUBECONFIG], origin: 'flag' }, { qps: 50 });
    // Exactly what deploy printed, but the Job.
    for (const object of objects.filter((o) => o.kind !== 'Job')) {
      const created = await as(admin, 'POST', `${collectionPath(object)}?fieldManager=shakedown`, object);
      expect(created.status, `${object.kind} ${object.metadata.name}: ${created.message}`).toBe(201);
    }
    const file = await tokenKubeconfig(admin, namespace, 'shakedown', 'deploy-rbac');
    runner = await openKubeSession({ paths: [file], origin: 'flag' }, { qps: 50 });
    // The admission policy reaches the API server's admission chain within moments of its creation:
    // wait until it refuses what it must (a namespace not of the run) before judging anything.
    for (let i = 0; i < 100; i++) {
      const probe = await as(runner, 'POST', dryRun('/api/v1/namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `${runnerRunId}-probe` } });
      if (probe.status === 422 || probe.status === 403) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 120_000);

  afterAll(async () => {
    await runner?.close();
    if (admin === undefined) return;
    await removeRun(namespaceApi(admin.clients), runnerRunId, { timeoutMs: 60_000 }).catch(() => undefined);
    await removeRun(namespaceApi(admin.clients), deployRunId, { timeoutMs: 60_000 }).catch(() => undefined);
    await removeClusterLeftovers(clusterScopedKinds(admin.clients), new Set(), deployRunId);
    await removeClusterLeftovers(clusterScopedKinds(admin.clients), new Set(), runnerRunId);
    await admin.close();
  }, 120_000);

  it('is refused everything outside its run: Secrets, pods and exec in kube-system and default, Deployments, bindings, host PVs, relabelling or deleting namespaces', async () => {
    const kubeSystemPod = await withSession(async (s) => (await s.clients.core.listNamespacedPod({ namespace: 'kube-system' })).items[0]?.metadata?.name ?? '');
    const deployment = await withSession(
      async (s) => (await s.clients.apps.listNamespacedDeployment({ namespace: 'kube-system' })).items[0]?.metadata?.name ?? '',
    );
    expect(kubeSystemPod).not.toBe('');
    expect(deployment).not.toBe('');
    const refusals: [string, Promise<Answer>][] = [
      ['read Secrets in kube-system', as(runner, 'GET', '/api/v1/namespaces/kube-system/secrets')],
      ['read Secrets across namespaces', as(runner, 'GET', '/api/v1/secrets')],
      ['create a pod in kube-system', as(runner, 'POST', dryRun('/api/v1/namespaces/kube-system/pods'), pod('kube-system'))],
      ['create a pod in default', as(runner, 'POST', dryRun('/api/v1/namespaces/default/pods'), pod('default'))],
      ['exec into a kube-system pod', as(runner, 'POST', `/api/v1/namespaces/kube-system/pods/${kubeSystemPod}/exec?command=true&stdout=true`)],
      ['port-forward to a kube-system pod', as(runner, 'POST', `/api/v1/namespaces/kube-system/pods/${kubeSystemPod}/portforward?ports=53`)],
      ['delete a kube-system Deployment', as(runner, 'DELETE', dryRun(`/apis/apps/v1/namespaces/kube-system/deployments/${deployment}`))],
      [
        'bind a role in kube-system',
        as(runner, 'POST', dryRun('/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings'), {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'escalate', namespace: 'kube-system' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `shakedown-${namespace}-run` },
          subjects: [{ kind: 'ServiceAccount', name: 'shakedown', namespace }],
        }),
      ],
      ['create a hostPath PV of /', as(runner, 'POST', dryRun('/api/v1/persistentvolumes'), hostPathPv(`${runnerRunId}-root`, '/', labels()))],
      [
        'create a hostPath PV that climbs out of the static directory',
        as(runner, 'POST', dryRun('/api/v1/persistentvolumes'), hostPathPv(`${runnerRunId}-climb`, '/mnt/shakedown-static/../../etc', labels())),
      ],
      ['create an unlabelled PV', as(runner, 'POST', dryRun('/api/v1/persistentvolumes'), hostPathPv(`${runnerRunId}-bare`, '/mnt/shakedown-static/x', {}))],
      ['relabel kube-system', as(runner, 'PATCH', dryRun('/api/v1/namespaces/kube-system'), { metadata: { labels: labels() } })],
      ['delete namespace default', as(runner, 'DELETE', dryRun('/api/v1/namespaces/default'))],
      // The API server itself keeps default, kube-system and kube-public; any other is the policy's to keep.
      ['delete namespace local-path-storage', as(runner, 'DELETE', dryRun('/api/v1/namespaces/local-path-storage'))],
      [
        'create a namespace that is not of its run',
        as(runner, 'POST', dryRun('/api/v1/namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere', labels: labels() } }),
      ],
      [
        'create a privileged namespace of its run',
        as(runner, 'POST', dryRun('/api/v1/namespaces'), {
          apiVersion: 'v1',
          kind: 'Namespace',
          metadata: { name: `${runnerRunId}-priv`, labels: { ...labels(), 'pod-security.kubernetes.io/enforce': 'privileged' } },
        }),
      ],
      ['delete its own deploy namespace', as(runner, 'DELETE', dryRun(`/api/v1/namespaces/${namespace}`))],
    ];
    const answers = await Promise.all(refusals.map(async ([what, answer]) => ({ what, ...(await answer) })));
    for (const answer of answers) console.log(`refused: ${answer.what}: HTTP ${answer.status} ${answer.message.slice(0, 160)}`);
    expect(answers.filter((a) => a.status !== 403 && a.status !== 422).map((a) => `${a.what}: HTTP ${a.status} ${a.message}`)).toEqual([]);
    // Admission, not only RBAC, speaks where RBAC alone would allow it.
    expect(answers.find((a) => a.what === 'create a hostPath PV of /')?.message).toMatch(/ValidatingAdmissionPolicy/);
    expect(answers.find((a) => a.what === 'relabel kube-system')?.message).toMatch(
      /ValidatingAdmissionPolicy .* denied request: the runner of shakedown run sd-\S+ may only (make|change)/,
    );
    expect(answers.find((a) => a.what === 'delete namespace local-path-storage')?.message).toMatch(/may only change or delete namespaces of its run/);
  });

  it('is allowed what its run needs: its namespace, its role bound there and then pods in it, a static PV under the dedicated directory', async () => {
    const ns = `${runnerRunId}-x`;
    const made = await as(runner, 'POST', '/api/v1/namespaces?fieldManager=shakedown', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns, labels: labels() },
    });
    expect(made.status, made.message).toBe(201);
    // Before the binding, nothing namespaced is allowed even there.
    expect((await as(runner, 'POST', dryRun(`/api/v1/namespaces/${ns}/pods`), pod(ns))).status).toBe(403);
    const bound = await as(runner, 'POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'shakedown-run', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `shakedown-${namespace}-run` },
      subjects: [{ kind: 'ServiceAccount', name: 'shakedown', namespace }],
    });
    expect(bound.status, bound.message).toBe(201);
    let created: Answer = { status: 0, message: '' };
    for (let i = 0; i < 50; i++) {
      created = await as(runner, 'POST', dryRun(`/api/v1/namespaces/${ns}/pods`), pod(ns));
      if (created.status === 201) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(created.status, created.message).toBe(201);
    // Its role, bound to anyone else, even in its own namespace, is refused.
    const toOthers = await as(runner, 'POST', dryRun(`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'everyone', namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `shakedown-${namespace}-run` },
      subjects: [{ kind: 'Group', name: 'system:authenticated', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    expect(toOthers.status, toOthers.message).toBe(422);
    const pv = await as(
      runner,
      'POST',
      dryRun('/api/v1/persistentvolumes'),
      hostPathPv(`${runnerRunId}-static`, `/mnt/shakedown-static/${runnerRunId}-static`, labels()),
    );
    expect(pv.status, pv.message).toBe(201);
    const gone = await as(runner, 'DELETE', `/api/v1/namespaces/${ns}`);
    expect(gone.status, gone.message).toBe(200);
  });
});
