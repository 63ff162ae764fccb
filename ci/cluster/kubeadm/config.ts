// The kubeadm configuration files of the kubeadm profile, as kubeadm v1beta4 reads them: one
// InitConfiguration + ClusterConfiguration + KubeletConfiguration + KubeProxyConfiguration for the
// first node, one JoinConfiguration per other node. Pure: the node layout and a few facts in, YAML out.
import { type NodeLayout, net } from '../layout.ts';
import { registry } from '../images.ts';
import { versions } from '../versions.ts';

export const KUBE_PROXY_MODES = ['iptables', 'nftables'] as const;
export type KubeProxyMode = (typeof KUBE_PROXY_MODES)[number];

/**
 * Preflight errors ignored, each by name and for a reason that holds on these machines only:
 * kubeadm is told to stop on everything else.
 */
export const ignoredPreflightErrors: Record<string, string> = {
  // The machine has only cgroup v1 hierarchies. kubeadm 1.35 fails this check on cgroup v1 and says
  // the way to keep v1 is the kubelet's failCgroupV1: false (set below) and skipping the check by name.
  SystemVerification: 'the machine runs cgroup v1 only; kubeadm 1.35 asks to skip this check by name when the kubelet is told failCgroupV1: false',
};

/** The same list as the flag of the kubeadm commands that take no configuration file (upgrade apply, upgrade node). */
export const ignorePreflightFlag = `--ignore-preflight-errors=${Object.keys(ignoredPreflightErrors).join(',')}`;

export interface KubeadmFacts {
  /** The control-plane node: node 1. */
  controlPlane: NodeLayout;
  kubernetesVersion: string;
  bootstrapToken: string;
  kubeProxyMode: KubeProxyMode;
  /** Validity of kubeadm's leaf certificates in days (its CAs keep kubeadm's ten years). */
  certDays: number;
}

const yamlList = (items: string[], indent: string): string => items.map((i) => `${indent}- ${i}`).join('\n');

/** What every node registers with: its name, its own containerd, its cgroup root and address; images are never pulled. */
function nodeRegistration(node: NodeLayout, taints: boolean): string {
  return `nodeRegistration:
  name: ${node.name}
  criSocket: unix://${node.containerdSock}
  imagePullPolicy: Never
${taints ? '' : '  taints: []\n'}  kubeletExtraArgs:
  - {name: node-ip, value: ${node.ip}}
  - {name: cgroup-root, value: ${node.cgroupRoot}}
  ignorePreflightErrors:
${yamlList(Object.keys(ignoredPreflightErrors), '  ')}`;
}

export function initConfiguration(f: KubeadmFacts): string {
  const cp = f.controlPlane;
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
bootstrapTokens:
- token: ${f.bootstrapToken}
  ttl: 2h0m0s
localAPIEndpoint: {advertiseAddress: ${cp.ip}, bindPort: 6443}
${nodeRegistration(cp, false)}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v${f.kubernetesVersion}
clusterName: shakedown-kubeadm
certificateValidityPeriod: ${f.certDays * 24}h0m0s
controlPlaneEndpoint: ${cp.ip}:6443
imageRepository: ${registry}
networking: {podSubnet: ${net.podCidr}, serviceSubnet: ${net.serviceCidr}, dnsDomain: ${net.clusterDomain}}
dns: {imageRepository: ${registry}, imageTag: '${versions.coredns}'}
etcd:
  local: {imageRepository: ${registry}, imageTag: '${versions.etcd}'}
controllerManager:
  extraArgs:
  # Each node's pod range is fixed by the node layout (its bridge CNI configuration); the harness
  # writes it into the Node object, so the controller-manager must not allocate another one.
  - {name: allocate-node-cidrs, value: 'false'}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
resolvConf: /etc/resolv.conf
oomScoreAdj: 0
imageGCHighThresholdPercent: 100
evictionHard: {nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%"}
serializeImagePulls: false
# Serving certificates signed by the cluster CA (CSRs the harness approves), as metrics-server needs.
serverTLSBootstrap: true
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: ${f.kubeProxyMode}
oomScoreAdj: 0
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
`;
}

export function joinConfiguration(node: NodeLayout, f: Pick<KubeadmFacts, 'controlPlane' | 'bootstrapToken'>, caCertHash: string): string {
  return `apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken:
    apiServerEndpoint: ${f.controlPlane.ip}:6443
    token: ${f.bootstrapToken}
    caCertHashes: [${caCertHash}]
${nodeRegistration(node, true)}
`;
}
