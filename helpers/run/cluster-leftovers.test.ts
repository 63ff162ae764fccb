import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { removeClusterLeftovers, type ClusterScopedKind, type LabelledObject } from './cluster-leftovers.ts';
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
    const pvs = kind('PersistentVolume', [ours('pv-live', 'sd-live'), ours('pv-gone', 'sd-gone'), { name: 'someone-elses', labels: { [RUN_ID_LABEL]: 'sd-gone' } }]);
    const result = await removeClusterLeftovers([pvs], new Set(['sd-live']));
    expect(pvs.deleted).toEqual(['pv-gone']);
    expect(pvs.selectors).toEqual(['app.kubernetes.io/managed-by=shakedown']);
    expect(result).toEqual({ removed: ['PersistentVolume pv-gone (run sd-gone)'], unreadable: [] });
  });

  it('with a run id, removes that run\'s objects even while its namespaces live, and nothing else', async () => {
    const classes = kind('StorageClass', [ours('a', 'sd-1'), ours('b', 'sd-2')]);
    await removeClusterLeftovers([classes], new Set(['sd-1', 'sd-2']), 'sd-1');
    expect(classes.deleted).toEqual(['a']);
  });

  it('says which kinds it may not read, and goes on with the others', async () => {
    const forbidden: ClusterScopedKind = { kind: 'PersistentVolume', list: async () => Promise.reject(new ApiException(403, 'forbidden', '{}', {})), delete: async () => undefined };
    const classes = kind('StorageClass', [ours('c', 'sd-gone')]);
    expect(await removeClusterLeftovers([forbidden, classes], new Set())).toEqual({ removed: ['StorageClass c (run sd-gone)'], unreadable: ['PersistentVolume: not allowed to list or delete them'] });
  });
});
