// The in-cluster runner of `shakedown deploy` holds no namespaced write, exec or Secret permission
// anywhere by itself: its run-scoped rules are a ClusterRole bound nowhere. Each namespace the run
// creates gets a RoleBinding of that role to the runner's own ServiceAccount, made by the runner right
// after the namespace; an admission policy that deploy installs lets it make such bindings only in
// namespaces labelled with its own run id (cli/deploy-manifests.ts). So whatever the runner may do
// beyond reading, it may do only inside namespaces its run created.
import type { V1RoleBinding } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import type { KubeClients } from '../kube/clients.ts';
import type { ApiConnection, ApiRequest } from '../kube/connection.ts';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from './labels.ts';

export interface RunGrant {
  // The ClusterRole holding the run-scoped rules.
  role: string;
  // The ServiceAccount the run runs as.
  subject: { namespace: string; name: string };
}

export const RUN_BINDING_NAME = 'shakedown-run';
// How long a new binding may take to reach the API server's authorizer (its RBAC informer).
const EFFECTIVE_WITHIN_MS = 15_000;
const POLL_MS = 100;

export function runRoleBinding(namespace: string, runId: string, grant: RunGrant): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: RUN_BINDING_NAME, namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: grant.role },
    subjects: [{ kind: 'ServiceAccount', name: grant.subject.name, namespace: grant.subject.namespace }],
  };
}

// "system:serviceaccount:NS:NAME" -> its namespace and name; undefined for any other user.
export function serviceAccountOf(username: string): RunGrant['subject'] | undefined {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return match === null ? undefined : { namespace: match[1] ?? '', name: match[2] ?? '' };
}

export interface GrantOptions {
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  effectiveWithinMs?: number;
}

// Binds the run role in a namespace of the run and returns once the authorizer applies it (the
// first pod or Secret made there must not be refused for a binding still on its way).
export async function bindRunRole(
  clients: Pick<KubeClients, 'rbac' | 'authz'>,
  namespace: string,
  runId: string,
  grant: RunGrant,
  options: GrantOptions = {},
): Promise<void> {
  await clients.rbac.createNamespacedRoleBinding({ namespace, body: runRoleBinding(namespace, runId, grant), fieldManager: FIELD_MANAGER });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = now() + (options.effectiveWithinMs ?? EFFECTIVE_WITHIN_MS);
  for (;;) {
    const review = await clients.authz.createSelfSubjectAccessReview({
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace } },
      },
    });
    if (review.status?.allowed === true) return;
    if (now() >= deadline) {
      throw new ShakedownError(
        'SD_SETUP_FAILED',
        `the RoleBinding ${namespace}/${RUN_BINDING_NAME} of ClusterRole ${grant.role} was created, but the API server still denies ${grant.subject.namespace}/${grant.subject.name} in ${namespace} after ${Math.round((options.effectiveWithinMs ?? EFFECTIVE_WITHIN_MS) / 1000)} s${review.status?.reason ? ` (${review.status.reason})` : ''}`,
        {
          hint: `Does ClusterRole ${grant.role} exist with the run's rules? shakedown deploy prints it; kubectl get clusterrole ${grant.role} -o yaml.`,
        },
      );
    }
    await sleep(POLL_MS);
  }
}

// The ServiceAccount the session authenticates as (a SelfSubjectReview, which every authenticated
// user may make), as the subject of the run's bindings.
export async function runSubject(connection: Pick<ApiConnection, 'send'>): Promise<RunGrant['subject']> {
  const send = (request: ApiRequest) => connection.send(request);
  const response = await send({
    method: 'POST',
    path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
  });
  const username =
    response.status < 300 ? ((JSON.parse(response.text) as { status?: { userInfo?: { username?: string } } }).status?.userInfo?.username ?? '') : '';
  const subject = serviceAccountOf(username);
  if (subject === undefined) {
    throw new ShakedownError(
      'SD_BAD_FLAG',
      `--run-role binds the run's rules to the run's own ServiceAccount, but the API server ${response.status < 300 ? `says this run is "${username}"` : `did not say who this run is (HTTP ${response.status})`}`,
      {
        hint: '--run-role is for the runner of shakedown deploy (in a pod, with its ServiceAccount); a local run needs none.',
      },
    );
  }
  return subject;
}
