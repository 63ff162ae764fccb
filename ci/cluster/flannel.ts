// The flannel profile of the local cluster (`cluster:up -- --cni flannel`): flanneld with the VXLAN
// backend in a DaemonSet from an image made here, the flannel CNI plugin delegating to bridge and
// host-local with the subnet flanneld leased, and no NetworkPolicy enforcer anywhere. Everything here
// is data the harness renders (ConfigMap, flags, CNI configuration, image), so unit tests see it.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { render } from './render.ts';
import { componentBinary } from './build.ts';
import { ClusterError } from './errors.ts';
import { type ImageSpec, registry, sharedLibraries } from './images.ts';
import { kubectl, tryKubectl } from './kube.ts';
import { controlPlane, net, type NodeLayout, stateDir } from './layout.ts';
import { tryRun } from './sh.ts';
import { versions } from './versions.ts';

export const flannel = {
  namespace: 'kube-flannel',
  daemonSet: 'kube-flannel-ds',
  configMap: 'kube-flannel-cfg',
  /** Private to each node's mount namespace (a tmpfs of its own), so flanneld and the CNI plugin keep upstream's paths; down.ts removes the host's empty mount point. */
  runDir: '/run/flannel',
  vxlanDevice: 'flannel.1',
  /** UDP port of the Linux VXLAN device flannel makes (flannel's default, not IANA's 4789). */
  vxlanPort: 8472,
  /** VXLAN adds 50 bytes to every packet: 1500 on the nodes' links leaves 1450 for pods. */
  expectedMtu: 1450,
  healthzPort: 8081,
  /** Directories under each node's state directory, mounted into the DaemonSet's init containers. */
  cniBinSubdir: 'cni-bin',
  cniConfSubdir: 'cni',
} as const;

/** /usr/lib/cni holds Debian's plugins; containerd takes one bin_dir, so each node gets a dir of links plus flannel. */
export const debianCniDir = '/usr/lib/cni';
export const cniBinDir = (node: NodeLayout): string => join(node.dir, flannel.cniBinSubdir);

/** net-conf.json: the cluster's pod CIDR, VXLAN, iptables (this machine's kube-proxy uses iptables too). */
export function netConf(): Record<string, unknown> {
  return { Network: net.podCidr, EnableNFTables: false, Backend: { Type: 'vxlan' } };
}

/**
 * cni-conf.json, installed by the DaemonSet as each node's only CNI configuration. The plugin reads
 * /run/flannel/subnet.env at every ADD and delegates to bridge + host-local with that subnet and MTU.
 * Its own state and host-local's leases go under /run/flannel too: their upstream defaults
 * (/var/lib/cni/...) would be shared by every node of this machine and outlive the cluster.
 */
