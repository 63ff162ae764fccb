// The control-plane suite declares itself: read by the engine for list, help, preflight and RBAC.
import { duration } from '../../helpers/config-values.ts';
import { defineManifest, option } from '../../helpers/engine/manifest.ts';

// Checks that wait for pods and controllers get room beyond the default check timeout.
const WAITING_MS = 180_000;

export default defineManifest({
  name: 'control-plane',
  description: 'The API server, etcd, controller-manager, scheduler, every kubelet and every kube-proxy, each judged by what it does',
  checks: {
    apiServerHealth: {
      title: 'API server readyz and livez on every instance',
      description:
        'each API server instance (the kubernetes EndpointSlices and identity Leases) passes /readyz?verbose and /livez?verbose; every named check is a line of evidence and a failing one is named',
    },
    apiServerLatency: {
      title: 'API server answers simple calls promptly',
      description: 'the median of 5 GET /version and 5 namespaced lists, measured without the client rate limit',
    },
    etcd: {
      title: 'etcd answers the API server',
      description: "the API server's etcd and etcd-readiness checks pass; where /metrics may be read, the etcd database size and request latency as evidence",
    },
    controllerManagerLease: {
      title: 'controller-manager holds its leader Lease',
      description:
        'the kube-controller-manager leader Lease is held and renewed within its duration (absent: leader election is off, and the functional checks judge it)',
    },
    namespace: {
      title: 'a new namespace gets its ServiceAccount and root CA',
      description: 'a namespace of the run gets its default ServiceAccount and kube-root-ca.crt ConfigMap within the bound (controller-manager), time measured',
      timeoutMs: WAITING_MS,
    },
    deployment: {
      title: 'a Deployment makes a ReplicaSet and a ready Pod, and its deletion collects them',
      description:
        'the deployment controller makes a ReplicaSet and the ReplicaSet controller a Pod that becomes ready (60 s, or the bound if longer), and deleting the Deployment (background propagation) garbage-collects both within the bound',
      timeoutMs: WAITING_MS,
    },
    endpointSlices: {
      title: "EndpointSlices follow a Service's pods",
      description: "a Service's EndpointSlices list every ready pod it selects, and drop a pod within the bound once it stops matching the selector",
      timeoutMs: WAITING_MS,
    },
    schedulerLease: {
      title: 'scheduler holds its leader Lease',
      description: 'the kube-scheduler leader Lease is held and renewed within its duration (absent: leader election is off, and the binding check judges it)',
    },
    binding: {
      title: 'the scheduler binds a pod pinned to each node',
      description: 'a pod pinned to each schedulable node by node affinity (not nodeName) is bound to it within the bound; the time per node is reported',
      timeoutMs: WAITING_MS,
    },
    heartbeats: {
      title: 'every node heartbeat is fresh and agrees with Ready',
      description: "each node's Lease in kube-node-lease is renewed and agrees with its Ready condition, and no node reports memory, disk or PID pressure",
    },
    podRuns: {
      title: 'a pod runs on every node',
      description:
        'the pinned pod on each schedulable node reaches Running and Ready within 60 s or the bound if longer (its kubelet and container runtime work); the time per node is reported',
      timeoutMs: WAITING_MS,
    },
    streams: {
      title: 'logs, exec and port-forward reach a pod on every node',
      description:
        "through the API server to each node's kubelet: the pod's log, an exec in it and a port-forward to it answer (what kubectl, webhooks and metrics depend on)",
      timeoutMs: WAITING_MS,
    },
    proxyHealth: {
      title: 'kube-proxy health on every node',
      description:
        "each node's kube-proxy health endpoint (port 10256) answers healthy from that node's probe agent; not reachable anywhere is reported, not failed",
    },
    serviceProgramming: {
      title: 'a new Service is programmed on every node',
      description:
        "a Service created now answers from every node's probe agent within the bound: the time to the first correct answer, then 3 in a row, per node",
      timeoutMs: WAITING_MS,
    },
    apiServices: {
      title: 'every aggregated API is Available',
      description:
        "every APIService served by an extension API server (metrics-server, metrics adapters) is Available; an unavailable one is named with its Service, its endpoints, the API server's reason and what it breaks (discovery, namespace deletion, garbage collection, HPAs, kubectl top)",
    },
    nodeMetrics: {
      title: 'the metrics API reports every node',
      description: 'when metrics.k8s.io is served: node metrics answer and carry CPU and memory usage for every node (kubectl top nodes)',
    },
    versions: {
      title: 'component versions and skew',
      description:
        "the API server's version, each node's kubelet and kube-proxy versions and the control-plane pods' image tags, with the skew between them as evidence",
    },
    staticPods: {
      title: 'static control-plane pods run on every control-plane node',
      description:
        'where the control plane runs as static pods (kubeadm): the mirror pods in kube-system hold etcd (when local), kube-apiserver, kube-controller-manager and kube-scheduler on every control-plane node, ready; a restart loop fails naming the component, the node and the last exit; skipped with the reason where there are none',
    },
    staticVersions: {
      title: 'static control-plane versions agree with the API server and kubeadm-config',
      description:
        "the static pods' image tags against the API server's version and across control-plane nodes, and kubeadm-config's kubernetesVersion against the API server (a mismatch is an upgrade half-done)",
    },
    staticFlags: {
      title: 'static control-plane flags that matter',
      description:
        "from the static pods' commands: the API server's --authorization-mode (Node and RBAC), --service-cluster-ip-range against kubeadm-config's serviceSubnet, NodeRestriction; the controller-manager's --cluster-cidr against podSubnet; etcd's client and peer certificate auth",
    },
  },
  options: {
    bound: option({
      key: 'controlPlaneBound',
      flag: 'control-plane-bound',
      env: 'SHAKEDOWN_CONTROL_PLANE_BOUND',
      type: duration(1000, 600_000),
      default: 30_000,
      describe: 'how long a control-plane reaction may take: ServiceAccount, binding, ReplicaSet, garbage collection, EndpointSlices, Service programming',
    }),
  },
  permissions: [
    { url: '/readyz', verb: 'get', why: "the API server's readiness checks, each named" },
    { url: '/livez', verb: 'get', why: "the API server's liveness checks, each named" },
    {
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: { namespace: 'default' },
      why: 'the API server instances behind the kubernetes Service',
    },
    { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', scope: { namespace: 'kube-system' }, why: 'the API server identity Leases' },
    {
      verb: 'get',
      resource: 'leases',
      group: 'coordination.k8s.io',
      scope: { namespace: 'kube-system' },
      why: 'the scheduler and controller-manager leader Leases',
    },
    { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', scope: { namespace: 'kube-node-lease' }, why: "every node's heartbeat Lease" },
    {
      verb: 'list',
      resource: 'pods',
      scope: { namespace: 'kube-system' },
      why: "the control-plane pods' image tags, health and flags, when the components run as static pods",
    },
    {
      verb: 'get',
      resource: 'configmaps',
      scope: { namespace: 'kube-system' },
      why: 'kubeadm-config, kubelet-config and kube-proxy: what kubeadm says the cluster is',
    },
    { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'which nodes are control-plane nodes (node-role.kubernetes.io/control-plane)' },
    { verb: 'get', resource: 'serviceaccounts', scope: 'run', why: 'whether a new namespace got its default ServiceAccount' },
    { verb: 'get', resource: 'configmaps', scope: 'run', why: 'whether a new namespace got its kube-root-ca.crt' },
    { verb: 'watch', resource: 'pods', scope: 'run', why: 'when each pod is bound, starts and becomes ready, without polling' },
    { verb: 'patch', resource: 'pods', scope: 'run', why: 'taking a pod out of a Service selector, for EndpointSlices to follow' },
    { verb: 'create', resource: 'pods', subresource: 'exec', scope: 'run', why: 'an exec into a pod on each node, through its kubelet' },
    { verb: 'get', resource: 'pods', subresource: 'exec', scope: 'run', why: 'an exec into a pod on each node (websocket: a GET)' },
    { verb: 'get', resource: 'pods', subresource: 'portforward', scope: 'run', why: 'a port-forward to a pod on each node (websocket)' },
    { verb: 'create', resource: 'pods', subresource: 'portforward', scope: 'run', why: 'a port-forward to a pod on each node' },
    { verb: 'create', resource: 'deployments', group: 'apps', scope: 'run', why: 'a Deployment for the deployment and ReplicaSet controllers to act on' },
    { verb: 'delete', resource: 'deployments', group: 'apps', scope: 'run', why: 'deleting it, for the garbage collector to act on' },
    { verb: 'get', resource: 'deployments', group: 'apps', scope: 'run', why: "the Deployment's conditions when it gets no ReplicaSet" },
    { verb: 'list', resource: 'replicasets', group: 'apps', scope: 'run', why: "the Deployment's ReplicaSet, made and then collected" },
    { verb: 'create', resource: 'services', scope: 'run', why: 'Services for EndpointSlices and kube-proxy to follow' },
    { verb: 'list', resource: 'apiservices', group: 'apiregistration.k8s.io', scope: 'cluster', why: 'whether every aggregated API is Available' },
    { verb: 'get', resource: 'apiservices', group: 'apiregistration.k8s.io', scope: 'cluster', why: 'whether the resource metrics API is served' },
    {
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: 'cluster',
      why: 'the endpoints of the Service behind an unavailable aggregated API',
    },
    { verb: 'list', resource: 'nodes', group: 'metrics.k8s.io', scope: 'cluster', why: 'the usage the metrics API reports for every node' },
  ],
  setup: ['fleet', 'namespaces'],
  exclusive: false,
  images: [],
});
