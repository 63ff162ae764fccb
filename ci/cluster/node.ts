// One node: its private mount namespace, its own containerd, CNI config, kubelet, kube-proxy and
// NetworkPolicy enforcer, every path derived from the node's layout so nodes never share state.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary } from './build.ts';
import { type DaemonSpec, killAll, processesInNetns, startDaemon, waitFor } from './daemons.ts';
import { ClusterError } from './errors.ts';
import { imageRef } from './images.ts';
import { kubectl, nodeReady, tryKubectl } from './kube.ts';
import { apiServerUrl, net, type NodeLayout, stateDir } from './layout.ts';
import { kubeconfig, kubeletPki, type Pki } from './pki.ts';
import { run, runLogged, tryRun } from './sh.ts';

/** Host directories the node mounts a private tmpfs over, so shim sockets and pod netns die with it. */
const privateMounts = ['/run/netns', '/run/containerd'];

/**
 * `extraPrivate`: more directories of the node's own (the flannel profile's /run/flannel);
 * `binds`: host paths the node sees replaced by its own (path -> the node's directory or file).
 */
export function setupMountNamespace(node: NodeLayout, extraPrivate: string[] = [], binds: Record<string, string> = {}): void {
  mkdirSync(node.run, { recursive: true });
  if (tryRun('findmnt', ['-n', node.mntns]) !== null) return;
  writeFileSync(node.mntns, '');
  const dirs = [...privateMounts, ...extraPrivate];
  for (const dir of dirs) mkdirSync(dir, { recursive: true });
  const inside = [
    'mount --make-rshared /',
    ...dirs.map((d) => `mount -t tmpfs -o mode=0755 shakedown-${node.name} ${d}`),
    ...Object.entries(binds).map(([target, source]) => `mount --bind '${source}' '${target}'`),
  ];
  run('unshare', [`--mount=${node.mntns}`, '--propagation', 'slave', 'sh', '-c', inside.join(' && ')]);
}

const nsOf = (node: NodeLayout): { netns: string; mntns: string } => ({ netns: node.netnsPath, mntns: node.mntns });

/** Where containerd finds CNI plugins; the flannel profile gives each node a dir that also holds flannel's. */
export interface CniDirs {
  binDir: string;
  /** Write the harness's bridge configuration (default profile); flannel's DaemonSet installs its own. */
  writeConf: boolean;
}

const defaultCni: CniDirs = { binDir: '/usr/lib/cni', writeConf: true };

/** `sandboxImage`: the pause image of pod sandboxes (the kubeadm profile's is under kubeadm's pause tag). */
export function containerdConfig(node: NodeLayout, cni: CniDirs = defaultCni, sandboxImage = imageRef('pause')): string {
  return `version = 2
root = "${join(node.dir, 'containerd')}"
state = "/run/containerd"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = "${node.containerdSock}"

[ttrpc]
  address = "${node.containerdSock}.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(node.dir, 'opt')}"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  # Without CAP_SYS_RESOURCE (absent on some VMs and CI runners) no process may lower its OOM
  # score; cap pods' oom_score_adj at containerd's own instead of failing every sandbox.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${cni.binDir}"
    conf_dir = "${join(node.dir, 'cni')}"
`;
}

