import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clusterScopedKinds, removeClusterLeftovers, type ClusterScopedKind, type LabelledObject } from './cluster-leftovers.ts';
import { MANAGED_BY_LABEL, RUN_ID_LABEL } from './labels.ts';

function kind(name: string, objects: LabelledObject[]): ClusterScopedKind & { deleted: string[]; selectors: string[] } {
  const deleted: string[] = [];
  const selectors: string[] = [];
  return {
    kind: name,
    deleted,
    selectors,
    list: async (selector) => (selectors.push(selector), objects),
    delete: async (object) => void deleted.push(object),
  };
}
const ours = (name: string, run: string): LabelledObject => ({ name, labels: { [MANAGED_BY_LABEL]: 'shakedown', [RUN_ID_LABEL]: run } });

describe('removeClusterLeftovers', () => {
  it('removes only our objects whose run has no namespace left', async () => {
    const pvs = kind('PersistentVolume', [
      ours('pv-live', 'sd-live'),
      ours('pv-gone', 'sd-gone'),
      { name: 'someone-elses', labels: { [RUN_ID_LABEL]: 'sd-gone' } },
    ]);
    const result = await removeClusterLeftovers([pvs], new Set(['sd-live']));
    expect(pvs.deleted).toEqual(['pv-gone']);
    expect(pvs.selectors).toEqual(['app.kubernetes.io/managed-by=shakedown']);
    expect(result).toEqual({ removed: ['PersistentVolume pv-gone (run sd-gone)'], unreadable: [] });
  });

  it("with a run id, removes that run's objects even while its namespaces live, and nothing else", async () => {
    const classes = kind('StorageClass', [ours('a', 'sd-1'), ours('b', 'sd-2')]);
    await removeClusterLeftovers([classes], new Set(['sd-1', 'sd-2']), 'sd-1');
    expect(classes.deleted).toEqual(['a']);
  });

  it('says which kinds it may not read, and goes on with the others', async () => {
    const forbidden: ClusterScopedKind = {
      kind: 'PersistentVolume',
      list: async () => Promise.reject(new ApiException(403, 'forbidden', '{}', {})),
      delete: async () => undefined,
    };
    const classes = kind('StorageClass', [ours('c', 'sd-gone')]);
    expect(await removeClusterLeftovers([forbidden, classes], new Set())).toEqual({
      removed: ['StorageClass c (run sd-gone)'],
      unreadable: ['PersistentVolume: not allowed to list or delete them'],
    });
  });

  it("covers deploy's ClusterRoleBindings before their ClusterRoles, so no binding outlives its role", async () => {
    const calls: string[] = [];
    const lister =
      (what: string) =>
      async ({ labelSelector }: { labelSelector: string }) => (
        calls.push(`list ${what} ${labelSelector}`),
        { items: [{ metadata: { name: `${what}-1`, labels: { [MANAGED_BY_LABEL]: 'shakedown', [RUN_ID_LABEL]: 'sd-gone' } } }] }
      );
    const deleter =
      (what: string) =>
      async ({ name }: { name: string }) =>
        void calls.push(`delete ${what} ${name}`);
    const clients = {
      core: { listPersistentVolume: lister('pv'), deletePersistentVolume: deleter('pv') },
      storage: { listStorageClass: lister('sc'), deleteStorageClass: deleter('sc') },
      rbac: {
        listClusterRoleBinding: lister('crb'),
        deleteClusterRoleBinding: deleter('crb'),
        listClusterRole: lister('cr'),
        deleteClusterRole: deleter('cr'),
      },
    } as unknown as Parameters<typeof clusterScopedKinds>[0];
    const result = await removeClusterLeftovers(clusterScopedKinds(clients), new Set());
    expect(result.removed).toEqual([
      'PersistentVolume pv-1 (run sd-gone)',
      'StorageClass sc-1 (run sd-gone)',
      'ClusterRoleBinding crb-1 (run sd-gone)',
      'ClusterRole cr-1 (run sd-gone)',
    ]);
    expect(calls.filter((c) => c.startsWith('delete'))).toEqual(['delete pv pv-1', 'delete sc sc-1', 'delete crb crb-1', 'delete cr cr-1']);
  });
});
