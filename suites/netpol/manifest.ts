// The netpol suite declares itself: read by the engine for list, help, preflight and RBAC. The
// checks are the cases of netpol-cases.ts (plain data), in the order the suite defines them.
import { duration, integer } from '../../helpers/config-values.ts';
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { CASES, checkTitle, DEFAULT_DENY_INGRESS, LATENCY_CHECK, VERDICT_CHECK } from './netpol-cases.ts';
import { LANES } from './world-model.ts';

export default defineManifest({
  name: 'netpol',
  description: 'NetworkPolicy: enforcement verdict, truth tables, enforcement latency',
  checks: {
    [DEFAULT_DENY_INGRESS.id]: {
      title: VERDICT_CHECK,
      description: `${DEFAULT_DENY_INGRESS.description}; decides whether the other cases can run`,
      timeoutMs: 300_000,
    },
    // A case's time includes waiting for the world (the verdict's 120 s pod budget) and for a free lane.
    ...Object.fromEntries(CASES.map((spec) => [spec.id, { title: checkTitle(spec.title), description: spec.description, timeoutMs: 300_000 }])),
    latency: { title: LATENCY_CHECK, description: 'every policy change was enforced, and every deletion lifted, within the bound (--netpol-bound)' },
  },
  options: {
    bound: option({
      key: 'netpolBound',
      flag: 'netpol-bound',
      env: 'SHAKEDOWN_NETPOL_BOUND',
      type: duration(1000, 600_000),
      default: 30_000,
      describe: 'how long a NetworkPolicy change may take to be enforced (or lifted) before it counts as a failure',
    }),
    lanes: option({
      key: 'netpolLanes',
      flag: 'netpol-lanes',
      env: 'SHAKEDOWN_NETPOL_LANES',
      type: integer(1, 6),
      default: LANES,
      describe: 'NetworkPolicy cases run at once, each lane with its own policed namespace and 3 pods (more lanes: faster, and more load on the nodes)',
    }),
  },
  permissions: [
    { verb: 'create', resource: 'namespaces', scope: 'cluster', why: 'the three namespaces x, y, z of the truth tables' },
    { verb: 'get', resource: 'secrets', scope: 'run', why: "the image pull secret and the agents' API token, copied into its namespaces" },
    { verb: 'create', resource: 'secrets', scope: 'run', why: "the image pull secret and the agents' API token in each of its namespaces" },
    { verb: 'list', resource: 'pods', scope: 'run', why: 'waiting for its pods and learning their IPs' },
    {
      verb: 'list',
      resource: 'pods',
      scope: 'cluster',
      why: "evidence when NetworkPolicy is not enforced on a node: the network plugin's pod on that node and its state",
    },
    { verb: 'create', resource: 'pods', subresource: 'exec', scope: 'run', why: 'probing from inside each pod, beyond the reach of any policy' },
    { verb: 'create', resource: 'networkpolicies', group: 'networking.k8s.io', scope: 'run', why: 'the policies under test' },
    { verb: 'delete', resource: 'networkpolicies', group: 'networking.k8s.io', scope: 'run', why: 'lifting each policy and measuring how fast' },
  ],
  setup: ['fleet', 'namespaces'],
  exclusive: false,
  images: [],
  // The verdict names the plugin the engine detected for the run.
  uses: ['network-plugin'],
});