function cniConfig(node: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'shakedown',
      plugins: [
        {
          type: 'bridge',
          bridge: 'cni0',
          isGateway: true,
          // No masquerade: pod addresses are routed between nodes, so policies see real sources.
          ipMasq: false,
          hairpinMode: true,
          ipam: { type: 'host-local', dataDir: join(node.dir, 'ipam'), ranges: [[{ subnet: node.podCidr }]], routes: [{ dst: '0.0.0.0/0' }] },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  );
}

/** Arguments for `ctr` against the node's containerd, in the namespace the CRI uses. */
export function ctrArgs(node: NodeLayout, args: string[]): string[] {
  return ['--address', node.containerdSock, '--namespace', 'k8s.io', ...args];
}

export async function startContainerd(node: NodeLayout, cni: CniDirs = defaultCni, sandboxImage = imageRef('pause')): Promise<void> {
  mkdirSync(join(node.dir, 'cni'), { recursive: true });
  writeFileSync(join(node.dir, 'containerd.toml'), containerdConfig(node, cni, sandboxImage));
  if (cni.writeConf) writeFileSync(join(node.dir, 'cni', '10-shakedown.conflist'), cniConfig(node));
  const d: DaemonSpec = {
    name: `${node.name}-containerd`,
    cmd: 'containerd',
    args: ['--config', join(node.dir, 'containerd.toml')],
    ...nsOf(node),
    hint: 'containerd and runc come from Debian (apt-get install containerd runc)',
  };
  const pid = startDaemon(d);
  await waitFor(d, pid, () => tryRun('ctr', ['--address', node.containerdSock, 'version']) !== null, 30_000);
}

export function importImage(node: NodeLayout, archive: string): void {
  run('ctr', ctrArgs(node, ['images', 'import', archive]));
}

/** Imports the archives into the node's containerd one after another, without blocking: nodes import side by side. */
export async function importImages(node: NodeLayout, archives: string[]): Promise<void> {
  for (const archive of archives) await runLogged('ctr', ctrArgs(node, ['images', 'import', archive]), join(node.dir, 'image-import.log'));
}

function kubeletConfig(node: NodeLayout, serving: { cert: string; key: string }, pki: Pki): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${pki.ca.cert}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
cgroupRoot: ${node.cgroupRoot}
failCgroupV1: false
containerRuntimeEndpoint: unix://${node.containerdSock}
clusterDNS: [${net.dnsServiceIp}]
clusterDomain: ${net.clusterDomain}
resolvConf: ${join(stateDir, 'resolv.conf')}
failSwapOn: false
tlsCertFile: ${serving.cert}
tlsPrivateKeyFile: ${serving.key}
readOnlyPort: 0
oomScoreAdj: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
podLogsDir: ${join(node.dir, 'pod-logs')}
imageGCHighThresholdPercent: 100
evictionHard: {nodefs.available: "0%", nodefs.inodesFree: "0%", imagefs.available: "0%"}
serializeImagePulls: false
rotateCertificates: false
`;
}

/**
 * The kubelet refuses a cgroupRoot that does not exist. Make it under every cgroup v1 hierarchy,
 * with the cpuset one seeded from its parent (a new cpuset cgroup starts with no CPUs).
 */
export function makeCgroupRoot(node: NodeLayout): void {
  const root = '/sys/fs/cgroup';
  for (const hierarchy of readdirSync(root)) {
    const dir = join(root, hierarchy, node.cgroupRoot);
    if (!existsSync(join(root, hierarchy, 'cgroup.procs')) || existsSync(dir)) continue;
    mkdirSync(dir);
    if (hierarchy === 'cpuset') {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(root, hierarchy, f), 'utf8'));
    }
  }
}

export async function startKubelet(node: NodeLayout, pki: Pki, certDays: number): Promise<void> {
  makeCgroupRoot(node);
  const certs = kubeletPki(pki, node.name, node.ip, certDays);
  writeFileSync(join(node.dir, 'kubelet.yaml'), kubeletConfig(node, certs.serving, pki));
  writeFileSync(join(node.dir, 'kubelet.kubeconfig'), kubeconfig(apiServerUrl, pki.ca.cert, certs.client, `system:node:${node.name}`), { mode: 0o600 });
  const d: DaemonSpec = {
    name: `${node.name}-kubelet`,
    cmd: binary('kubelet'),
    args: [
      `--config=${join(node.dir, 'kubelet.yaml')}`,
      `--kubeconfig=${join(node.dir, 'kubelet.kubeconfig')}`,
      `--root-dir=${join(node.dir, 'kubelet')}`,
      `--hostname-override=${node.name}`,
      `--node-ip=${node.ip}`,
    ],
    ...nsOf(node),
    hint: 'the kubelet log names the failing check (cgroups, container runtime, certificates)',
  };
  const pid = startDaemon(d);
  await waitFor(d, pid, () => tryKubectl(['get', 'node', node.name]) !== null, 60_000);
  // Each node's pod range is fixed by the layout (the CNI config uses it), so the Node object must
  // say the same; the controller manager does not allocate ranges here.
  kubectl(['patch', 'node', node.name, '--type=merge', '-p', JSON.stringify({ spec: { podCIDR: node.podCidr, podCIDRs: [node.podCidr] } })]);
  await waitFor(d, pid, () => nodeReady(node.name), 90_000);
}

export async function startKubeProxy(node: NodeLayout, kubeconfigFile: string): Promise<void> {
  const config = `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${kubeconfigFile}}
