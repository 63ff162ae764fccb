// What a run needs to be allowed to do, derived from the chosen suites' manifests: the engine's own
// needs follow from what the suites need from setup (run namespaces, the probe fleet, nothing),
// and each suite adds the permissions it declares. Preflight asks them all with
// SelfSubjectAccessReviews before anything is created; rbacRules() turns them into a ClusterRole.
import type { ResourcePermission, Scope, SetupNeed, SuiteManifest, SuitePermission, UrlPermission } from '../engine/manifest.ts';
import type { TransportChoice } from '../settings.ts';
import { NETWORK_PLUGIN_PERMISSIONS, usesNetworkPlugin } from '../engine/network-plugin-service.ts';

// A permission and who needs it: a suite's name, or "engine".
export type Permission = SuitePermission & { by: string };
export type ResourceNeed = ResourcePermission & { by: string };
export type UrlNeed = UrlPermission & { by: string };

export const ENGINE = 'engine';

const ALWAYS: SuitePermission[] = [
  { url: '/version', verb: 'get', why: 'the server version, for the report' },
  { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'the nodes, for the report and to place probe pods' },
];

// Whenever a suite needs namespaces of the run (the fleet's or its own).
const RUN_NAMESPACES: SuitePermission[] = [
  { verb: 'create', resource: 'namespaces', scope: 'cluster', why: 'the run namespace' },
  { verb: 'list', resource: 'namespaces', scope: 'cluster', why: 'finding the run namespaces and expired leftovers of earlier runs' },
  { verb: 'delete', resource: 'namespaces', scope: 'cluster', why: 'cleanup of the run namespaces and expired leftovers' },
  { verb: 'patch', resource: 'namespaces', scope: 'cluster', why: 'renewing the expiry of the run namespaces while the run lasts' },
  { verb: 'deletecollection', resource: 'pods', scope: 'run', why: 'fast cleanup of the run namespaces' },
  // What the engine reads about the objects of a failed check (failure-evidence.ts).
  { verb: 'get', resource: 'pods', scope: 'run', why: 'evidence on failures: the state of the pods involved' },
  { verb: 'get', resource: 'pods', subresource: 'log', scope: 'run', why: 'evidence on failures: the log tails of the pods involved' },
  { verb: 'list', resource: 'events', scope: 'run', why: 'evidence on failures: the events of the objects involved' },
  { verb: 'get', resource: 'services', scope: 'run', why: 'evidence on failures: the Services involved' },
  { verb: 'list', resource: 'endpointslices', group: 'discovery.k8s.io', scope: 'run', why: 'evidence on failures: the endpoints of the Services involved' },
  { verb: 'get', resource: 'nodes', scope: 'cluster', why: 'evidence on failures: the nodes a failure names' },
  // What names the component at fault when pods do not become ready (helpers/diagnose).
  {
    verb: 'get',
    resource: 'leases',
    group: 'coordination.k8s.io',
    scope: { namespace: 'kube-system' },
    why: 'diagnosis: the leader Leases of kube-scheduler and kube-controller-manager',
  },
  { verb: 'list', resource: 'leases', group: 'coordination.k8s.io', scope: { namespace: 'kube-node-lease' }, why: "diagnosis: the kubelets' heartbeat Leases" },
  {
    verb: 'get',
    resource: 'apiservices',
    group: 'apiregistration.k8s.io',
    scope: 'cluster',
    why: 'diagnosis: the aggregated API a namespace deletion waits on',
  },
];

const FLEET: SuitePermission[] = [
  { verb: 'create', resource: 'configmaps', scope: 'run', why: 'the probe agent bundle' },
  { verb: 'create', resource: 'secrets', scope: 'run', why: "the probe agents' API token" },
  { verb: 'create', resource: 'pods', scope: 'run', why: 'the probe fleet' },
  { verb: 'list', resource: 'pods', scope: 'run', why: 'waiting for the probe fleet' },
];

// A suite that makes pods of its own in namespaces of its own (helpers/fixtures/own-pods.ts, or its
// own world like netpol's): the agent bundle and token copied in, the pods created and waited for.
const OWN_PODS: SuitePermission[] = [
  { verb: 'get', resource: 'configmaps', scope: 'run', why: 'the agent bundle, copied from the run namespace into a suite namespace' },
  { verb: 'create', resource: 'configmaps', scope: 'run', why: 'the agent bundle in a suite namespace' },
  { verb: 'create', resource: 'secrets', scope: 'run', why: "the API token of a suite's own agent pods" },
  { verb: 'create', resource: 'pods', scope: 'run', why: "a suite's own agent pods" },
  { verb: 'list', resource: 'pods', scope: 'run', why: "waiting for a suite's own agent pods" },
];

