// What should enforce NetworkPolicy on one node, as the API shows it: the pod there of the network
// plugin's DaemonSet (or its static pod) and that pod's state, read when a node is found where no
// policy holds. A plugin whose agent runs as a host process leaves nothing in the API to read:
// then the answer says so and names the node, where the agent must be looked at.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { judgePod } from '../../helpers/fleet/readiness.ts';
import { errorText } from '../../helpers/diagnose/wait.ts';
import type { Plugin } from '../../helpers/kube/network-plugin.ts';

export interface PluginWorkload {
  kind: 'DaemonSet' | 'Pod';
  namespace: string;
  name: string;
}

// The DaemonSets and pods the plugin was recognized by ("DaemonSet kube-system/calico-node (image ...)").
export function pluginWorkloads(plugin: Pick<Plugin, 'known' | 'evidence'>): PluginWorkload[] {
  if (!plugin.known) return [];
  return plugin.evidence.flatMap((line) => {
    const match = /^(DaemonSet|Pod) ([^/\s]+)\/(\S+)/.exec(line);
    return match === null ? [] : [{ kind: match[1] as PluginWorkload['kind'], namespace: match[2] ?? '', name: match[3] ?? '' }];
  });
}

const ownedBy = (pod: V1Pod, workload: PluginWorkload): boolean =>
  pod.metadata?.namespace === workload.namespace &&
  (workload.kind === 'Pod'
    ? pod.metadata?.name === workload.name
    : (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.name === workload.name));

// A pod's state in one phrase: "Running, ready, 0 restarts" or "Running, NOT ready (CrashLoopBackOff: ...), 7 restarts".
export function podState(pod: V1Pod): string {
  const verdict = judgePod(pod);
  const restarts = (pod.status?.containerStatuses ?? []).reduce((n, s) => n + s.restartCount, 0);
  const deleting = pod.metadata?.deletionTimestamp === undefined ? '' : ', being deleted';
  return `${pod.status?.phase ?? 'unknown phase'}, ${verdict.ready ? 'ready' : `NOT ready (${verdict.reason ?? 'no reason given'})`}, ${restarts} restart(s)${deleting}`;
}

export interface NodeEnforcer {
  // One phrase for a message: "pod kube-system/calico-node-x7 (DaemonSet calico-node) Running, NOT ready (...)".
  summary: string;
  // Whether the API shows anything of the enforcer at all.
  visible: boolean;
  // Its pods on the node that are not ready: the engine attaches their events and log tails.
  unready: { kind: 'Pod'; namespace: string; name: string }[];
}

// The enforcer on `node` from the plugin's workloads and the pods listed on that node (pure).
export function describeEnforcer(node: string, plugin: Pick<Plugin, 'name' | 'known' | 'evidence'>, podsOnNode: readonly V1Pod[]): NodeEnforcer {
  const workloads = pluginWorkloads(plugin);
  if (workloads.length === 0) {
    const named = plugin.known
      ? `${plugin.name} is named by ${plugin.evidence.join(', ')}, but no DaemonSet or pod of it`
      : 'no DaemonSet or pod of a known network plugin';
    return {
      visible: false,
      unready: [],
      summary: `the enforcer on ${node} is not visible in the API (${named}): if it runs at all, it runs as a host process on ${node}: look at it there`,
    };
  }
  const unready: NodeEnforcer['unready'] = [];
  const parts = workloads.map((workload) => {
    const pods = podsOnNode.filter((pod) => ownedBy(pod, workload));
    const what = `${workload.kind} ${workload.namespace}/${workload.name}`;
    if (pods.length === 0) return `${what} has no pod on ${node}`;
    for (const pod of pods) if (!judgePod(pod).ready) unready.push({ kind: 'Pod', namespace: workload.namespace, name: pod.metadata?.name ?? '' });
    return pods.map((pod) => `pod ${workload.namespace}/${pod.metadata?.name} (${what}) ${podState(pod)}`).join('; ');
  });
  return { visible: true, unready, summary: `the enforcer on ${node}: ${parts.join('; ')}` };
}

// Reads the plugin's pods on the node (one list per namespace of its workloads) and describes them;
// a read that fails is said in the answer, never thrown.
export async function enforcerOnNode(
  core: Pick<CoreV1Api, 'listNamespacedPod'>,
  plugin: Pick<Plugin, 'name' | 'known' | 'evidence'>,
  node: string,
): Promise<NodeEnforcer> {
  const namespaces = [...new Set(pluginWorkloads(plugin).map((w) => w.namespace))];
  try {
    const lists = await Promise.all(namespaces.map((namespace) => core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` })));
    return describeEnforcer(
      node,
      plugin,
      lists.flatMap((list) => list.items),
    );
  } catch (error) {
    return {
      visible: true,
      unready: [],
      summary: `the enforcer on ${node}: ${pluginWorkloads(plugin)
        .map((w) => `${w.kind} ${w.namespace}/${w.name}`)
        .join(', ')}, whose pods there could not be listed (${errorText(error)})`,
    };
  }
}