mode: iptables
clusterCIDR: ${net.podCidr}
hostnameOverride: ${node.name}
bindAddress: 0.0.0.0
healthzBindAddress: 0.0.0.0:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
oomScoreAdj: 0
`;
  writeFileSync(join(node.dir, 'kube-proxy.yaml'), config);
  const d: DaemonSpec = {
    name: `${node.name}-kube-proxy`,
    cmd: binary('kube-proxy'),
    args: [`--config=${join(node.dir, 'kube-proxy.yaml')}`],
    ...nsOf(node),
    hint: 'kube-proxy needs iptables and conntrack (apt-get install iptables conntrack)',
  };
  const pid = startDaemon(d);
  await waitFor(
    d,
    pid,
    () => (tryRun('iptables', ['-w', '-t', 'nat', '-S', 'KUBE-SERVICES'], { netns: node.netnsPath }) ?? '').includes('KUBE-NODEPORTS'),
    60_000,
  );
}

const kubeRouterFlags = (node: NodeLayout, kubeconfigFile: string): string[] => [
  '--run-firewall=true',
  '--run-router=false',
  '--run-service-proxy=false',
  '--enable-cni=false',
  '--enable-ipv6=false',
  `--kubeconfig=${kubeconfigFile}`,
  `--hostname-override=${node.name}`,
  `--service-cluster-ip-range=${net.serviceCidr}`,
  `--service-node-port-range=${net.nodePortRange}`,
  '--health-port=20244',
  '--metrics-port=0',
];

export async function startKubeRouter(node: NodeLayout, kubeconfigFile: string): Promise<void> {
  const d: DaemonSpec = {
    name: `${node.name}-kube-router`,
    cmd: binary('kube-router'),
    args: kubeRouterFlags(node, kubeconfigFile),
    ...nsOf(node),
    hint: 'kube-router needs ipset and iptables on PATH and bridge-nf-call-iptables=1 in the node namespace',
  };
  const pid = startDaemon(d);
  await waitFor(d, pid, () => (tryRun('iptables', ['-w', '-S'], { netns: node.netnsPath }) ?? '').includes('KUBE-ROUTER-FORWARD'), 60_000);
}

/**
 * Stops the node's NetworkPolicy enforcer and removes its rules, so the node behaves like a
 * cluster whose network plugin ignores NetworkPolicy (what the netpol suite must detect).
 */
export async function stopKubeRouter(node: NodeLayout): Promise<void> {
  await killAll(processesInNetns(node.netnsPath, 'kube-router'));
  // kube-router 2.1.0's --cleanup-config removes nothing of its policy rules (and then panics), so
  // the filter table is restored without its chains and the jumps to them, then its sets destroyed.
  const ns = { netns: node.netnsPath };
  const theirs = /KUBE-(ROUTER|NWPLCY|POD-FW|SRC|DST)-/;
  const kept = run('iptables-save', ['-t', 'filter'], ns)
    .split('\n')
    .filter((l) => !theirs.test(l))
    .join('\n');
  run('iptables-restore', ['-w'], { ...ns, input: `${kept}\n` });
  for (const set of run('ipset', ['list', '-n'], ns)
    .split('\n')
    .filter((s) => theirs.test(s)))
    run('ipset', ['destroy', set], ns);
  const left = run('iptables-save', [], ns)
    .split('\n')
    .filter((l) => theirs.test(l));
  if (left.length > 0) {
    throw new ClusterError('CLUSTER_COMMAND_FAILED', `kube-router's rules are still in ${node.name}'s netfilter tables`, {
      logTail: left.slice(0, 20).join('\n'),
    });
  }
}

export function kubeRouterRunning(node: NodeLayout): boolean {
  return processesInNetns(node.netnsPath, 'kube-router').length > 0;
}
