// What the API says about the pod network's configuration, read once per check into plain data
// that the judgements (flannel.ts, calico.ts, cilium.ts, kube-router.ts, addressing.ts) take: the
// nodes' podCIDRs, addresses and annotations; the controller-manager's --cluster-cidr when it runs
// as a pod; flannel's ConfigMap and flanneld's arguments; Calico's IPPools, CalicoNodeStatuses and
// FelixConfigurations in whichever API group is served; cilium-config; kube-router's arguments.
// A read that is refused or fails is recorded (unread) and said, never taken for "absent".
import type { ApiConnection } from '../../../helpers/kube/connection.ts';

export interface NodeNet {
  name: string;
  podCIDRs: string[];
  internalIP?: string;
  addresses: string[];
  annotations: Record<string, string>;
}

export interface PodNet {
  namespace: string;
  name: string;
  node: string;
  ips: string[];
}

export interface ConfigMapFacts {
  namespace: string;
  name: string;
  data: Record<string, string>;
}

export interface WorkloadArgs {
  // "DaemonSet kube-flannel/kube-flannel-ds"
  what: string;
  // Every container's command and args, joined per container.
  args: string[];
}

// The Calico resources as stored (crd.projectcalico.org/v1) or served (projectcalico.org/v3):
// only the fields the judgements read.
export interface IPPool {
  metadata?: { name?: string };
  spec?: {
    cidr?: string;
    blockSize?: number;
    ipipMode?: string;
    vxlanMode?: string;
    natOutgoing?: boolean;
    disabled?: boolean;
    nodeSelector?: string;
    allowedUses?: string[];
  };
}

export interface CalicoPeer {
  peerIP?: string;
  type?: string;
  state?: string;
  since?: string;
}

export interface CalicoNodeStatus {
  metadata?: { name?: string };
  spec?: { node?: string; classes?: string[] };
  status?: {
    lastUpdated?: string | null;
    agent?: { birdV4?: { state?: string }; birdV6?: { state?: string } };
    bgp?: {
      numberEstablishedV4?: number;
      numberNotEstablishedV4?: number;
      numberEstablishedV6?: number;
      numberNotEstablishedV6?: number;
      peersV4?: CalicoPeer[];
      peersV6?: CalicoPeer[];
    };
  };
}

export interface FelixConfiguration {
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
}

export interface CalicoFacts {
  // The group/version read, e.g. crd.projectcalico.org/v1.
  api: string;
  pools: IPPool[];
  nodeStatuses: CalicoNodeStatus[];
  felix: FelixConfiguration[];
}

export interface NetworkFacts {
  nodes: NodeNet[];
  // The controller-manager's --cluster-cidr, when it runs as a pod the API shows.
  clusterCidr?: { cidrs: string[]; source: string };
  flannelConfig?: ConfigMapFacts;
  ciliumConfig?: ConfigMapFacts;
  calico?: CalicoFacts;
  // Container arguments of the plugin's workloads, by plugin: flannel, kube-router, calico-node, cilium.
  workloads: Record<string, WorkloadArgs[]>;
  // Reads that failed, said as "what: why".
  unread: string[];
}

export const FLANNEL_CONFIGMAP = 'kube-flannel-cfg';
export const FLANNEL_NAMESPACES = ['kube-flannel', 'kube-system'] as const;
export const CILIUM_CONFIGMAP = 'cilium-config';
export const CILIUM_NAMESPACE = 'kube-system';
// Where Calico's resources are read, in order: the CRDs calico-node writes, then the API server's.
export const CALICO_APIS = ['crd.projectcalico.org/v1', 'projectcalico.org/v3'] as const;

type Read<T> = { ok: true; body: T } | { ok: false; absent: boolean; reason: string };

export type GetJson = <T>(path: string) => Promise<Read<T>>;

export function apiReader(connection: ApiConnection, signal?: AbortSignal): GetJson {
  return async <T>(path: string): Promise<Read<T>> => {
    try {
      const response = await connection.send({ method: 'GET', path, timeoutMs: 15_000, ...(signal === undefined ? {} : { signal }) });
      if (response.status === 200) return { ok: true, body: JSON.parse(response.text) as T };
      const reason = response.status === 403 ? 'forbidden' : response.status === 404 ? 'not found' : `HTTP ${response.status}`;
      return { ok: false, absent: response.status === 404, reason };
    } catch (error) {
      return { ok: false, absent: false, reason: error instanceof Error ? error.message : String(error) };
    }
  };
}