export function cniConf(): Record<string, unknown> {
  return {
    name: 'cbr0',
    cniVersion: '0.3.1',
    plugins: [
      {
        type: 'flannel',
        dataDir: `${flannel.runDir}/cni`,
        ipam: { dataDir: `${flannel.runDir}/ipam` },
        delegate: { hairpinMode: true, isDefaultGateway: true },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

/**
 * flanneld's flags: --ip-masq and --kube-subnet-mgr as upstream; --iface because the nodes have no
 * default route (flanneld would otherwise find no interface to pick).
 */
export function flanneldArgs(): string[] {
  return ['--ip-masq', '--kube-subnet-mgr', '--iface=eth0', `--healthz-port=${flannel.healthzPort}`];
}

const iptablesCommands = ['iptables', 'iptables-save', 'iptables-restore', 'ip6tables', 'ip6tables-save', 'ip6tables-restore'];
const xtablesMulti = '/usr/sbin/xtables-nft-multi';
const xtablesExtensions = '/usr/lib/x86_64-linux-gnu/xtables';

/**
 * The image: flanneld and install-conf (the flannel module), the flannel CNI plugin, and iptables
 * (the nf_tables variant this machine runs, with its extensions and shared libraries) for flanneld's
 * masquerade and forward rules.
 */
export function flannelImage(): ImageSpec {
  const extensions = existsSync(xtablesExtensions)
    ? readdirSync(xtablesExtensions)
        .filter((f) => f.endsWith('.so'))
        .map((f) => join(xtablesExtensions, f))
    : [];
  const libraries = new Set([xtablesMulti, ...extensions].flatMap(sharedLibraries));
  return {
    ref: `${registry}/flannel:${versions.flannel}`,
    files: {
      'opt/bin/flanneld': componentBinary('flannel', 'flannel'),
      'opt/bin/install-conf': componentBinary('flannel', 'install_conf'),
      flannel: componentBinary('cni-plugins', 'flannel'),
      'usr/sbin/xtables-nft-multi': xtablesMulti,
      ...Object.fromEntries(extensions.map((e) => [e.slice(1), e])),
      ...Object.fromEntries([...libraries].map((l) => [l.slice(1), realpathSync(l)])),
    },
    symlinks: Object.fromEntries(iptablesCommands.map((c) => [`usr/sbin/${c}`, 'xtables-nft-multi'])),
    entrypoint: ['/opt/bin/flanneld'],
    env: ['PATH=/opt/bin:/usr/sbin:/usr/bin:/bin'],
  };
}

/** A JSON document as a YAML double-quoted scalar (a JSON string literal is one). */
const yamlString = (value: unknown): string => JSON.stringify(`${JSON.stringify(value, null, 2)}\n`);

export function flannelManifest(imageRef: string): string {
  const template = readFileSync(join(import.meta.dirname, 'manifests', 'flannel.yaml'), 'utf8');
  const [host, port] = [controlPlane.ip, '6443'];
  return render(template, {
    NAMESPACE: flannel.namespace,
    IMAGE_FLANNEL: imageRef,
    CNI_CONF_JSON: yamlString(cniConf()),
    NET_CONF_JSON: yamlString(netConf()),
    FLANNELD_ARGS: JSON.stringify(flanneldArgs()),
    HEALTHZ_PORT: String(flannel.healthzPort),
    NODES_DIR: join(stateDir, 'nodes'),
    CNI_BIN_SUBDIR: flannel.cniBinSubdir,
    CNI_CONF_SUBDIR: flannel.cniConfSubdir,
    API_SERVER_HOST: host,
    API_SERVER_PORT: port,
  });
}

/** Before the node's containerd starts: its CNI bin dir holds Debian's plugins (links); flannel's comes from the DaemonSet. */
export function prepareFlannelNode(node: NodeLayout): void {
  const bin = cniBinDir(node);
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(node.dir, flannel.cniConfSubdir), { recursive: true });
  for (const plugin of readdirSync(debianCniDir)) {
    if (!existsSync(join(bin, plugin))) symlinkSync(join(debianCniDir, plugin), join(bin, plugin));
  }
}

export function applyFlannel(imageRef: string): void {
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], flannelManifest(imageRef));
}

/** The subnet file flanneld wrote on the node (read inside the node's mount namespace), or null. */
export function subnetEnv(node: NodeLayout): Record<string, string> | null {
  const text = tryRun('cat', [`${flannel.runDir}/subnet.env`], { mntns: node.mntns });
  if (text === null) return null;
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** The MTU of the node's VXLAN device, or null when flanneld has not made it. */
export function vxlanMtu(node: NodeLayout): number | null {
  const out = tryRun('ip', ['-n', node.netns, '-o', 'link', 'show', flannel.vxlanDevice]);
  const mtu = out === null ? undefined : /\bmtu (\d+)/.exec(out)?.[1];
  return mtu === undefined ? null : Number(mtu);
}

/** flannel is up when its DaemonSet rolled out and every node has its lease, its VXLAN device and its subnet file. */
export async function waitForFlannel(nodes: NodeLayout[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const missing = (): string[] =>
    nodes.flatMap((n) => {
      const env = subnetEnv(n);
      const problems: string[] = [];
      if (env?.FLANNEL_SUBNET === undefined) problems.push(`${n.name}: no ${flannel.runDir}/subnet.env`);
      else if (env.FLANNEL_SUBNET.replace(/\.1\//, '.0/') !== n.podCidr)
        problems.push(`${n.name}: flannel leased ${env.FLANNEL_SUBNET}, the node's podCIDR is ${n.podCidr}`);
      const mtu = vxlanMtu(n);
      if (mtu === null) problems.push(`${n.name}: no ${flannel.vxlanDevice}`);
      else if (mtu !== flannel.expectedMtu) problems.push(`${n.name}: ${flannel.vxlanDevice} has MTU ${mtu}, not ${flannel.expectedMtu}`);
      return problems;
    });
  for (;;) {
    const left = missing();
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      const pods = tryKubectl(['-n', flannel.namespace, 'get', 'pods', '-o', 'wide']) ?? '';
      const logs = tryKubectl(['-n', flannel.namespace, 'logs', '--tail=15', '--prefix', '-l', 'app=flannel', '-c', 'kube-flannel']) ?? '';
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `flannel is not up on every node: ${left.join('; ')}`, {
        logTail: `${pods}\n${logs}`,
        hint: `kubectl -n ${flannel.namespace} describe pods -l app=flannel`,
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
