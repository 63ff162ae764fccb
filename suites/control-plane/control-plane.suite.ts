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

defineSuite(manifest, () => {
  afterAll(closeWorld);
  check(manifest.check.apiServerHealth, apiServerHealth);
  check(manifest.check.apiServerLatency, apiServerLatency);
  check(manifest.check.etcd, etcdCheck);
  check(manifest.check.controllerManagerLease, (c) =>
    leaderLeaseCheck(c, 'kube-controller-manager', 'the namespace, Deployment and EndpointSlice checks judge it by its work'),
  );
  check(manifest.check.namespace, namespaceCheck);
  check(manifest.check.deployment, deploymentCheck);
  check(manifest.check.endpointSlices, endpointSliceCheck);
  check(manifest.check.schedulerLease, (c) => leaderLeaseCheck(c, 'kube-scheduler', 'the binding check judges it by its work'));
  check(manifest.check.binding, bindingCheck);
  check(manifest.check.heartbeats, heartbeatCheck);
  check(manifest.check.podRuns, podRunsCheck);
  check(manifest.check.streams, streamsCheck);
  check(manifest.check.proxyHealth, proxyHealthCheck);
  check(manifest.check.serviceProgramming, serviceProgrammingCheck);
  check(manifest.check.apiServices, apiServicesCheck);
  check(manifest.check.nodeMetrics, nodeMetricsCheck);
  check(manifest.check.versions, versionsCheck);
  check(manifest.check.staticPods, staticPodsCheck);
  check(manifest.check.staticVersions, staticVersionsCheck);
  check(manifest.check.staticFlags, staticFlagsCheck);
});
