// Control plane: each component judged by what it does, with its heartbeat as evidence. The API
// server by its own named health checks on every instance and the latency of simple calls; etcd
// through the API server; kube-controller-manager and kube-scheduler by their leader Leases and by
// doing their work in a namespace of the run (ServiceAccount, ReplicaSet, garbage collection,
// EndpointSlices, binding a pod pinned to each node); every kubelet by its heartbeat, a pod that
// runs, and logs/exec/port-forward through the API server; every kube-proxy by its health endpoint
// and how long a new Service takes to answer from each node; every aggregated API by its
// availability, and the metrics API by the nodes it reports. Where the control plane runs as static
// pods (kubeadm), their mirror pods: health and restarts, versions, flags, and kubeadm-config.
// Failures name the component and node.
import { afterAll } from 'vitest';
import { check, defineSuite } from '../../helpers/engine/check.ts';
import manifest from './manifest.ts';
import { apiServerHealth, apiServerLatency, etcdCheck } from './apiserver.ts';
import { deploymentCheck, endpointSliceCheck, leaderLeaseCheck, namespaceCheck } from './controllers.ts';
import { bindingCheck, heartbeatCheck, podRunsCheck, streamsCheck } from './nodes.ts';
import { proxyHealthCheck, serviceProgrammingCheck } from './proxy.ts';
import { versionsCheck } from './versions-check.ts';
import { apiServicesCheck, nodeMetricsCheck } from './aggregated.ts';
import { closeWorld } from './world.ts';
import { staticFlagsCheck, staticPodsCheck, staticVersionsCheck } from './static-pods-check.ts';

// Checks that wait for pods and controllers get room beyond the default check timeout.
const WAITING = { timeoutMs: 180_000 };

defineSuite(manifest, () => {
  afterAll(closeWorld);
  check('API server readyz and livez on every instance', {}, apiServerHealth);
  check('API server answers simple calls promptly', {}, apiServerLatency);
  check('etcd answers the API server', {}, etcdCheck);
  check('controller-manager holds its leader Lease', {}, (c) =>
    leaderLeaseCheck(c, 'kube-controller-manager', 'the namespace, Deployment and EndpointSlice checks judge it by its work'),
  );
  check('a new namespace gets its ServiceAccount and root CA', WAITING, namespaceCheck);
  check('a Deployment makes a ReplicaSet and a ready Pod, and its deletion collects them', WAITING, deploymentCheck);
  check("EndpointSlices follow a Service's pods", WAITING, endpointSliceCheck);
  check('scheduler holds its leader Lease', {}, (c) => leaderLeaseCheck(c, 'kube-scheduler', 'the binding check judges it by its work'));
  check('the scheduler binds a pod pinned to each node', WAITING, bindingCheck);
  check('every node heartbeat is fresh and agrees with Ready', {}, heartbeatCheck);
  check('a pod runs on every node', WAITING, podRunsCheck);
  check('logs, exec and port-forward reach a pod on every node', WAITING, streamsCheck);
  check('kube-proxy health on every node', {}, proxyHealthCheck);
  check('a new Service is programmed on every node', WAITING, serviceProgrammingCheck);
  check('every aggregated API is Available', {}, apiServicesCheck);
  check('the metrics API reports every node', {}, nodeMetricsCheck);
  check('component versions and skew', {}, versionsCheck);
  check('static control-plane pods run on every control-plane node', {}, staticPodsCheck);
  check('static control-plane versions agree with the API server and kubeadm-config', {}, staticVersionsCheck);
  check('static control-plane flags that matter', {}, staticFlagsCheck);
});
