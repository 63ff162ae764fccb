// What preflight asks for the storage suite: its claims and pods in the run's namespaces, PVs
// cluster-wide (its own static PVs), the facts behind the classes; and nothing that writes a
// StorageClass, a workload or another namespace's claim.
import { describe, expect, it } from 'vitest';
import { describePermission, requiredPermissions } from '../../helpers/kube/permissions.ts';
import manifest from './manifest.ts';

const asked = requiredPermissions([manifest], 'auto').required.map((p) => describePermission(p, 'RUN'));

describe('storage permissions', () => {
  it('claims and data pods in the run namespace, watched; PVs of its own; the provisioner facts read-only', () => {
    expect(asked).toEqual(
      expect.arrayContaining([
        'create persistentvolumeclaims in namespace RUN',
        'watch persistentvolumeclaims in namespace RUN',
        'update persistentvolumeclaims in namespace RUN',
        'create pods in namespace RUN',
        'watch pods in namespace RUN',
        'get pods/log in namespace RUN',
        'create persistentvolumes',
        'delete persistentvolumes',
        'list storageclasses (storage.k8s.io)',
        'list csinodes (storage.k8s.io)',
        'list deployments (apps)',
        'get pods/log',
      ]),
    );
  });

  it('never writes classes, workloads or claims outside the run', () => {
    const writes = asked.filter((p) => /^(create|update|patch|delete) /.test(p));
    expect(writes.filter((p) => /storageclasses|deployments|statefulsets|daemonsets/.test(p))).toEqual([]);
    expect(writes.filter((p) => p.includes('persistentvolumeclaims') && !p.endsWith('in namespace RUN'))).toEqual([]);
  });
});
