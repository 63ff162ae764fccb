// What the configuration, addressing and egress checks add to the network suite's manifest: their
// titles and descriptions, the permissions their reads need, and their options. Plain data, spread
// into suites/network/manifest.ts.
import { oneOf } from '../../../helpers/config-values.ts';
import { option, type CheckSpec, type SuitePermission } from '../../../helpers/engine/manifest.ts';
import { egressTargetType, WHOAMI_NAME, type EgressTarget } from './egress.ts';
import { CALICO_APIS, CILIUM_CONFIGMAP, CILIUM_NAMESPACE, FLANNEL_CONFIGMAP, FLANNEL_NAMESPACES } from './facts.ts';

export const CONFIG_CHECKS = {
  flannel: {
    title: 'flannel: net-conf.json against the node podCIDRs, node annotations',
    description:
      "flannel's Network contains every node's podCIDR and equals the cluster's pod CIDR; its Backend; every node annotated by flanneld with the same backend, its own public-ip and a distinct VTEP MAC",
  },
  calico: {
    title: 'Calico: IPPools, BGP peers, Felix configuration',
    description:
      "Calico's enabled IPPools contain the nodes' podCIDRs and lie in the cluster's pod CIDR (blockSize, IPIP/VXLAN mode, natOutgoing, disabled pools); every BGP peer in CalicoNodeStatus Established; Felix MTUs and iptables backend",
  },
  cilium: {
    title: 'Cilium: cilium-config',
    description: "cilium-config: the IPAM pool within the cluster's pod CIDR, routing mode and its native routing CIDR, MTU, masquerading",
  },
  kubeRouter: {
    title: 'kube-router: arguments and node annotations',
    description: "kube-router's parts (router, firewall, service proxy), overlay and pod egress from its arguments; a podCIDR for every node it routes",
  },
  addressing: {
    title: 'pod addresses within their node podCIDR and the plugin pools',
    description:
      "no two nodes' podCIDRs overlap; every running pod's address (the probe pods' too) lies in its node's podCIDR where the plugin allocates from it, and in the plugin's pool",
  },
  egress: {
    title: 'egress leaves with the source address the NAT setting says',
    description:
      'a probe pod on every node reaches --egress-target, which reports the source address it sees: the pod address when pods are routed, the node address when the plugin masquerades',
  },
} as const satisfies Readonly<Record<string, CheckSpec>>;

const calico = (resource: string): SuitePermission[] =>
  CALICO_APIS.map((api) => ({
    verb: 'list',
    resource,
    group: api.split('/')[0] ?? '',
    scope: 'cluster' as const,
    why: `Calico's ${resource}, read where served`,
  }));

export const CONFIG_PERMISSIONS: SuitePermission[] = [
  { verb: 'list', resource: 'nodes', scope: 'cluster', why: "the nodes' podCIDRs, addresses and plugin annotations" },
  {
    verb: 'list',
    resource: 'pods',
    scope: 'cluster',
    why: "every running pod's address, against its node's podCIDR and the plugin's pool; the controller-manager's --cluster-cidr",
  },
  { verb: 'list', resource: 'daemonsets', group: 'apps', scope: 'cluster', why: "the plugin agents' arguments (flanneld, kube-router)" },
  ...FLANNEL_NAMESPACES.map((namespace): SuitePermission => ({
    verb: 'get',
    resource: 'configmaps',
    scope: { namespace },
    why: `flannel's ${FLANNEL_CONFIGMAP} ConfigMap`,
  })),
  { verb: 'get', resource: 'configmaps', scope: { namespace: CILIUM_NAMESPACE }, why: `Cilium's ${CILIUM_CONFIGMAP} ConfigMap` },
  ...calico('ippools'),
  ...calico('caliconodestatuses'),
  ...calico('felixconfigurations'),
];

export const CONFIG_OPTIONS = {
  egressTarget: option<EgressTarget, undefined>({
    key: 'egressTarget',
    flag: 'egress-target',
    env: 'SHAKEDOWN_EGRESS_TARGET',
    type: egressTargetType,
    default: undefined,
    describe: `something outside the cluster that reports the source address it sees: HOST:PORT[/NAME] of a DNS server answering NAME (default ${WHOAMI_NAME}) with the client's address, or an http:// URL whose answer holds it (without it the egress check skips)`,
  }),
  egressSource: option({
    key: 'egressSource',
    flag: 'egress-source',
    env: 'SHAKEDOWN_EGRESS_SOURCE',
    type: oneOf(['auto', 'pod', 'node'] as const),
    default: 'auto' as const,
    describe: "the source address egress must leave with: pod (routed), node (masqueraded), or auto (what the plugin's NAT setting says)",
  }),
};
