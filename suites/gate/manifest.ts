// The pre-upgrade gate declares itself: read-only (no namespace, no pod), every check skipped with
// its reason unless --target-version is given (`shakedown gate --target-version 1.35` gives it).
import { integer } from '../../helpers/config-values.ts';
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { kubeVersion } from './version.ts';

export const NO_TARGET = 'no --target-version given (run `shakedown gate --target-version X`)';

export default defineManifest({
  name: 'gate',
  description: 'Is it safe to upgrade to --target-version: deprecated APIs in use, version skew, drains, webhooks, certificates, control-plane health',
  checks: {
    deprecatedApisInUse: {
      title: 'APIs in use that the target removes or deprecates',
      description:
        "the API server's apiserver_requested_deprecated_apis joined with apiserver_request_total over its uptime, judged against the target with the removal table (suites/gate/removals.ts)",
    },
    storedVersions: {
      title: 'objects stored in deprecated API versions',
      description:
        'served built-in group-versions the target removes that hold objects (discovery, then a list with limit=1), and CRD versions marked deprecated that are still in status.storedVersions',
    },
    versionSkew: {
      title: 'version skew against the target',
      description:
        'the target at most one minor above the API server; kubelets and kube-proxies never newer and at most 3 minors older, controller-manager and scheduler at most one, against the target',
    },
    kubeadm: {
      title: 'kubeadm: one minor at a time, control plane before kubelets',
      description:
        "where kube-system/kubeadm-config exists: an upgrade half-done (kubernetesVersion against the API server, control-plane nodes at different versions) fails; the target at most one minor above kubernetesVersion; no kubelet newer than the API server; the kube-proxy DaemonSet at the control plane's minor; kubeadm's own version is not visible, and the evidence says to check `kubeadm version` before `kubeadm upgrade plan`",
    },
    drains: {
      title: 'node drains that will hang',
      description:
        'per node: pods a PodDisruptionBudget with 0 disruptions allowed holds (single-replica workloads named), pods without a controller, pods with emptyDir data',
    },
    webhooks: {
      title: 'webhooks that will block',
      description: 'admission webhooks with failurePolicy Fail whose Service is missing or has no ready endpoint',
    },
    certificateRunway: {
      title: 'certificate runway',
      description:
        'the cluster CA, client and front-proxy CAs, the API server serving chain and webhook/APIService caBundles have at least --cert-runway-days left',
    },
    controlPlaneHealthy: {
      title: 'control plane healthy before the upgrade',
      description: "the API server's /readyz, the scheduler and controller-manager leader Leases, and every node's heartbeat and Ready condition",
    },
  },
  options: {
    targetVersion: option({
      key: 'targetVersion',
      flag: 'target-version',
      env: 'SHAKEDOWN_TARGET_VERSION',
      type: kubeVersion,
      default: undefined,
      describe: 'the Kubernetes version to judge an upgrade to, e.g. 1.35 (without it every gate check is skipped)',
    }),
    certRunwayDays: option({
      key: 'certRunwayDays',
      flag: 'cert-runway-days',
      env: 'SHAKEDOWN_CERT_RUNWAY_DAYS',
      type: integer(1, 3650),
      default: 30,
      describe: 'days a certificate must still be valid for the upgrade to go ahead',
    }),
  },
  permissions: [
    { url: '/metrics', verb: 'get', why: 'apiserver_requested_deprecated_apis and apiserver_request_total: deprecated APIs actually used' },
    { url: '/readyz', verb: 'get', why: "the API server's readiness checks before an upgrade" },
    { url: '/apis', verb: 'get', why: 'which group-versions the API server serves' },
    { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'kubelet and kube-proxy versions, node health, drains per node' },
    { verb: 'list', resource: 'pods', scope: 'cluster', why: 'pods a drain would refuse or wait for, and control-plane pod versions' },
    { verb: 'list', resource: 'poddisruptionbudgets', group: 'policy', scope: 'cluster', why: 'budgets that allow no disruption' },
    {
      verb: 'list',
      resource: 'daemonsets',
      group: 'apps',
      scope: { namespace: 'kube-system' },
      why: "the kube-proxy DaemonSet's image, against the control plane's version (kubeadm)",
    },
    {
      verb: 'list',
      resource: 'validatingwebhookconfigurations',
      group: 'admissionregistration.k8s.io',
      scope: 'cluster',
      why: 'webhooks that could block, and their caBundles',
    },
    {
      verb: 'list',
      resource: 'mutatingwebhookconfigurations',
      group: 'admissionregistration.k8s.io',
      scope: 'cluster',
      why: 'webhooks that could block, and their caBundles',
    },
    { verb: 'get', resource: 'services', scope: 'cluster', why: "each blocking webhook's Service" },
    { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', scope: 'cluster', why: "ready endpoints behind each webhook's Service" },
    { verb: 'list', resource: 'apiservices', group: 'apiregistration.k8s.io', scope: 'cluster', why: 'APIService caBundles for the certificate runway' },
    {
      verb: 'list',
      resource: 'customresourcedefinitions',
      group: 'apiextensions.k8s.io',
      scope: 'cluster',
      why: 'CRD versions marked deprecated that still store objects',
    },
    {
      verb: 'get',
      resource: 'configmaps',
      scope: { namespace: 'kube-system' },
      why: "the cluster CA (kube-root-ca.crt) and the client and front-proxy CAs; kubeadm-config for kubeadm's rules",
    },
    {
      verb: 'get',
      resource: 'leases',
      group: 'coordination.k8s.io',
      scope: { namespace: 'kube-system' },
      why: 'the scheduler and controller-manager leader Leases',
    },
    {
      verb: 'list',
      resource: 'leases',
      group: 'coordination.k8s.io',
      scope: { namespace: 'kube-system' },
      why: 'how many API server instances announce themselves (identity Leases)',
    },
    { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', scope: { namespace: 'kube-node-lease' }, why: "every node's heartbeat Lease" },
  ],
  setup: [],
  exclusive: false,
  images: [],
});
