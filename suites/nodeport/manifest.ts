// The nodeport suite declares itself: read by the engine for list, help, preflight and RBAC.
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { oneOf } from '../../helpers/config-values.ts';

export const RUNNER_REACH = ['auto', 'on', 'off'] as const;
export type RunnerReach = (typeof RUNNER_REACH)[number];

export default defineManifest({
  name: 'nodeport',
  description: 'NodePort: every node answers, from inside and outside, with the right backend and traffic policy',
  checks: {
    everyNodeFromEveryNode: {
      title: 'every node answers on the nodePort, from every node',
      description:
        'port 8089 -> targetPort 8081 -> an allocated nodePort; every node address answers from a probe pod on every node, also nodes without an endpoint',
    },
    fromRunner: {
      title: 'the runner reaches every node on the nodePort',
      description:
        'this machine calls every node address on the nodePort with undici; skipped when it reaches no node address at all (or --node-port-from-runner off)',
    },
    localTrafficPolicy: {
      title: 'externalTrafficPolicy Local keeps the client IP, only where an endpoint runs',
      description: "from the runner: the node with the endpoint answers and sees the runner's own address; nodes without one do not answer",
    },
    chosenNodePort: {
      title: 'a chosen nodePort is honoured',
      description: 'a Service asking for a specific free nodePort gets it, and every node answers on it',
    },
    udp: {
      title: 'a UDP NodePort works on every node',
      description: 'a UDP nodePort reaches the UDP echo of the one backend, through every node address, from every node',
    },
  },
  options: {
    fromRunner: option({
      key: 'nodePortFromRunner',
      flag: 'node-port-from-runner',
      env: 'SHAKEDOWN_NODE_PORT_FROM_RUNNER',
      type: oneOf(RUNNER_REACH),
      default: 'auto',
      describe: 'call NodePorts from this machine: on, off, or auto (skipped when no node address answers from here)',
    }),
  },
  permissions: [
    { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'every node address to call on the nodePort' },
    { verb: 'list', resource: 'services', scope: 'cluster', why: 'the nodePorts in use, to choose a free one' },
    { verb: 'create', resource: 'services', scope: 'run', why: 'the NodePort Services under test' },
    { verb: 'get', resource: 'services', scope: 'run', why: 'evidence on failures: the Service as the API server has it' },
    { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', scope: 'run', why: 'waiting for endpoints and judging them' },
    { verb: 'list', resource: 'events', scope: 'run', why: 'evidence on failures: the events of a Service' },
    { verb: 'list', resource: 'pods', scope: { namespace: 'kube-system' }, why: 'evidence on failures: the kube-proxy pod of each node' },
  ],
  setup: ['fleet', 'namespaces'],
  exclusive: false,
  images: [],
});
