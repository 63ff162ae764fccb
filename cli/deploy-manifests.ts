// What `shakedown deploy` creates, as plain objects: a namespace, a ServiceAccount, the admission
// policy that confines the runner's writes to its own run (deploy-admission.ts), two ClusterRoles
// derived from the chosen suites' manifests (what it holds cluster-wide, bound here; what it may do
// in its run's namespaces, which it binds there itself), and a Job that runs `shakedown run
// --in-cluster --report-log` as that ServiceAccount. Everything carries the managed-by label and the
// deploy's run id, so `shakedown cleanup` finds what a crash left.
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { confinedPermissions, rbacRules, type PolicyRule } from '../helpers/kube/permissions.ts';
import { EXPIRES_AT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, PURPOSE_ANNOTATION, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import type { TransportChoice } from '../helpers/settings.ts';
import { admissionPolicy, policyName } from './deploy-admission.ts';

// The runner's memory limit (also in examples/sonobuoy-plugin.yaml).
export const RUNNER_MEMORY_LIMIT = '2Gi';

export const RUNNER_NAME = 'shakedown';
export const RUNNER_CONTAINER = 'shakedown';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT_VALUE = 'runner';
// Time the runner gets after SIGTERM (Ctrl-C of deploy --wait) to remove its run namespaces.
export const RUNNER_GRACE_SECONDS = 120;

export interface DeployPlan {
  runId: string;
  // The run id the runner runs under (its namespaces carry it; the admission policy names it).
  runnerRunId: string;
  namespace: string;
  image: string;
  pullPolicy: 'IfNotPresent' | 'Never' | 'Always';
  // The runner's arguments after the image's entry point (`shakedown`); deployObjects adds its run id and role.
  args: string[];
  suites: readonly SuiteManifest[];
  transport: TransportChoice;
  jobTimeoutMs: number;
  // When `shakedown cleanup` may take the namespace (and then the cluster-scoped objects).
  expiresAt: Date;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export function labels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [COMPONENT_LABEL]: COMPONENT_VALUE };
}

// The two ClusterRoles: `held`, bound cluster-wide (reads; making the run's namespaces and PVs and
// binding its role, every one of those writes confined by the admission policy below), and `run`, the
// run-scoped rules, bound by the runner itself in each namespace its run makes and nowhere else.
export interface DeployRoles {
  held: { name: string; rules: PolicyRule[] };
  run: { name: string; rules: PolicyRule[] } | undefined;
}

export function deployRoles(plan: Pick<DeployPlan, 'namespace' | 'suites' | 'transport'>): DeployRoles {
  const base = `shakedown-${plan.namespace}`;
  const split = confinedPermissions(plan.suites, plan.transport, `${base}-run`);
  return {
    held: { name: base, rules: rbacRules(split.held) },
    run: split.perNamespace.length === 0 ? undefined : { name: `${base}-run`, rules: rbacRules(split.perNamespace) },
  };
}

export function deployObjects(plan: DeployPlan): KubeObject[] {
  const own = labels(plan.runId);
  const meta = (name: string, namespaced: boolean) => ({ name, ...(namespaced ? { namespace: plan.namespace } : {}), labels: { ...own } });
  const roles = deployRoles(plan);
  const suites = plan.suites.map((s) => s.name).join(', ');
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: plan.namespace,
      labels: { ...own, 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      annotations: {
        [EXPIRES_AT_ANNOTATION]: plan.expiresAt.toISOString(),
        [PURPOSE_ANNOTATION]: 'shakedown deploy: the Job that runs shakedown inside the cluster',
      },
    },
  };
  const serviceAccount: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(RUNNER_NAME, true) };
  const role = (name: string, rules: PolicyRule[], purpose: string): KubeObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { ...meta(name, false), annotations: { [PURPOSE_ANNOTATION]: purpose } },
    rules,
  });
  // The admission policy first: no write the runner may make exists before its confinement does.
  const confinement = roles.run === undefined ? [] : admissionPolicy(plan, roles.run.name, own, RUNNER_NAME);
  const rbac: KubeObject[] = [
    role(
      roles.held.name,
      roles.held.rules,
      `what shakedown needs cluster-wide to run ${suites}, derived from their manifests (its writes are confined to the run by ValidatingAdmissionPolicy ${policyName(plan)})`,
    ),
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(roles.held.name, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roles.held.name },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER_NAME, namespace: plan.namespace }],
    },
    ...(roles.run === undefined
      ? []
      : [
          role(
            roles.run.name,
            roles.run.rules,
            `what shakedown needs in each namespace of run ${plan.runnerRunId}: bound there by the runner itself, nowhere else`,
          ),
        ]),
  ];
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(RUNNER_NAME, true),
    spec: {
      // One attempt: a failed check is a verdict, not a crash to retry.
      backoffLimit: 0,
      activeDeadlineSeconds: Math.ceil(plan.jobTimeoutMs / 1000),
      template: {
        metadata: { labels: { ...own } },
        spec: {
          serviceAccountName: RUNNER_NAME,
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: RUNNER_GRACE_SECONDS,
          securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: RUNNER_CONTAINER,
              image: plan.image,
              imagePullPolicy: plan.pullPolicy,
              // The run id its namespaces carry and the role it binds there: what the admission policy confines it to.
              args: [...plan.args, '--run', plan.runnerRunId, ...(roles.run === undefined ? [] : ['--run-role', roles.run.name])],
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'NO_COLOR', value: '1' },
              ],
              // Every suite's worker thread at once (two vitest batches overlap): a full run peaks at
              // about 1.25 GB resident on a 2-node cluster.
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: RUNNER_MEMORY_LIMIT } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  return [namespace, serviceAccount, ...confinement, ...rbac, job];
}

// The REST path that creates an object (and, with its name, reads or deletes it).
export function collectionPath(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const plural: Record<string, string> = {
    Namespace: 'namespaces',
    ServiceAccount: 'serviceaccounts',
    ClusterRole: 'clusterroles',
    ClusterRoleBinding: 'clusterrolebindings',
    ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
    ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
    Job: 'jobs',
  };
  const resource = plural[object.kind];
  if (resource === undefined) throw new Error(`deploy makes no ${object.kind}`);
  const prefix = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
  return `${prefix}${object.metadata.namespace === undefined ? '' : `/namespaces/${object.metadata.namespace}`}/${resource}`;
}
