// What a dynamically provisioned PV must look like, as rows (field, expected, seen, ok): bound to
// its claim, of the claim's class, at least the requested capacity, the claim's access modes and
// volume mode, the class's reclaim policy, and a node affinity that admits the node its pod runs on.
import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from '@kubernetes/client-node';
import { className, reclaimPolicyOf } from './classes.ts';
import { capacityOf, modesText, nodeAffinityText, nodeSelectorAdmits, pvClass, requestOf, type NodeFacts, type Row } from './match.ts';
import { parseQuantity } from './quantity.ts';

export function provisionedRows(claim: V1PersistentVolumeClaim, sc: V1StorageClass, pv: V1PersistentVolume, podNode?: NodeFacts): Row[] {
  const ref = pv.spec?.claimRef;
  const request = requestOf(claim);
  const requestBytes = parseQuantity(request);
  const capacityBytes = parseQuantity(capacityOf(pv));
  const wanted = claim.spec?.accessModes ?? [];
  const offered = pv.spec?.accessModes ?? [];
  const rows: Row[] = [
    {
      field: 'claimRef',
      claim: `${claim.metadata?.namespace}/${claim.metadata?.name}`,
      pv: ref === undefined ? 'none' : `${ref.namespace}/${ref.name}`,
      ok: ref?.name === claim.metadata?.name && ref?.namespace === claim.metadata?.namespace,
    },
    { field: 'storageClassName', claim: className(sc), pv: pvClass(pv) || '""', ok: pvClass(pv) === className(sc) },
    {
      field: 'capacity',
      claim: `>= ${request ?? '?'}`,
      pv: capacityOf(pv) ?? 'none',
      ok: requestBytes !== undefined && capacityBytes !== undefined && capacityBytes >= requestBytes,
    },
    { field: 'accessModes', claim: modesText(wanted), pv: modesText(offered), ok: wanted.every((m) => offered.includes(m)) },
    {
      field: 'volumeMode',
      claim: claim.spec?.volumeMode ?? 'Filesystem',
      pv: pv.spec?.volumeMode ?? 'Filesystem',
      ok: (claim.spec?.volumeMode ?? 'Filesystem') === (pv.spec?.volumeMode ?? 'Filesystem'),
    },
    {
      field: 'reclaimPolicy',
      claim: `${reclaimPolicyOf(sc)} (class)`,
      pv: pv.spec?.persistentVolumeReclaimPolicy ?? 'none',
      ok: pv.spec?.persistentVolumeReclaimPolicy === reclaimPolicyOf(sc),
    },
  ];
  if (podNode !== undefined) {
    rows.push({
      field: 'nodeAffinity',
      claim: `admits ${podNode.name} (its pod's node)`,
      pv: nodeAffinityText(pv),
      ok: nodeSelectorAdmits(pv.spec?.nodeAffinity?.required, podNode),
    });
  }
  return rows;
}
