// Which network plugin runs the pod network, from what the API shows: workloads (DaemonSets,
// Deployments such as operators, and kube-system pods, static ones included: name and images),
// API groups that CRDs add, node annotations and the reason of the NetworkUnavailable node
// condition that some plugins set. A plugin run as host processes leaves no trace there;
// the answer then says so instead of guessing.
import type { ApiConnection } from './connection.ts';
import type { CoreV1Api } from '@kubernetes/client-node';

export interface Workload {
  kind: 'DaemonSet' | 'Deployment' | 'Pod';
  namespace: string;
  name: string;
  images: string[];
}

export interface PluginFacts {
  workloads: Workload[];
  apiGroups: string[];
  nodeAnnotations: string[];
  nodeConditionReasons: string[];
}

export interface Plugin {
  // Display name, or "unknown (...)".
  name: string;
  known: boolean;
  // False for plugins that do not enforce NetworkPolicy on their own (flannel, kindnet).
  enforces: boolean | undefined;
  evidence: string[];
}

interface Signature {
  name: string;
  enforces: boolean;
  workload: RegExp;
  group?: RegExp;
  annotation?: RegExp;
  condition?: RegExp;
}

// Order matters: canal (Calico policy on flannel) before its parts.
const SIGNATURES: readonly Signature[] = [
  { name: 'Canal (Calico + flannel)', enforces: true, workload: /^canal\b|\/canal/ },
  {
    name: 'Calico',
    enforces: true,
    workload: /calico-node|\/calico\/node|tigera/,
    group: /(^|\.)projectcalico\.org$/,
    annotation: /^projectcalico\.org\//,
    condition: /^CalicoIsUp$/,
  },
  {
    name: 'Cilium',
    enforces: true,
    workload: /^cilium(-agent|-operator)?$|\/cilium\/(cilium|operator)/,
    group: /(^|\.)cilium\.io$/,
    annotation: /^(network\.)?cilium\.io\/|^io\.cilium/,
    condition: /^CiliumIsUp$/,
  },
  { name: 'Antrea', enforces: true, workload: /antrea-agent|\/antrea/, group: /(^|\.)antrea\.io$/ },
  { name: 'Weave Net', enforces: true, workload: /weave-net|weaveworks\/weave/, condition: /^WeaveIsUp$/ },
  { name: 'kube-router', enforces: true, workload: /kube-router/, annotation: /^kube-router\.io\// },
  { name: 'OVN-Kubernetes', enforces: true, workload: /ovnkube/, annotation: /^k8s\.ovn\.org\// },
  { name: 'Kube-OVN', enforces: true, workload: /kube-ovn/, group: /(^|\.)kube-ovn\.io$/ },
  { name: 'Azure NPM', enforces: true, workload: /azure-npm/ },
  { name: 'AWS VPC CNI', enforces: false, workload: /^aws-node$|amazon-k8s-cni/ },
  { name: 'flannel', enforces: false, workload: /flannel/, annotation: /^flannel\.alpha\.coreos\.com\//, condition: /^FlannelIsUp$/ },
  { name: 'kindnet', enforces: false, workload: /kindnet/ },
];

export function detectPlugin(facts: PluginFacts): Plugin {
  const found: { signature: Signature; evidence: string[] }[] = [];
  for (const signature of SIGNATURES) {
    const evidence: string[] = [];
    for (const w of facts.workloads) {
      const hit = [w.name, ...w.images].find((text) => signature.workload.test(text));
      if (hit !== undefined) evidence.push(`${w.kind} ${w.namespace}/${w.name}${hit === w.name ? '' : ` (image ${hit})`}`);
    }
    if (signature.group !== undefined) for (const group of facts.apiGroups.filter((g) => signature.group?.test(g))) evidence.push(`API group ${group}`);
    if (signature.annotation !== undefined)
      for (const a of new Set(facts.nodeAnnotations.filter((a) => signature.annotation?.test(a)))) evidence.push(`node annotation ${a}`);
    if (signature.condition !== undefined)
      for (const r of new Set(facts.nodeConditionReasons.filter((r) => signature.condition?.test(r))))
        evidence.push(`node condition NetworkUnavailable reason ${r}`);
    if (evidence.length > 0) found.push({ signature, evidence });
  }
  // Canal is Calico and flannel together: report it alone.
  const picked = found.some((f) => f.signature.name.startsWith('Canal')) ? found.filter((f) => !['Calico', 'flannel'].includes(f.signature.name)) : found;
  if (picked.length === 0) {
    return {
      name: 'unknown (no known network plugin DaemonSet, Deployment, kube-system pod, CRD API group, node annotation or node condition; it may run as host processes)',
      known: false,
      enforces: undefined,
      evidence: [
        `DaemonSets: ${
          facts.workloads
            .filter((w) => w.kind === 'DaemonSet')
            .map((w) => `${w.namespace}/${w.name}`)
            .join(', ') || 'none'
        }`,
      ],
    };
  }
  return {
    name: picked.map((f) => f.signature.name).join(' + '),
    known: true,
    // Any enforcing part (e.g. Calico for policy on flannel) makes the combination enforcing.
    enforces: picked.some((f) => f.signature.enforces),
    evidence: picked.flatMap((f) => f.evidence),
  };
}

interface WorkloadList {
  items?: {
    metadata?: { namespace?: string; name?: string };
    spec?: { template?: { spec?: PodSpecImages }; containers?: { image?: string }[]; initContainers?: { image?: string }[] };
  }[];
}
interface PodSpecImages {
  containers?: { image?: string }[];
  initContainers?: { image?: string }[];
}

function workloads(kind: Workload['kind'], list: WorkloadList | undefined): Workload[] {
  return (list?.items ?? []).map((item) => {
    const spec: PodSpecImages | undefined = kind === 'Pod' ? item.spec : item.spec?.template?.spec;
    return {
      kind,
      namespace: item.metadata?.namespace ?? '',
      name: item.metadata?.name ?? '',
      images: [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].map((c) => c.image ?? ''),
    };
  });
}

// Reads the facts through the API. A read that is forbidden leaves its part empty rather than
// failing the detection.
export async function readPluginFacts(connection: ApiConnection, core: CoreV1Api): Promise<PluginFacts> {
  const getJson = async <T>(path: string): Promise<T | undefined> => {
    try {
      const response = await connection.send({ method: 'GET', path, timeoutMs: 15_000 });
      return response.status === 200 ? (JSON.parse(response.text) as T) : undefined;
    } catch {
      return undefined;
    }
  };
  const [daemonSets, deployments, systemPods, groups, nodes] = await Promise.all([
    getJson<WorkloadList>('/apis/apps/v1/daemonsets'),
    getJson<WorkloadList>('/apis/apps/v1/deployments'),
    getJson<WorkloadList>('/api/v1/namespaces/kube-system/pods'),
    getJson<{ groups?: { name?: string }[] }>('/apis'),
    core.listNode().then(
      (list) => list.items,
      () => [],
    ),
  ]);
  return {
    workloads: [...workloads('DaemonSet', daemonSets), ...workloads('Deployment', deployments), ...workloads('Pod', systemPods)],
    apiGroups: (groups?.groups ?? []).map((g) => g.name ?? ''),
    nodeAnnotations: nodes.flatMap((node) => Object.keys(node.metadata?.annotations ?? {})),
    nodeConditionReasons: nodes.flatMap((node) => (node.status?.conditions ?? []).filter((c) => c.type === 'NetworkUnavailable').map((c) => c.reason ?? '')),
  };
}
