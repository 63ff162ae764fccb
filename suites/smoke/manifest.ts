// The smoke suite declares itself: read by the engine for list, help, preflight and RBAC.
import { defineManifest } from '../../helpers/engine/manifest.ts';

export default defineManifest({
  name: 'smoke',
  description: 'The probe fleet answers, reaches itself and resolves cluster names',
  checks: {
    agentsAnswer: { title: 'every agent answers', description: 'each probe pod answers /v1/info with its own identity' },
    podToPod: {
      title: 'pod to pod over HTTP, TCP and UDP',
      description: "each agent of the fleet's sample (every zone and node pool) reaches the others' pod IPs on their HTTP, TCP and UDP echo ports",
    },
    clusterDns: {
      title: 'cluster DNS resolves the kubernetes Service',
      description: 'each agent resolves kubernetes.default.svc through its resolv.conf nameserver, over UDP and TCP',
    },
  },
  options: {},
  permissions: [{ verb: 'get', resource: 'services', scope: { namespace: 'default' }, why: 'the ClusterIP of the kubernetes Service, to resolve and compare' }],
  setup: ['fleet'],
  exclusive: false,
  images: [],
});
