// The services suite declares itself: read by the engine for list, help, preflight and RBAC.
import { defineManifest } from '../../helpers/engine/manifest.ts';

export default defineManifest({
  name: 'services',
  description: 'Service routing: ports, load spread, affinity, headless, endpoints, readiness, hairpin',
  checks: {
    portMapping: {
      title: 'port != targetPort, and a named targetPort',
      description: 'ClusterIP 8089 reaches container port 8080, and 8090 -> targetPort "http-1" reaches 8081, from every node',
    },
    multiPort: {
      title: 'multi-port: each port reaches its container port',
      description: 'one Service with HTTP 80 -> 8080, 81 -> 8082, TCP 9000 and UDP 9001 by name; each port lands on the right container port, from every node',
    },
    loadSpread: {
      title: 'load spreads over every endpoint',
      description: 'many fresh connections to one ClusterIP reach every ready endpoint, and no endpoint gets less than a third of its fair share',
    },
    sessionAffinity: {
      title: 'session affinity ClientIP sticks',
      description: 'with sessionAffinity: ClientIP, every request of a client reaches the same endpoint',
    },
    headless: {
      title: 'headless Service resolves to the ready pod IPs',
      description: 'DNS A records of a headless Service are exactly the IPs of its ready pods, from every node',
    },
    endpointSlices: {
      title: 'EndpointSlices list exactly the ready pods',
      description: 'the EndpointSlices of a Service name each selected pod once, with its IP, its node, and ready',
    },
    noEndpoints: {
      title: 'a Service without endpoints refuses at once',
      description: 'a ClusterIP whose selector matches no pod answers with a refusal (REJECT) within a second, not a timeout, from every node',
    },
    hairpin: {
      title: 'hairpin: a pod reaches itself through its own Service',
      description: 'a pod that is the only endpoint of a Service reaches itself through the ClusterIP, on every node',
    },
    crossNode: {
      title: 'cross-node: a Service backend on another node',
      description: 'from every node, a Service whose only endpoints are on one node answers, for every node: the whole node-by-node matrix',
    },
    notReady: {
      title: 'readiness › a pod that is not ready gets no traffic',
      description: 'an endpoint whose readiness probe fails leaves the EndpointSlice and gets no new connections',
    },
  },
  options: {},
  permissions: [
    { verb: 'create', resource: 'services', scope: 'run', why: 'the Services under test' },
    { verb: 'get', resource: 'services', scope: 'run', why: 'evidence on failures: the Service as the API server has it' },
    { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', scope: 'run', why: 'waiting for endpoints and judging them' },
    { verb: 'list', resource: 'events', scope: 'run', why: 'evidence on failures: the events of a Service' },
    {
      verb: 'update',
      resource: 'pods',
      subresource: 'proxy',
      scope: 'run',
      why: 'making one of its own backends not ready (PUT /v1/readiness through the pod proxy)',
    },
    { verb: 'list', resource: 'pods', scope: { namespace: 'kube-system' }, why: 'evidence on failures: the kube-proxy pod of each node (suites/lib/proxy.ts)' },
  ],
  setup: ['fleet', 'namespaces'],
  exclusive: false,
  images: [],
});
