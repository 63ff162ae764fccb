// Which built-in API versions Kubernetes stops serving, and in which release: data, not code.
// Source: the Kubernetes "Deprecated API Migration Guide",
// https://kubernetes.io/docs/reference/using-api/deprecation-guide/ (sections "Removed APIs by
// release": v1.16, v1.22, v1.25, v1.26, v1.27, v1.29, v1.32; the guide lists no removal after v1.32
// as read for this table). APIs deprecated with no removal planned (v1 ComponentStatus since 1.19,
// v1 Endpoints since 1.33) are not here: the API server says so itself (removed_release="").
import { parseMinor, type Minor } from './version.ts';

export interface Removal {
  group: string;
  version: string;
  // Plural resource names as the API server and its metrics name them.
  resources: readonly string[];
  // The release that stops serving it.
  removedIn: string;
  // Where to move to.
  replacement: string;
}

const r = (groupVersion: string, resources: string[], removedIn: string, replacement: string): Removal => {
  const slash = groupVersion.lastIndexOf('/');
  return { group: slash < 0 ? '' : groupVersion.slice(0, slash), version: groupVersion.slice(slash + 1), resources, removedIn, replacement };
};

export const REMOVALS_SOURCE = 'https://kubernetes.io/docs/reference/using-api/deprecation-guide/';

export const REMOVALS: readonly Removal[] = [
  r('flowcontrol.apiserver.k8s.io/v1beta3', ['flowschemas', 'prioritylevelconfigurations'], '1.32', 'flowcontrol.apiserver.k8s.io/v1'),
  r('flowcontrol.apiserver.k8s.io/v1beta2', ['flowschemas', 'prioritylevelconfigurations'], '1.29', 'flowcontrol.apiserver.k8s.io/v1'),
  r('storage.k8s.io/v1beta1', ['csistoragecapacities'], '1.27', 'storage.k8s.io/v1'),
  r('flowcontrol.apiserver.k8s.io/v1beta1', ['flowschemas', 'prioritylevelconfigurations'], '1.26', 'flowcontrol.apiserver.k8s.io/v1'),
  r('autoscaling/v2beta2', ['horizontalpodautoscalers'], '1.26', 'autoscaling/v2'),
  r('batch/v1beta1', ['cronjobs'], '1.25', 'batch/v1'),
  r('discovery.k8s.io/v1beta1', ['endpointslices'], '1.25', 'discovery.k8s.io/v1'),
  r('events.k8s.io/v1beta1', ['events'], '1.25', 'events.k8s.io/v1'),
  r('autoscaling/v2beta1', ['horizontalpodautoscalers'], '1.25', 'autoscaling/v2'),
  r('policy/v1beta1', ['poddisruptionbudgets', 'podsecuritypolicies'], '1.25', 'policy/v1 (PodSecurityPolicy: none, use Pod Security Admission)'),
  r('node.k8s.io/v1beta1', ['runtimeclasses'], '1.25', 'node.k8s.io/v1'),
  r('admissionregistration.k8s.io/v1beta1', ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], '1.22', 'admissionregistration.k8s.io/v1'),
  r('apiextensions.k8s.io/v1beta1', ['customresourcedefinitions'], '1.22', 'apiextensions.k8s.io/v1'),
  r('apiregistration.k8s.io/v1beta1', ['apiservices'], '1.22', 'apiregistration.k8s.io/v1'),
  r('authentication.k8s.io/v1beta1', ['tokenreviews'], '1.22', 'authentication.k8s.io/v1'),
  r('authorization.k8s.io/v1beta1', ['localsubjectaccessreviews', 'selfsubjectaccessreviews', 'subjectaccessreviews'], '1.22', 'authorization.k8s.io/v1'),
  r('certificates.k8s.io/v1beta1', ['certificatesigningrequests'], '1.22', 'certificates.k8s.io/v1'),
  r('coordination.k8s.io/v1beta1', ['leases'], '1.22', 'coordination.k8s.io/v1'),
  r('extensions/v1beta1', ['ingresses'], '1.22', 'networking.k8s.io/v1'),
  r('networking.k8s.io/v1beta1', ['ingresses', 'ingressclasses'], '1.22', 'networking.k8s.io/v1'),
  r('rbac.authorization.k8s.io/v1beta1', ['clusterroles', 'clusterrolebindings', 'roles', 'rolebindings'], '1.22', 'rbac.authorization.k8s.io/v1'),
  r('scheduling.k8s.io/v1beta1', ['priorityclasses'], '1.22', 'scheduling.k8s.io/v1'),
  r('storage.k8s.io/v1beta1', ['csidrivers', 'csinodes', 'storageclasses', 'volumeattachments'], '1.22', 'storage.k8s.io/v1'),
  r(
    'extensions/v1beta1',
    ['networkpolicies', 'podsecuritypolicies', 'daemonsets', 'deployments', 'replicasets'],
    '1.16',
    'networking.k8s.io/v1, policy/v1beta1, apps/v1',
  ),
  r('apps/v1beta1', ['deployments', 'statefulsets', 'replicasets'], '1.16', 'apps/v1'),
  r('apps/v1beta2', ['daemonsets', 'deployments', 'statefulsets', 'replicasets'], '1.16', 'apps/v1'),
];

export const groupVersionOf = (group: string, version: string): string => (group === '' ? version : `${group}/${version}`);

// The table's entry for one group, version and resource, if any.
export function removalOf(group: string, version: string, resource: string, table: readonly Removal[] = REMOVALS): Removal | undefined {
  return table.find((e) => e.group === group && e.version === version && e.resources.includes(resource));
}

// Whether a release removes an API by the target: removedIn <= target.
export function removedBy(removedIn: string, target: Minor): boolean {
  const removed = parseMinor(removedIn);
  return removed !== undefined && removed.major === target.major && removed.minor <= target.minor;
}
