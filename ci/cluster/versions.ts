// Every version the local cluster uses, pinned in this one place. Build caches are keyed by this
// object, so changing a value here rebuilds exactly what depends on it.

export const versions = {
  /** k8s.io/kubernetes; its 31 staging modules are pinned to v0.<minor>.<patch>. */
  kubernetes: '1.34.4',
  /** The release the kubeadm profile upgrades to (`cluster:upgrade`). */
  kubernetesUpgrade: '1.35.4',
  /** go.etcd.io/etcd/server/v3, run by the kubeadm profile as its static pod (3.6.13+ are served). */
  etcd: '3.6.16',
  coredns: '1.12.4',
  /** Listing of this module is refused by the proxy; this exact version is served. */
  kubeRouter: '2.1.0',
  localPathProvisioner: '0.0.37',
  /** 3.7.11+ need a go-http-auth fork and lego v5.4 that the module proxy refuses to serve. */
  traefik: '3.7.10',
  /** The Gateway API release Traefik is built against; its CRDs come from the same module. */
  gatewayApi: '1.6.1',
  /** github.com/flannel-io/flannel: flanneld and install-conf, for the flannel profile only. */
  flannel: '0.28.10',
  /**
   * The flannel CNI plugin as it lived in github.com/containernetworking/plugins before it moved to
   * github.com/flannel-io/cni-plugin (whose every version the module proxy refuses); 0.9.1 is the
   * last served release that still has plugins/meta/flannel.
   */
  cniPluginsFlannel: '0.9.1',
  /**
   * github.com/cert-manager/cert-manager: the newest v1.21 patch the module proxy serves (v1.21.3+
   * are refused). Its controller, webhook and cainjector mains are modules the proxy does not
   * serve; ci/cluster/cert-manager/ has ours.
   */
  certManager: '1.21.2',
  /** sigs.k8s.io/metrics-server; v0.9.0 is served but is not an approved release. */
  metricsServer: '0.8.0',
  /** Tag of our own pause image (a tiny C program built here). */
  pause: '3.10',
} as const;

/** Debian packages the cluster runs on: container runtime, CNI plugins, etcd, netfilter tools. */
export const debianPackages: Record<string, string> = {
  containerd: 'containerd',
  runc: 'runc',
  '/usr/lib/cni/bridge': 'containernetworking-plugins',
  etcd: 'etcd-server',
  iptables: 'iptables',
  nft: 'nftables',
  ipset: 'ipset',
  conntrack: 'conntrack',
  busybox: 'busybox-static',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  ip: 'iproute2',
  openssl: 'openssl',
  gcc: 'gcc',
  xz: 'xz-utils',
};