const PROXY: SuitePermission[] = [
  { verb: 'get', resource: 'pods', subresource: 'proxy', scope: 'run', why: 'reaching the probe agents through the API server (GET)' },
  { verb: 'create', resource: 'pods', subresource: 'proxy', scope: 'run', why: 'reaching the probe agents through the API server (POST)' },
];
const EXEC: SuitePermission[] = [
  { verb: 'create', resource: 'pods', subresource: 'exec', scope: 'run', why: 'reaching the probe agents by exec' },
  { verb: 'get', resource: 'pods', subresource: 'exec', scope: 'run', why: 'reaching the probe agents by exec (the websocket upgrade is a GET)' },
];

export interface RunNeeds {
  // Any chosen suite needs namespaces of the run (fleet or its own).
  namespaces: boolean;
  // Any chosen suite needs the shared probe fleet.
  fleet: boolean;
  // Any chosen suite makes pods of its own in namespaces of its own.
  ownPods: boolean;
}

export function runNeeds(manifests: readonly Pick<SuiteManifest, 'setup'>[]): RunNeeds {
  const needs = new Set<SetupNeed>(manifests.flatMap((m) => m.setup));
  return { namespaces: needs.size > 0, fleet: needs.has('fleet'), ownPods: needs.has('namespaces') };
}

export interface PermissionPlan {
  required: Permission[];
  // Asked, but their absence alone does not stop the run (exec with transport auto: a fallback).
  optional: Permission[];
}

// What the chosen suites need, the engine's share first. With transport auto, exec is only the
// fallback: its absence is not fatal on its own.
export function requiredPermissions(manifests: readonly SuiteManifest[], transport: TransportChoice): PermissionPlan {
  const needs = runNeeds(manifests);
  const engine = (list: readonly SuitePermission[]): Permission[] => list.map((p) => ({ ...p, by: ENGINE }));
  const required: Permission[] = [...engine(ALWAYS)];
  const optional: Permission[] = [];
  if (needs.namespaces) required.push(...engine(RUN_NAMESPACES));
  if (needs.fleet) required.push(...engine(FLEET));
  if (needs.ownPods) required.push(...engine(OWN_PODS));
  if (needs.fleet) {
    if (transport === 'exec') required.push(...engine(EXEC));
    else required.push(...engine(PROXY));
    if (transport === 'auto') optional.push(...engine(EXEC));
  }
  if (usesNetworkPlugin(manifests)) required.push(...engine(NETWORK_PLUGIN_PERMISSIONS));
  for (const manifest of manifests) required.push(...manifest.permissions.map((p) => ({ ...p, by: manifest.name })));
  return { required: dedupe(required), optional: optional.filter((p) => !required.some((r) => samePermission(r, p))) };
}

// Reading the pull secret where it lives and creating its copy in the run namespace.
export function pullSecretPermissions(sourceNamespace: string): Permission[] {
  return [
    { verb: 'get', resource: 'secrets', scope: { namespace: sourceNamespace }, why: 'copying the image pull secret', by: ENGINE },
    { verb: 'create', resource: 'secrets', scope: 'run', why: 'copying the image pull secret', by: ENGINE },
  ];
}

export function isUrl(permission: SuitePermission): permission is UrlPermission {
  return 'url' in permission;
}

// The namespace a resource permission is asked for: the run's, a named one, or none (cluster-wide).
export function namespaceOf(scope: Scope, runNamespace: string): string | undefined {
  if (scope === 'cluster') return undefined;
  if (scope === 'run') return runNamespace;
  return scope.namespace;
}

export function describePermission(permission: SuitePermission, runNamespace: string): string {
  if (isUrl(permission)) return `${permission.verb} ${permission.url}`;
  const resource = `${permission.resource}${permission.subresource === undefined ? '' : `/${permission.subresource}`}${permission.name === undefined ? '' : ` ${permission.name}`}`;
  const group = permission.group === undefined || permission.group === '' ? '' : ` (${permission.group})`;
  const namespace = namespaceOf(permission.scope, runNamespace);
  return `${permission.verb} ${resource}${group}${namespace === undefined ? '' : ` in namespace ${namespace}`}`;
}

function key(permission: SuitePermission): string {
  if (isUrl(permission)) return `url ${permission.verb} ${permission.url}`;
  const scope = typeof permission.scope === 'string' ? permission.scope : `ns:${permission.scope.namespace}`;
  return `res ${permission.verb} ${permission.group ?? ''}/${permission.resource}/${permission.subresource ?? ''}/${permission.name ?? ''} ${scope}`;
}

