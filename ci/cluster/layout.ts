// Where everything of the local cluster lives: addresses, namespace names, directories.
// One function derives every per-node name from the node index, so more nodes are a parameter.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Everything on the host that belongs to the cluster carries this prefix (netns, links, chains, cgroups). */
export const prefix = 'sdk';

export const net = {
  bridge: `${prefix}-br0`,
  /** The nodes' L2 segment; the host holds .1, the stub upstream DNS .2, node i holds .(10+i). */
  nodeSubnet: '10.217.0.0/24',
  hostIp: '10.217.0.1',
  upstreamIp: '10.217.0.2',
  upstreamNetns: `${prefix}-upstream`,
  podCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/16',
  kubernetesServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  clusterDomain: 'cluster.local',
  nodePortRange: '30000-32767',
  /** Host chain that keeps anything from the cluster's bridge from being forwarded off the machine. */
  hostChain: 'SHAKEDOWN-CLUSTER',
} as const;

export const stateDir = process.env.SHAKEDOWN_CLUSTER_STATE ?? '/var/lib/shakedown-cluster';
export const runDir = process.env.SHAKEDOWN_CLUSTER_RUN ?? '/run/shakedown-cluster';
export const cacheDir = process.env.SHAKEDOWN_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'shakedown');
export const kubeconfigPath = join(repoRoot, '.cluster', 'kubeconfig');
export const pkiDir = join(stateDir, 'pki');
export const logDir = join(stateDir, 'logs');

export interface NodeLayout {
  index: number;
  name: string;
  ip: string;
  podCidr: string;
  netns: string;
  netnsPath: string;
  /** Host side of the node's veth (the node side is eth0). */
  vethHost: string;
  /** The node's private mount namespace (bind-mounted nsfs file): its mounts die with it. */
  mntns: string;
  dir: string;
  run: string;
  containerdSock: string;
  cgroupRoot: string;
}

export function nodeLayout(index: number): NodeLayout {
  const name = `node${index}`;
  const run = join(runDir, name);
  const netns = `${prefix}-${name}`;
  return {
    index,
    name,
    ip: `10.217.0.${10 + index}`,
    podCidr: `10.244.${index}.0/24`,
    netns,
    netnsPath: `/run/netns/${netns}`,
    vethHost: `${prefix}-${name}-h`,
    mntns: join(run, 'mntns'),
    dir: join(stateDir, 'nodes', name),
    run,
    containerdSock: join(run, 'containerd.sock'),
    cgroupRoot: `/shakedown-${name}`,
  };
}

/** The nodes of the cluster that is up, found by their runtime directories. */
export function runningNodes(): NodeLayout[] {
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .map((n) => /^node(\d+)$/.exec(n)?.[1])
    .filter((i): i is string => i !== undefined)
    .map((i) => nodeLayout(Number(i)))
    .sort((a, b) => a.index - b.index);
}

/** The control plane runs on node 1, as on a kind cluster. */
export const controlPlane = nodeLayout(1);
export const apiServerUrl = `https://${controlPlane.ip}:6443`;
