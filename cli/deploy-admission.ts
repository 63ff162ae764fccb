// The ValidatingAdmissionPolicy that confines the runner of `shakedown deploy` to its own run.
// RBAC cannot say "only namespaces you made" or "only PVs of your run": the runner holds those verbs
// cluster-wide (it must create namespaces that do not exist yet), and this policy, matched to its
// ServiceAccount alone, refuses every such write that is not about its own run:
// - namespaces: made only as the run's (named after its run id, labelled with it, Pod Security
//   "restricted", so no privileged pod can follow); changed or deleted only when already the run's;
// - RoleBindings: only in namespaces labelled with its run id, only of its run role, only to itself;
// - PersistentVolumes: made only labelled with the run id and only as a hostPath under the one
//   directory the storage suite uses (never mounted by it); changed only when already the run's, or
//   when provisioned for a claim in a namespace of the run (a Retain PV the run made, labelled before
//   it is deleted), and then only in its metadata; deleted only when labelled with the run id.
// GA since Kubernetes 1.30.
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../helpers/run/labels.ts';

// The run a policy confines: the deploy's namespace (where the runner's ServiceAccount lives) and the
// run id its runner runs under.
export interface ConfinedRun {
  namespace: string;
  runnerRunId: string;
}

export interface PolicyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  [field: string]: unknown;
}

// The one directory static PVs of the storage suite may name (suites/storage/objects.ts).
export const STATIC_PV_DIRECTORY = '/mnt/shakedown-static/';
const ENFORCE = 'pod-security.kubernetes.io/enforce';
const PROVISIONED_BY = 'pv.kubernetes.io/provisioned-by';

export function policyName(plan: Pick<ConfinedRun, 'namespace'>): string {
  return `shakedown-${plan.namespace}`;
}

const quote = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

// CEL: whether an object's (or the namespace's) labels hold key = value.
function hasLabel(object: string, key: string, value: string): string {
  return `(has(${object}.metadata.labels) && ${quote(key)} in ${object}.metadata.labels && ${object}.metadata.labels[${quote(key)}] == ${quote(value)})`;
}

// One run's namespace names: the run id itself or the run id and a suffix.
function runNamespaceName(expression: string, runId: string): string {
  return `(${expression} == ${quote(runId)} || ${expression}.startsWith(${quote(`${runId}-`)}))`;
}

export interface Validation {
  expression: string;
  message: string;
}

export function validations(plan: ConfinedRun, runRole: string, serviceAccount: string): Validation[] {
  const run = plan.runnerRunId;
  const isNamespace = "request.resource.resource == 'namespaces'";
  const isBinding = "request.resource.resource == 'rolebindings'";
  const isVolume = "request.resource.resource == 'persistentvolumes'";
  return [
    {
      expression: `!(${isNamespace}) || request.operation == 'DELETE' || (${hasLabel('object', RUN_ID_LABEL, run)} && ${hasLabel('object', MANAGED_BY_LABEL, MANAGED_BY_VALUE)} && ${hasLabel('object', ENFORCE, 'restricted')} && ${runNamespaceName('object.metadata.name', run)})`,
      message: `the runner of shakedown run ${run} may only make namespaces of its run: named ${run} or ${run}-*, labelled ${RUN_ID_LABEL}=${run} and ${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}, with Pod Security ${ENFORCE}=restricted`,
    },
    {
      expression: `!(${isNamespace}) || request.operation == 'CREATE' || ${hasLabel('oldObject', RUN_ID_LABEL, run)}`,
      message: `the runner of shakedown run ${run} may only change or delete namespaces of its run (labelled ${RUN_ID_LABEL}=${run})`,
    },
    {
      expression:
        `!(${isBinding}) || (${hasLabel('namespaceObject', RUN_ID_LABEL, run)} && object.roleRef.kind == 'ClusterRole' && object.roleRef.name == ${quote(runRole)}` +
        ` && has(object.subjects) && size(object.subjects) == 1 && object.subjects.all(s, s.kind == 'ServiceAccount' && s.name == ${quote(serviceAccount)} && s['namespace'] == ${quote(plan.namespace)}))`,
      message: `the runner of shakedown run ${run} may only bind ClusterRole ${runRole} to itself, and only in namespaces of its run`,
    },
    {
      expression: `!(${isVolume}) || request.operation == 'DELETE' || ${hasLabel('object', RUN_ID_LABEL, run)}`,
      message: `the runner of shakedown run ${run} may only make or change PersistentVolumes labelled ${RUN_ID_LABEL}=${run}`,
    },
    {
      expression: `!(${isVolume}) || request.operation != 'CREATE' || (has(object.spec.hostPath) && object.spec.hostPath.path.startsWith(${quote(STATIC_PV_DIRECTORY)}) && !object.spec.hostPath.path.contains('..'))`,
      message: `the runner of shakedown run ${run} may only make PersistentVolumes of a hostPath under ${STATIC_PV_DIRECTORY} (no other volume source, no other host path)`,
    },
    {
      expression:
        `!(${isVolume}) || request.operation != 'UPDATE' || (object.spec == oldObject.spec && (${hasLabel('oldObject', RUN_ID_LABEL, run)}` +
        ` || (has(oldObject.metadata.annotations) && ${quote(PROVISIONED_BY)} in oldObject.metadata.annotations && has(oldObject.spec.claimRef) && ${runNamespaceName("oldObject.spec.claimRef['namespace']", run)})))`,
      message: `the runner of shakedown run ${run} may only label PersistentVolumes of its run (its own, or provisioned for a claim of its run), never change their spec`,
    },
    {
      expression: `!(${isVolume}) || request.operation != 'DELETE' || ${hasLabel('oldObject', RUN_ID_LABEL, run)}`,
      message: `the runner of shakedown run ${run} may only delete PersistentVolumes labelled ${RUN_ID_LABEL}=${run}`,
    },
  ];
}

export function admissionPolicy(plan: ConfinedRun, runRole: string, labels: Record<string, string>, serviceAccount = 'shakedown'): PolicyObject[] {
  const name = policyName(plan);
  const group = 'admissionregistration.k8s.io/v1';
  return [
    {
      apiVersion: group,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name, labels: { ...labels } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [''], apiVersions: ['*'], resources: ['namespaces', 'persistentvolumes'], operations: ['CREATE', 'UPDATE', 'DELETE'] },
            { apiGroups: ['rbac.authorization.k8s.io'], apiVersions: ['*'], resources: ['rolebindings'], operations: ['CREATE', 'UPDATE'] },
          ],
        },
        matchConditions: [
          { name: 'the-runner', expression: `request.userInfo.username == ${quote(`system:serviceaccount:${plan.namespace}:${serviceAccount}`)}` },
        ],
        validations: validations(plan, runRole, serviceAccount),
      },
    },
    {
      apiVersion: group,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name, labels: { ...labels } },
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}
