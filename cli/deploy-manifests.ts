// What `shakedown deploy` creates, as plain objects: a namespace, a ServiceAccount, the ClusterRoles
// derived from the chosen suites' manifests (one for the suites that make objects, with the
// engine's share, and a separate read-only one for the read-only suites), their bindings, and a
// Job that runs `shakedown run --in-cluster --report-log` as that ServiceAccount. Everything carries
// the managed-by label and the deploy's run id, so `shakedown cleanup` finds what a crash left.
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { clusterRoleRules, type PolicyRule } from '../helpers/kube/permissions.ts';
import { EXPIRES_AT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, PURPOSE_ANNOTATION, RUN_ID_LABEL } from '../helpers/run/labels.ts';
import type { TransportChoice } from '../helpers/settings.ts';

export const RUNNER_NAME = 'shakedown';
export const RUNNER_CONTAINER = 'shakedown';
export const COMPONENT_LABEL = 'app.kubernetes.io/component';
export const COMPONENT_VALUE = 'runner';
// Time the runner gets after SIGTERM (Ctrl-C of deploy --wait) to remove its run namespaces.
export const RUNNER_GRACE_SECONDS = 120;

export interface DeployPlan {
  runId: string;
  namespace: string;
  image: string;
  pullPolicy: 'IfNotPresent' | 'Never' | 'Always';
  // The runner's arguments after the image's entry point (`shakedown`).
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

export interface RoleSplit {
  // The suites that make objects (run namespaces, the probe fleet, pods of their own).
  writing: SuiteManifest[];
  // The read-only suites (setup []): they only read, and the engine adds only /version and nodes.
  readOnly: SuiteManifest[];
}

export function splitSuites(suites: readonly SuiteManifest[]): RoleSplit {
  return { writing: suites.filter((s) => s.setup.length > 0), readOnly: suites.filter((s) => s.setup.length === 0) };
}

export function labels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId, [COMPONENT_LABEL]: COMPONENT_VALUE };
}

// The ClusterRoles: name -> rules. Run namespaces do not exist before the run makes them, so the
// rules are cluster-wide (helpers/kube/permissions.ts rbacRules); with transport auto the exec
// fallback is granted too, as preflight asks for it.
export function clusterRoles(plan: Pick<DeployPlan, 'namespace' | 'suites' | 'transport'>): { name: string; suites: string[]; rules: PolicyRule[] }[] {
  const { writing, readOnly } = splitSuites(plan.suites);
  const base = `shakedown-${plan.namespace}`;
  return [
    ...(writing.length === 0 ? [] : [{ name: base, suites: writing.map((s) => s.name), rules: clusterRoleRules(writing, plan.transport, { withFallback: true }) }]),
    ...(readOnly.length === 0 ? [] : [{ name: `${base}-read-only`, suites: readOnly.map((s) => s.name), rules: clusterRoleRules(readOnly, plan.transport) }]),
  ];
}

export function deployObjects(plan: DeployPlan): KubeObject[] {
  const own = labels(plan.runId);
  const meta = (name: string, namespaced: boolean) => ({ name, ...(namespaced ? { namespace: plan.namespace } : {}), labels: { ...own } });
  const roles = clusterRoles(plan);
  const namespace: KubeObject = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: plan.namespace,
      labels: { ...own, 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      annotations: { [EXPIRES_AT_ANNOTATION]: plan.expiresAt.toISOString(), [PURPOSE_ANNOTATION]: 'shakedown deploy: the Job that runs shakedown inside the cluster' },
    },
  };
  const serviceAccount: KubeObject = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(RUNNER_NAME, true) };
  const rbac = roles.flatMap((role): KubeObject[] => [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { ...meta(role.name, false), annotations: { [PURPOSE_ANNOTATION]: `what shakedown needs to run ${role.suites.join(', ')}, derived from their manifests` } },
      rules: role.rules,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(role.name, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: RUNNER_NAME, namespace: plan.namespace }],
    },
  ]);
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
              args: plan.args,
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'NO_COLOR', value: '1' },
              ],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  return [namespace, serviceAccount, ...rbac, job];
}

// The REST path that creates an object (and, with its name, reads or deletes it).
export function collectionPath(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const plural: Record<string, string> = { Namespace: 'namespaces', ServiceAccount: 'serviceaccounts', ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Job: 'jobs' };
  const resource = plural[object.kind];
  if (resource === undefined) throw new Error(`deploy makes no ${object.kind}`);
  const prefix = object.apiVersion === 'v1' ? '/api/v1' : `/apis/${object.apiVersion}`;
  return `${prefix}${object.metadata.namespace === undefined ? '' : `/namespaces/${object.metadata.namespace}`}/${resource}`;
}
