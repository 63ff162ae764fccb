// Cluster-scoped objects a run makes (a static PersistentVolume, a StorageClass of its own, the
// ClusterRoles, bindings and admission policy of `shakedown deploy`) carry its labels, managed-by and run id. A run
// that crashed leaves them behind; once no namespace of that run is left, they belong to nobody and
// `shakedown cleanup` removes them. Nothing without
// the managed-by label is ever listed, let alone deleted.
import type { KubeClients } from '../kube/clients.ts';
import { statusCode } from '../kube/api-errors.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL, ownedSelector } from './labels.ts';

export interface LabelledObject {
  name: string;
  labels: Record<string, string>;
}

export interface ClusterScopedKind {
  kind: string;
  list(labelSelector: string): Promise<LabelledObject[]>;
  delete(name: string): Promise<void>;
}

const plain = (items: readonly { metadata?: { name?: string; labels?: Record<string, string> } }[]): LabelledObject[] =>
  items.map((item) => ({ name: item.metadata?.name ?? '', labels: item.metadata?.labels ?? {} }));

const gone = (error: unknown): void => {
  if (statusCode(error) !== 404) throw error;
};

export function clusterScopedKinds(clients: Pick<KubeClients, 'core' | 'storage' | 'rbac' | 'admission'>): ClusterScopedKind[] {
  return [
    {
      kind: 'PersistentVolume',
      list: async (labelSelector) => plain((await clients.core.listPersistentVolume({ labelSelector })).items),
      delete: (name) => clients.core.deletePersistentVolume({ name }).then(() => undefined, gone),
    },
    {
      kind: 'StorageClass',
      list: async (labelSelector) => plain((await clients.storage.listStorageClass({ labelSelector })).items),
      delete: (name) => clients.storage.deleteStorageClass({ name }).then(() => undefined, gone),
    },
    // Bindings before their roles, so no binding is left pointing at a role that is gone.
    {
      kind: 'ClusterRoleBinding',
      list: async (labelSelector) => plain((await clients.rbac.listClusterRoleBinding({ labelSelector })).items),
      delete: (name) => clients.rbac.deleteClusterRoleBinding({ name }).then(() => undefined, gone),
    },
    {
      kind: 'ClusterRole',
      list: async (labelSelector) => plain((await clients.rbac.listClusterRole({ labelSelector })).items),
      delete: (name) => clients.rbac.deleteClusterRole({ name }).then(() => undefined, gone),
    },
    // The confinement last: it outlives every permission it confines.
    {
      kind: 'ValidatingAdmissionPolicyBinding',
      list: async (labelSelector) => plain((await clients.admission.listValidatingAdmissionPolicyBinding({ labelSelector })).items),
      delete: (name) => clients.admission.deleteValidatingAdmissionPolicyBinding({ name }).then(() => undefined, gone),
    },
    {
      kind: 'ValidatingAdmissionPolicy',
      list: async (labelSelector) => plain((await clients.admission.listValidatingAdmissionPolicy({ labelSelector })).items),
      delete: (name) => clients.admission.deleteValidatingAdmissionPolicy({ name }).then(() => undefined, gone),
    },
  ];
}

export interface ClusterLeftovers {
  removed: string[];
  // Kinds that could not be listed or deleted (no permission, say), with why.
  unreadable: string[];
}

// Removes our cluster-scoped objects whose run has no namespace left (or, with onlyRun, that run's).
export async function removeClusterLeftovers(kinds: readonly ClusterScopedKind[], liveRuns: ReadonlySet<string>, onlyRun?: string): Promise<ClusterLeftovers> {
  const removed: string[] = [];
  const unreadable: string[] = [];
  for (const kind of kinds) {
    try {
      const objects = await kind.list(ownedSelector(onlyRun));
      for (const object of objects) {
        const run = object.labels[RUN_ID_LABEL] ?? '';
        if (object.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE || run === '') continue;
        if (onlyRun === undefined ? liveRuns.has(run) : run !== onlyRun) continue;
        await kind.delete(object.name);
        removed.push(`${kind.kind} ${object.name} (run ${run})`);
      }
    } catch (error) {
      unreadable.push(`${kind.kind}: ${statusCode(error) === 403 ? 'not allowed to list or delete them' : (error as Error).message}`);
    }
  }
  return { removed, unreadable };
}