interface RawNode {
  metadata?: { name?: string; annotations?: Record<string, string> };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type?: string; address?: string }[] };
}
interface RawContainer {
  name?: string;
  image?: string;
  command?: string[];
  args?: string[];
}
interface RawPod {
  metadata?: { name?: string; namespace?: string };
  spec?: { nodeName?: string; hostNetwork?: boolean; containers?: RawContainer[] };
  status?: { phase?: string; podIP?: string; podIPs?: { ip?: string }[] };
}
interface RawWorkload {
  metadata?: { name?: string; namespace?: string };
  spec?: { template?: { spec?: { containers?: RawContainer[]; initContainers?: RawContainer[] } } };
}

export function nodeNet(node: RawNode): NodeNet {
  const podCIDRs = node.spec?.podCIDRs?.length ? node.spec.podCIDRs : node.spec?.podCIDR === undefined ? [] : [node.spec.podCIDR];
  const addresses = (node.status?.addresses ?? []).map((a) => a.address ?? '').filter((a) => a !== '');
  const internalIP = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  return {
    name: node.metadata?.name ?? '',
    podCIDRs,
    addresses,
    annotations: node.metadata?.annotations ?? {},
    ...(internalIP === undefined ? {} : { internalIP }),
  };
}

// Running pods with an address of their own (not hostNetwork).
export function podNets(pods: readonly RawPod[]): PodNet[] {
  return pods
    .filter((pod) => pod.spec?.hostNetwork !== true && pod.status?.phase === 'Running' && (pod.status.podIP ?? '') !== '')
    .map((pod) => ({
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      node: pod.spec?.nodeName ?? '',
      ips: pod.status?.podIPs?.length ? pod.status.podIPs.map((p) => p.ip ?? '').filter((ip) => ip !== '') : [pod.status?.podIP ?? ''],
    }));
}

// A flag's values in a command line: --name=value or --name value (repeatable, comma lists kept).
export function flagValue(args: readonly string[], name: string): string | undefined {
  for (const [i, arg] of args.entries()) {
    if (arg === `--${name}`) {
      const next = args[i + 1];
      return next === undefined || next.startsWith('--') ? 'true' : next;
    }
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
  }
  return undefined;
}

// The controller-manager's --cluster-cidr, from its pod's command (kubeadm, most distributions).
export function clusterCidrOf(pods: readonly RawPod[]): NetworkFacts['clusterCidr'] {
  for (const pod of pods) {
    for (const container of pod.spec?.containers ?? []) {
      const args = [...(container.command ?? []), ...(container.args ?? [])];
      if (!args.some((arg) => arg.includes('kube-controller-manager')) && container.name !== 'kube-controller-manager') continue;
      const value = flagValue(args, 'cluster-cidr');
      if (value !== undefined && value !== 'true')
        return {
          cidrs: value
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== ''),
          source: `--cluster-cidr of pod kube-system/${pod.metadata?.name ?? ''}`,
        };
    }
  }
  return undefined;
}

const WORKLOAD_PATTERNS: Record<string, RegExp> = {
  flannel: /flannel/,
  'kube-router': /kube-router/,
  'calico-node': /calico-node|calico\/node/,
  cilium: /^cilium(-agent)?$|\/cilium\/cilium/,
};

export function workloadArgs(workloads: readonly { kind: string; item: RawWorkload | RawPod }[]): Record<string, WorkloadArgs[]> {
  const found: Record<string, WorkloadArgs[]> = {};
  for (const { kind, item } of workloads) {
    const spec = 'template' in (item.spec ?? {}) ? (item as RawWorkload).spec?.template?.spec : (item as RawPod).spec;
    const containers = spec?.containers ?? [];
    for (const [plugin, pattern] of Object.entries(WORKLOAD_PATTERNS)) {
      const name = item.metadata?.name ?? '';
      const hit = pattern.test(name) || containers.some((c) => pattern.test(c.image ?? '') || pattern.test(c.name ?? ''));
      if (!hit) continue;
      const args = containers.flatMap((c) => [...(c.command ?? []), ...(c.args ?? [])]);
      (found[plugin] ??= []).push({ what: `${kind} ${item.metadata?.namespace ?? ''}/${name}`, args });
    }
  }
  return found;
}

