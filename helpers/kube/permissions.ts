// What a run needs to be allowed to do, asked of the API server with SelfSubjectAccessReviews before
// anything is created, so a missing permission is one clear error instead of a half-made run.
import type { TransportChoice } from '../settings.ts';

export interface Permission {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  // Namespaced permissions are asked for the run's namespace (which does not exist yet), or this one.
  namespaced: boolean;
  namespace?: string;
  why: string;
}

const BASE: Permission[] = [
  { verb: 'create', resource: 'namespaces', namespaced: false, why: 'the run namespace' },
  { verb: 'delete', resource: 'namespaces', namespaced: false, why: 'cleanup' },
  { verb: 'list', resource: 'namespaces', namespaced: false, why: 'finding expired leftovers' },
  { verb: 'list', resource: 'nodes', namespaced: false, why: 'one probe pod per node' },
  { verb: 'create', resource: 'pods', namespaced: true, why: 'the probe fleet' },
  { verb: 'list', resource: 'pods', namespaced: true, why: 'waiting for the probe fleet' },
  { verb: 'deletecollection', resource: 'pods', namespaced: true, why: 'fast cleanup' },
  { verb: 'create', resource: 'configmaps', namespaced: true, why: 'the probe agent bundle' },
  { verb: 'create', resource: 'secrets', namespaced: true, why: "the probe agents' API token" },
  { verb: 'create', resource: 'services', namespaced: true, why: 'service checks' },
  { verb: 'create', resource: 'networkpolicies', group: 'networking.k8s.io', namespaced: true, why: 'network policy checks' },
  { verb: 'list', resource: 'events', namespaced: true, why: 'evidence on failures' },
  { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', namespaced: true, why: 'evidence on failures' },
];

const PROXY: Permission = { verb: 'get', resource: 'pods', subresource: 'proxy', namespaced: true, why: 'reaching the probe agents through the API server' };
const EXEC: Permission = { verb: 'create', resource: 'pods', subresource: 'exec', namespaced: true, why: 'reaching the probe agents by exec' };

// With transport auto, exec is only the fallback: its absence is not fatal on its own.
export function requiredPermissions(transport: TransportChoice): { required: Permission[]; optional: Permission[] } {
  switch (transport) {
    case 'proxy':
      return { required: [...BASE, PROXY], optional: [] };
    case 'exec':
      return { required: [...BASE, EXEC], optional: [] };
    case 'auto':
      return { required: [...BASE, PROXY], optional: [EXEC] };
  }
}

// Reading the pull secret where it lives and creating its copy in the run namespace.
export function pullSecretPermissions(sourceNamespace: string): Permission[] {
  return [
    { verb: 'get', resource: 'secrets', namespaced: true, namespace: sourceNamespace, why: 'copying the image pull secret' },
    { verb: 'create', resource: 'secrets', namespaced: true, why: 'copying the image pull secret' },
  ];
}

export function describePermission(permission: Permission, namespace: string): string {
  const resource = `${permission.resource}${permission.subresource === undefined ? '' : `/${permission.subresource}`}`;
  const group = permission.group === undefined ? '' : ` (${permission.group})`;
  const scope = permission.namespaced ? ` in namespace ${permission.namespace ?? namespace}` : '';
  return `${permission.verb} ${resource}${group}${scope}`;
}
