// Reads what the suite judges: the StorageClasses, the nodes, and for provisioners the workloads
// cluster-wide (pod templates, not every pod: far fewer objects), the pods of only the workloads
// that match, the CSIDrivers and CSINodes.
import type { V1Node, V1Pod, V1PodTemplateSpec, V1StorageClass } from '@kubernetes/client-node';
import type { KubeClients } from '../../helpers/kube/clients.ts';
import { splitReplicas } from '../../helpers/objects/replicas.ts';
import type { NodeFacts } from './match.ts';
import { matchWorkloads, MIGRATED, type PodFacts, type StorageFacts, type WorkloadFacts } from './provisioner.ts';

export interface ClassFacts {
  classes: V1StorageClass[];
  nodes: NodeFacts[];
  // Nodes that take pods.
  schedulable: string[];
}

export async function readClasses(clients: KubeClients): Promise<ClassFacts> {
  const [classes, nodes] = await Promise.all([clients.storage.listStorageClass(), clients.core.listNode()]);
  return { classes: classes.items, nodes: nodes.items.map(nodeFacts), schedulable: nodes.items.filter(takesPods).map((n) => n.metadata?.name ?? '') };
}

export function nodeFacts(node: V1Node): NodeFacts {
  return { name: node.metadata?.name ?? '', labels: node.metadata?.labels ?? {} };
}

function takesPods(node: V1Node): boolean {
  if (node.spec?.unschedulable === true) return false;
  if ((node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' && t.key !== 'node.kubernetes.io/not-ready')) return false;
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function mentions(template: V1PodTemplateSpec | undefined): string {
  const containers = [...(template?.spec?.containers ?? []), ...(template?.spec?.initContainers ?? [])];
  return containers.flatMap((c) => [c.name, c.image ?? '', ...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e) => e.value ?? '')]).join(' ');
}

export function podFacts(pod: V1Pod): PodFacts {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
  const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting !== undefined)?.state?.waiting;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const running = (pod.status?.containerStatuses ?? []).length > 0 && (pod.status?.containerStatuses ?? []).every((s) => s.state?.running !== undefined);
  const reason = ready
    ? undefined
    : (waiting?.reason ??
      (unscheduled
        ? `unschedulable: ${unscheduled.message ?? ''}`
        : pod.metadata?.deletionTimestamp
          ? 'terminating'
          : running
            ? 'running, readiness probe failing'
            : pod.status?.phase));
  return {
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    labels: pod.metadata?.labels ?? {},
    ...(pod.spec?.nodeName === undefined ? {} : { node: pod.spec.nodeName }),
    phase: pod.status?.phase ?? 'Unknown',
    ready,
    running,
    ...(reason === undefined ? {} : { reason }),
  };
}

export async function readStorageFacts(clients: KubeClients, provisioners: readonly string[], schedulable: readonly string[]): Promise<StorageFacts> {
  const [deployments, statefulSets, daemonSets, drivers, csiNodes] = await Promise.all([
    clients.apps.listDeploymentForAllNamespaces(),
    clients.apps.listStatefulSetForAllNamespaces(),
    clients.apps.listDaemonSetForAllNamespaces(),
    clients.storage.listCSIDriver(),
    clients.storage.listCSINode(),
  ]);
  const workloads: WorkloadFacts[] = [
    ...deployments.items.map((d) => ({
      kind: 'Deployment' as const,
      meta: d.metadata,
      selector: d.spec?.selector.matchLabels,
      desired: d.spec?.replicas ?? 1,
      ready: d.status?.readyReplicas ?? 0,
      template: d.spec?.template,
    })),
    ...statefulSets.items.map((s) => ({
      kind: 'StatefulSet' as const,
      meta: s.metadata,
      selector: s.spec?.selector.matchLabels,
      desired: s.spec?.replicas ?? 1,
      ready: s.status?.readyReplicas ?? 0,
      template: s.spec?.template,
    })),
    ...daemonSets.items.map((d) => ({
      kind: 'DaemonSet' as const,
      meta: d.metadata,
      selector: d.spec?.selector.matchLabels,
      desired: d.status?.desiredNumberScheduled ?? 0,
      ready: d.status?.numberReady ?? 0,
      template: d.spec?.template,
    })),
  ].map((w) => ({
    kind: w.kind,
    namespace: w.meta?.namespace ?? '',
    name: w.meta?.name ?? '',
    selector: w.selector ?? {},
    desired: w.desired,
    ready: w.ready,
    mentions: mentions(w.template),
  }));
  const csiDrivers = drivers.items.map((d) => d.metadata?.name ?? '');
  // Pods only where a workload matched.
  const namespaces = new Set<string>();
  for (const provisioner of provisioners) {
    const driver = MIGRATED[provisioner] ?? (csiDrivers.includes(provisioner) ? provisioner : undefined);
    for (const match of matchWorkloads(provisioner, { workloads, pods: [] }, driver)) namespaces.add(match.workload.namespace);
  }
  // Pods being deleted (a rollout of the provisioner) are no replicas to judge.
  const pods = splitReplicas(
    (await Promise.all([...namespaces].map((namespace) => clients.core.listNamespacedPod({ namespace })))).flatMap((list) => list.items),
  ).live.map(podFacts);
  return {
    workloads,
    pods,
    csiDrivers,
    csiNodes: Object.fromEntries(csiNodes.items.map((n) => [n.metadata?.name ?? '', (n.spec.drivers ?? []).map((d) => d.name)])),
    nodes: [...schedulable],
  };
}