export interface ReadOptions {
  // Read every running pod's address too (the addressing check).
  pods?: boolean;
}

export async function readNetworkFacts(get: GetJson): Promise<NetworkFacts> {
  const unread: string[] = [];
  const body = async <T>(what: string, path: string, absentOk = true): Promise<T | undefined> => {
    const read = await get<T>(path);
    if (read.ok) return read.body;
    if (!(read.absent && absentOk)) unread.push(`${what}: ${read.reason}`);
    return undefined;
  };
  const [nodes, systemPods, daemonSets, flannelMaps, cilium, calico] = await Promise.all([
    body<{ items?: RawNode[] }>('nodes', '/api/v1/nodes', false),
    body<{ items?: RawPod[] }>('pods in kube-system', '/api/v1/namespaces/kube-system/pods', false),
    body<{ items?: RawWorkload[] }>('DaemonSets', '/apis/apps/v1/daemonsets', false),
    Promise.all(
      FLANNEL_NAMESPACES.map(async (namespace) => ({
        namespace,
        map: await body<{ data?: Record<string, string> }>(
          `ConfigMap ${namespace}/${FLANNEL_CONFIGMAP}`,
          `/api/v1/namespaces/${namespace}/configmaps/${FLANNEL_CONFIGMAP}`,
        ),
      })),
    ),
    body<{ data?: Record<string, string> }>(
      `ConfigMap ${CILIUM_NAMESPACE}/${CILIUM_CONFIGMAP}`,
      `/api/v1/namespaces/${CILIUM_NAMESPACE}/configmaps/${CILIUM_CONFIGMAP}`,
    ),
    readCalico(get, unread),
  ]);
  const flannel = flannelMaps.find((m) => m.map !== undefined);
  const clusterCidr = clusterCidrOf(systemPods?.items ?? []);
  return {
    nodes: (nodes?.items ?? []).map(nodeNet),
    ...(clusterCidr === undefined ? {} : { clusterCidr }),
    ...(flannel?.map === undefined ? {} : { flannelConfig: { namespace: flannel.namespace, name: FLANNEL_CONFIGMAP, data: flannel.map.data ?? {} } }),
    ...(cilium === undefined ? {} : { ciliumConfig: { namespace: CILIUM_NAMESPACE, name: CILIUM_CONFIGMAP, data: cilium.data ?? {} } }),
    ...(calico === undefined ? {} : { calico }),
    workloads: workloadArgs([
      ...(daemonSets?.items ?? []).map((item) => ({ kind: 'DaemonSet', item })),
      ...(systemPods?.items ?? []).filter((p) => !isOwnedByDaemonSet(p)).map((item) => ({ kind: 'Pod', item })),
    ]),
    unread,
  };
}

function isOwnedByDaemonSet(pod: RawPod & { metadata?: { ownerReferences?: { kind?: string }[] } }): boolean {
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
}

// Calico's resources in the first API that serves IPPools; undefined when none does.
async function readCalico(get: GetJson, unread: string[]): Promise<CalicoFacts | undefined> {
  for (const api of CALICO_APIS) {
    const pools = await get<{ items?: IPPool[] }>(`/apis/${api}/ippools`);
    if (!pools.ok) {
      if (!pools.absent) unread.push(`IPPools (${api}): ${pools.reason}`);
      continue;
    }
    const list = async <T>(resource: string): Promise<T[]> => {
      const read = await get<{ items?: T[] }>(`/apis/${api}/${resource}`);
      if (read.ok) return read.body.items ?? [];
      if (!read.absent) unread.push(`${resource} (${api}): ${read.reason}`);
      return [];
    };
    const [nodeStatuses, felix] = await Promise.all([list<CalicoNodeStatus>('caliconodestatuses'), list<FelixConfiguration>('felixconfigurations')]);
    return { api, pools: pools.body.items ?? [], nodeStatuses, felix };
  }
  return undefined;
}

// Every running pod with an address of its own, cluster-wide.
export async function readPodNets(get: GetJson): Promise<{ pods: PodNet[]; unread?: string }> {
  const read = await get<{ items?: RawPod[] }>('/api/v1/pods?fieldSelector=status.phase%3DRunning');
  if (!read.ok) return { pods: [], unread: `pods in every namespace: ${read.reason}` };
  return { pods: podNets(read.body.items ?? []) };
}
