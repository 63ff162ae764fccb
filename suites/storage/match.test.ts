import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { explainClaim, explanationText, matchRows, nodeSelectorAdmits, SELECTED_NODE_ANNOTATION } from './match.ts';
import { provisionedRows } from './pv-expect.ts';

function claim(over: Partial<NonNullable<V1PersistentVolumeClaim['spec']>> = {}, annotations: Record<string, string> = {}): V1PersistentVolumeClaim {
  return {
    metadata: { name: 'data', namespace: 'app', uid: 'u1', annotations },
    spec: {
      storageClassName: 'manual',
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: '1Gi' } },
      selector: { matchLabels: { tier: 'db' } },
      ...over,
    },
  };
}

function pv(
  name: string,
  over: Partial<NonNullable<V1PersistentVolume['spec']>> = {},
  labels: Record<string, string> = { tier: 'db' },
  phase = 'Available',
): V1PersistentVolume {
  return {
    metadata: { name, labels },
    spec: {
      storageClassName: 'manual',
      capacity: { storage: '2Gi' },
      accessModes: ['ReadWriteOnce'],
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node1'] }] }] } },
      ...over,
    },
    status: { phase },
  };
}

const failing = (rows: { field: string; ok: boolean | undefined }[]) => rows.filter((r) => r.ok === false).map((r) => r.field);

describe('matchRows', () => {
  it('a PV that fits: every row ok, node affinity not judged before a node is chosen', () => {
    const rows = matchRows(claim(), pv('pv1'));
    expect(failing(rows)).toEqual([]);
    expect(rows.find((r) => r.field === 'nodeAffinity')?.ok).toBeUndefined();
  });

  it('names each field that differs: class, size, access modes, volume mode, selector', () => {
    const rows = matchRows(
      claim({ accessModes: ['ReadWriteMany'], volumeMode: 'Block', resources: { requests: { storage: '5Gi' } } }),
      pv('pv1', { storageClassName: 'fast' }, { tier: 'web' }),
    );
    expect(failing(rows)).toEqual(['storageClassName', 'capacity', 'accessModes', 'volumeMode', 'selector']);
  });

  it('a PV bound to another claim is not free; one pre-bound to this claim is', () => {
    expect(failing(matchRows(claim(), pv('pv1', { claimRef: { namespace: 'x', name: 'y', uid: 'u9' } }, { tier: 'db' }, 'Bound')))).toEqual(['free']);
    expect(failing(matchRows(claim(), pv('pv1', { claimRef: { namespace: 'app', name: 'data' } }, { tier: 'db' }, 'Available')))).toEqual([]);
    expect(failing(matchRows(claim(), pv('pv1', {}, { tier: 'db' }, 'Released')))).toEqual(['free']);
  });

  it('once a node was chosen, the PV must admit it', () => {
    const rows = matchRows(claim({}, { [SELECTED_NODE_ANNOTATION]: 'node2' }), pv('pv1'), [{ name: 'node2', labels: { 'kubernetes.io/hostname': 'node2' } }]);
    expect(failing(rows)).toEqual(['nodeAffinity']);
  });

  it('a claim naming another volume does not match', () => {
    expect(failing(matchRows(claim({ volumeName: 'pv7' }), pv('pv1')))).toEqual(['volumeName']);
  });

  it('selector expressions', () => {
    const c = claim({
      selector: {
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['db', 'cache'] },
          { key: 'old', operator: 'DoesNotExist' },
        ],
      },
    });
    expect(failing(matchRows(c, pv('pv1')))).toEqual([]);
    expect(failing(matchRows(c, pv('pv1', {}, { tier: 'db', old: 'yes' })))).toEqual(['selector']);
  });
});

describe('nodeSelectorAdmits', () => {
  it('any term, every requirement, fields too', () => {
    const node = { name: 'n1', labels: { zone: 'a' } };
    expect(nodeSelectorAdmits(undefined, node)).toBe(true);
    expect(
      nodeSelectorAdmits(
        {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
          ],
        },
        node,
      ),
    ).toBe(true);
    expect(nodeSelectorAdmits({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] }, node)).toBe(false);
  });
});

describe('explainClaim', () => {
  it('closest PVs first, and a summary naming what the closest lacks', () => {
    const e = explainClaim(claim({ resources: { requests: { storage: '5Gi' } } }), [
      pv('far', { storageClassName: 'other', accessModes: ['ReadOnlyMany'] }),
      pv('near'),
    ]);
    expect(e.candidates.map((c) => c.pv)).toEqual(['near', 'far']);
    expect(e.summary).toBe('app/data: none of 1 PV(s) of class manual matches; near differs in capacity (claim >= 5Gi, PV 2Gi)');
    expect(explanationText(e)).toMatch(/capacity\s+>= 5Gi\s+2Gi\s+MISMATCH/);
  });

  it('no PV of the class at all, no PV at all, and a match', () => {
    expect(explainClaim(claim(), [pv('x', { storageClassName: 'other' })]).summary).toBe('app/data: none of 1 PV(s) has storageClassName manual');
    expect(explainClaim(claim(), []).summary).toBe('app/data: no PersistentVolume exists to match');
    expect(explainClaim(claim(), [pv('ok')]).summary).toBe('app/data: ok matches every field');
  });
});

describe('provisionedRows', () => {
  const sc: V1StorageClass = { metadata: { name: 'manual' }, provisioner: 'x', reclaimPolicy: 'Delete' };
  it('a PV as the class says', () => {
    const bound = pv('pv1', { claimRef: { namespace: 'app', name: 'data' }, persistentVolumeReclaimPolicy: 'Delete' });
    expect(failing(provisionedRows(claim(), sc, bound, { name: 'node1', labels: { 'kubernetes.io/hostname': 'node1' } }))).toEqual([]);
  });
  it('a PV that disagrees with its class and its pod', () => {
    const bound = pv('pv1', { claimRef: { namespace: 'app', name: 'data' }, persistentVolumeReclaimPolicy: 'Retain', capacity: { storage: '1Mi' } });
    expect(failing(provisionedRows(claim(), sc, bound, { name: 'node2', labels: { 'kubernetes.io/hostname': 'node2' } }))).toEqual([
      'capacity',
      'reclaimPolicy',
      'nodeAffinity',
    ]);
  });
});
