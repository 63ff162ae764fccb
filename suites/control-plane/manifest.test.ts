// What preflight asks for the control-plane suite: its health URLs, the Leases, its own namespace's
// objects and the kubelet streaming subresources, and nothing cluster-wide beyond reading.
import { describe, expect, it } from 'vitest';
import { describePermission, requiredPermissions } from '../../helpers/kube/permissions.ts';
import manifest from './manifest.ts';

describe('control-plane permissions', () => {
  const asked = requiredPermissions([manifest], 'auto').required.map((p) => describePermission(p, 'RUN'));

  it('asks for the health URLs, the Leases and the kubelet streaming paths', () => {
    expect(asked).toEqual(
      expect.arrayContaining([
        'get /readyz',
        'get /livez',
        'get leases (coordination.k8s.io) in namespace kube-system',
        'list leases (coordination.k8s.io) in namespace kube-node-lease',
        'list endpointslices (discovery.k8s.io) in namespace default',
        'watch pods in namespace RUN',
        'create pods/exec in namespace RUN',
        'get pods/exec in namespace RUN',
        'get pods/portforward in namespace RUN',
        'create pods/portforward in namespace RUN',
        'get pods/log in namespace RUN',
        'create deployments (apps) in namespace RUN',
        'create namespaces',
      ]),
    );
  });

  it('does not require /metrics (read when allowed) and writes nothing outside its own namespaces', () => {
    expect(asked.some((p) => p.includes('/metrics'))).toBe(false);
    const writes = asked.filter((p) => /^(create|delete|patch|update|deletecollection) /.test(p) && !p.includes('namespace RUN'));
    expect(writes).toEqual(['create namespaces', 'delete namespaces', 'patch namespaces']);
  });
});
