// Drains that will hang or refuse, per node, as `kubectl drain` and the eviction API would treat
// each pod: a PodDisruptionBudget with disruptionsAllowed 0 refuses its pods' eviction (the drain
// retries forever), a single-replica workload under a PDB is the common case of that; a pod with no
// controller is refused without --force (and is gone for good); a pod with emptyDir data is refused
// without --delete-emptydir-data. DaemonSet and mirror (static) pods are not evicted. Pure.

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec: { nodeName?: string; volumes?: { name: string; emptyDir?: unknown }[] };
  status?: { phase?: string };
}

export interface Pdb {
  metadata: { name: string; namespace: string };
  spec: { selector?: LabelSelector; minAvailable?: number | string; maxUnavailable?: number | string };
  status?: { disruptionsAllowed?: number; expectedPods?: number; currentHealthy?: number; desiredHealthy?: number };
}

export type BlockKind = 'pdb' | 'bare' | 'emptydir';

export interface DrainBlock {
  node: string;
  pod: string;
  kind: BlockKind;
  text: string;
}

// Whether a selector matches labels (an empty selector matches everything, a missing one nothing, as for PDBs in policy/v1).
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (selector === undefined) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value ?? ''))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value ?? '')) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

const finished = (pod: Pod): boolean => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const controllerOf = (pod: Pod) => pod.metadata.ownerReferences?.find((o) => o.controller === true) ?? pod.metadata.ownerReferences?.[0];
const isMirror = (pod: Pod): boolean => pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined;

export function drainBlocks(pods: readonly Pod[], pdbs: readonly Pdb[]): DrainBlock[] {
  const blocks: DrainBlock[] = [];
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    if (node === undefined || node === '' || finished(pod) || isMirror(pod)) continue;
    const owner = controllerOf(pod);
    if (owner?.kind === 'DaemonSet') continue;
    const name = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const labels = pod.metadata.labels ?? {};
    for (const pdb of pdbs) {
      if (pdb.metadata.namespace !== pod.metadata.namespace || !selects(pdb.spec.selector, labels)) continue;
      const allowed = pdb.status?.disruptionsAllowed ?? 0;
      if (allowed > 0) continue;
      const expected = pdb.status?.expectedPods;
      const budget =
        pdb.spec.minAvailable !== undefined
          ? `minAvailable ${pdb.spec.minAvailable}`
          : pdb.spec.maxUnavailable !== undefined
            ? `maxUnavailable ${pdb.spec.maxUnavailable}`
            : 'no budget';
      const why =
        expected === 1
          ? `a single-replica workload under PDB ${pdb.metadata.namespace}/${pdb.metadata.name} (${budget})`
          : `PDB ${pdb.metadata.namespace}/${pdb.metadata.name} (${budget}, ${pdb.status?.currentHealthy ?? '?'}/${expected ?? '?'} healthy)`;
      blocks.push({
        node,
        pod: name,
        kind: 'pdb',
        text: `${node}: ${name} cannot be evicted: ${why} allows 0 disruptions; the drain retries its eviction until it times out`,
      });
    }
    if (owner === undefined)
      blocks.push({
        node,
        pod: name,
        kind: 'bare',
        text: `${node}: ${name} has no controller: kubectl drain refuses it without --force, and with --force it is deleted for good`,
      });
    const emptyDirs = (pod.spec.volumes ?? []).filter((v) => v.emptyDir !== undefined).map((v) => v.name);
    if (emptyDirs.length > 0)
      blocks.push({
        node,
        pod: name,
        kind: 'emptydir',
        text: `${node}: ${name} has emptyDir data (${emptyDirs.join(', ')}): kubectl drain refuses it without --delete-emptydir-data, which loses that data`,
      });
  }
  return blocks.sort((a, b) => a.node.localeCompare(b.node) || a.kind.localeCompare(b.kind) || a.pod.localeCompare(b.pod));
}

// One line per node: what blocks, counted by kind.
export function perNode(blocks: readonly DrainBlock[], nodes: readonly string[]): string[] {
  return nodes.map((node) => {
    const mine = blocks.filter((b) => b.node === node);
    if (mine.length === 0) return `${node}: drains cleanly`;
    const count = (kind: BlockKind) => mine.filter((b) => b.kind === kind).length;
    return `${node}: ${count('pdb')} pod(s) held by a PodDisruptionBudget, ${count('bare')} without a controller, ${count('emptydir')} with emptyDir data`;
  });
}