function samePermission(a: SuitePermission, b: SuitePermission): boolean {
  return key(a) === key(b);
}

// One entry per distinct permission; who needs it and why are joined.
function dedupe(permissions: readonly Permission[]): Permission[] {
  const byKey = new Map<string, Permission>();
  for (const permission of permissions) {
    const seen = byKey.get(key(permission));
    if (seen === undefined) {
      byKey.set(key(permission), { ...permission });
      continue;
    }
    if (!seen.by.split(', ').includes(permission.by)) seen.by = `${seen.by}, ${permission.by}`;
    if (!seen.why.split('; ').includes(permission.why)) seen.why = `${seen.why}; ${permission.why}`;
  }
  return [...byKey.values()];
}

// A ClusterRole's rules granting exactly these permissions. Permissions scoped to the run's
// namespaces, or to a named namespace, become cluster-wide rules: the run namespaces do not exist
// until the run makes them, so only a ClusterRole (bound with a ClusterRoleBinding) reaches them.
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}

export function rbacRules(permissions: readonly SuitePermission[]): PolicyRule[] {
  const resources = new Map<string, { group: string; resource: string; name: string | undefined; verbs: Set<string> }>();
  const urls = new Map<string, Set<string>>();
  for (const permission of permissions) {
    if (isUrl(permission)) {
      const verbs = urls.get(permission.url) ?? new Set<string>();
      verbs.add(permission.verb);
      urls.set(permission.url, verbs);
      continue;
    }
    const group = permission.group ?? '';
    const resource = permission.subresource === undefined ? permission.resource : `${permission.resource}/${permission.subresource}`;
    const id = `${group}/${resource}/${permission.name ?? ''}`;
    const entry = resources.get(id) ?? { group, resource, name: permission.name, verbs: new Set<string>() };
    entry.verbs.add(permission.verb);
    resources.set(id, entry);
  }
  const rules: PolicyRule[] = [...resources.values()]
    .sort((a, b) => a.group.localeCompare(b.group) || a.resource.localeCompare(b.resource) || (a.name ?? '').localeCompare(b.name ?? ''))
    .map((entry) => ({
      apiGroups: [entry.group],
      resources: [entry.resource],
      ...(entry.name === undefined ? {} : { resourceNames: [entry.name] }),
      verbs: [...entry.verbs].sort(),
    }));
  for (const [url, verbs] of [...urls.entries()].sort(([a], [b]) => a.localeCompare(b))) rules.push({ nonResourceURLs: [url], verbs: [...verbs].sort() });
  return rules;
}

// The rules of a ClusterRole that lets a run of these suites do everything it needs (with
// transport auto, the exec fallback too when withFallback).
export function clusterRoleRules(manifests: readonly SuiteManifest[], transport: TransportChoice, options: { withFallback?: boolean } = {}): PolicyRule[] {
  const plan = requiredPermissions(manifests, transport);
  return rbacRules([...plan.required, ...(options.withFallback === true ? plan.optional : [])]);
}

// What it takes to bind the run's role in each namespace the run makes (helpers/run/run-grant.ts):
// creating RoleBindings (confined by deploy's admission policy to namespaces of the run) and the bind
// verb on that one ClusterRole, so no other role can be bound.
export function runGrantPermissions(role: string): Permission[] {
  return [
    {
      verb: 'create',
      resource: 'rolebindings',
      group: 'rbac.authorization.k8s.io',
      scope: 'run',
      why: "binding the run's role in each namespace the run makes (admission confines it to namespaces of the run)",
      by: ENGINE,
    },
    {
      verb: 'bind',
      resource: 'clusterroles',
      group: 'rbac.authorization.k8s.io',
      name: role,
      scope: 'cluster',
      why: "binding the run's role, and no other",
      by: ENGINE,
    },
  ];
}

// The runner of `shakedown deploy`, confined to its run: `held` is bound cluster-wide (reads, making
// its own namespaces and PVs, binding its role: every write among them is confined by admission);
// `perNamespace` is its run-scoped rules, which it binds in each namespace it makes and nowhere else.
export interface ConfinedPermissions {
  held: Permission[];
  perNamespace: Permission[];
}

export function confinedPermissions(manifests: readonly SuiteManifest[], transport: TransportChoice, runRole: string): ConfinedPermissions {
  const plan = requiredPermissions(manifests, transport);
  const all = [...plan.required, ...plan.optional];
  const perNamespace = all.filter((permission) => !isUrl(permission) && permission.scope === 'run');
  const held = all.filter((permission) => !perNamespace.includes(permission));
  return { held: perNamespace.length === 0 ? held : [...held, ...runGrantPermissions(runRole)], perNamespace };
}
