// The network suite declares itself: read by the engine for list, help, preflight and RBAC.
// The pod network itself: every node pair both ways with small and large payloads (MTU), pod to
// node addresses, the runner to pods. The CNI configuration checks live in config/.
import { boolean } from '../../helpers/config-values.ts';
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { ALL_PAIRS_UP_TO } from '../../helpers/pod-path/pairs.ts';
import { CONFIG_CHECKS, CONFIG_OPTIONS, CONFIG_PERMISSIONS } from './config/declarations.ts';

export default defineManifest({
  name: 'network',
  description: 'The pod network: every node pair both ways with small and large payloads (MTU), pod to node, runner to pod',
  checks: {
    mtus: {
      title: 'pod interface MTUs agree across nodes',
      description: "each node's probe pod reports the MTU of its default-route interface; a warning when they differ or cannot be read",
    },
    nodePairs: {
      title: 'every node pair, both ways, small and large payloads',
      description: `the probe pod on each node reaches the probe pod on every other node (a ring of 8 peers each above ${ALL_PAIRS_UP_TO} nodes) over TCP and UDP, small, and large: a TCP upload of 8 MTUs and a UDP datagram of the sender's MTU - 28; only large ones failing is named MTU`,
    },
    podsToNodes: {
      title: "pods reach the other nodes' addresses",
      description: "the probe pod on each node completes a TCP handshake with the kubelet port of the other nodes' InternalIP (the same pairs)",
    },
    runnerToPods: {
      title: 'the runner reaches pod IPs',
      description:
        "this machine calls every node agent's pod IP over HTTP (2 s); skipped when it reaches none (pod IPs are often not routed outside), a warning when it reaches only some",
    },
    ...CONFIG_CHECKS,
    kubeProxyMode: {
      title: 'kube-proxy mode',
      description:
        'where kube-proxy is the kube-system DaemonSet configured by the kube-proxy ConfigMap (kubeadm): its mode ("" is iptables) and settings; ipvs is said plainly (deprecated since v1.35, needs IPVS in every kernel, a failure where kube-proxy is not ready); a --proxy-mode flag that disagrees with the ConfigMap and a clusterCIDR that is not kubeadm\'s podSubnet warn; skipped with the reason where kube-proxy is a host process or replaced',
    },
  },
  options: {
    allPairs: option({
      key: 'networkAllPairs',
      flag: 'network-all-pairs',
      env: 'SHAKEDOWN_NETWORK_ALL_PAIRS',
      type: boolean,
      default: false,
      describe: `probe every ordered node pair, also above ${ALL_PAIRS_UP_TO} nodes (4 x N x (N - 1) probes instead of 32 x N)`,
    }),
    ...CONFIG_OPTIONS,
  },
  permissions: [
    { verb: 'list', resource: 'nodes', scope: 'cluster', why: "each node's address and kubelet port, for the pod-to-node handshakes" },
    ...CONFIG_PERMISSIONS,
    {
      verb: 'get',
      resource: 'configmaps',
      scope: { namespace: 'kube-system' },
      why: "kube-proxy's KubeProxyConfiguration and kubeadm-config's podSubnet",
    },
  ],
  setup: ['fleet'],
  exclusive: false,
  images: [],
  uses: ['network-plugin'],
});
