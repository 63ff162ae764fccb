// Before a run creates anything: is the API server there, which version, which nodes, and may we do
// what the chosen suites need (permissions.ts derives it from their manifests)? Each answer that
// stops the run is a typed error with a hint; every missing permission is named, with the suite
// that needs it and why, in one error.
//
// Permissions are judged from the user's rules first: one SelfSubjectRulesReview of the run
// namespace (and one per named namespace whose permissions the cluster-wide rules leave) instead of
// one SelfSubjectAccessReview per permission: about 100 with every suite, 3 s through the run's
// client-side rate limit (20 qps after a burst of 40) on every run. Rules are only a shortcut for
// "allowed": whatever they do not grant is asked with a SelfSubjectAccessReview as before, and so
// is everything when a review is refused, fails, is not served, or says its rules are incomplete
// (a webhook or another authorizer that may allow more, or deny what RBAC allows). A denial is
// therefore always the authorizer's own answer, with its reason; nothing is taken as granted that
// RBAC's own matching of the returned rules would not grant.
import type { V1Node } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import type { SuiteManifest } from '../engine/manifest.ts';
import type { TransportChoice } from '../settings.ts';
import { apiError } from './api-errors.ts';
import { nodeFacts, type NodeFacts } from './nodes.ts';
import { describePermission, namespaceOf, requiredPermissions, runGrantPermissions, runNeeds, type Permission } from './permissions.ts';
import { grantsResource, grantsUrl, type SubjectRules } from './rbac-rules.ts';

export interface AccessAnswer {
  allowed: boolean;
  reason?: string;
}

export interface PreflightApi {
  // The server's gitVersion, e.g. v1.34.4.
  version(): Promise<string>;
  // Asks for a resource permission in namespace (cluster-wide when undefined), or a URL.
  canI(permission: Permission, namespace: string | undefined): Promise<AccessAnswer>;
  // The user's rules in namespace (a SelfSubjectRulesReview): those of its ClusterRoleBindings, and
  // of its RoleBindings there. Rejects when the review is refused, fails or is not served.
  rules(namespace: string): Promise<SubjectRules>;
  listNodes(): Promise<V1Node[]>;
}

export interface PreflightOptions {
  server: string;
  context: string;
  // The namespace the run will create; namespaced permissions are asked for it.
  namespace: string;
  transport: TransportChoice;
  // The chosen suites: what they need decides what is asked.
  suites: readonly SuiteManifest[];
  // Further permissions this run needs (e.g. for copying a pull secret).
  extra?: Permission[];
  // The runner of shakedown deploy: its run-scoped permissions come from binding this ClusterRole
  // in each namespace it makes, so what is asked is that it may make those bindings.
  runRole?: string;
}

export interface ClusterFacts {
  server: string;
  context: string;
  version: string;
  nodes: NodeFacts[];
  // Whether exec into pods is allowed (the fallback transport).
  canExec: boolean;
}

export async function preflight(api: PreflightApi, options: PreflightOptions): Promise<ClusterFacts> {
  const ctx = { server: options.server, context: options.context };
  // Reachability first: without it, every other answer is the same network error.
  const version = await api.version().catch((error: unknown) => {
    throw apiError(error, { ...ctx, action: 'read the server version' });
  });
  const permissions = requiredPermissions(options.suites, options.transport);
  const bound = (permission: Permission) => options.runRole !== undefined && !('url' in permission) && permission.scope === 'run';
  const granting = options.runRole !== undefined && permissions.required.some(bound) ? runGrantPermissions(options.runRole) : [];
  const required = [...permissions.required.filter((permission) => !bound(permission)), ...granting, ...(options.extra ?? [])];
  const optional = permissions.optional.filter((permission) => !bound(permission));
  const ask = (permission: Permission) =>
    api.canI(permission, 'url' in permission ? undefined : namespaceOf(permission.scope, options.namespace)).then(
      (answer) => ({ permission, answer }),
      (error: unknown) => {
        throw apiError(error, { ...ctx, action: `ask whether we may ${describePermission(permission, options.namespace)}` });
      },
    );
  const judge = async () => {
    const granted = await grantedByRules(api, [...required, ...optional], options.namespace);
    const judgeOne = (permission: Permission): Promise<{ permission: Permission; answer: AccessAnswer }> =>
      granted.has(permission) ? Promise.resolve({ permission, answer: { allowed: true } }) : ask(permission);
    return Promise.all([Promise.all(required.map(judgeOne)), Promise.all(optional.map(judgeOne))]);
  };
  const [[answers, optionalAnswers], nodes] = await Promise.all([
    judge(),
    api.listNodes().catch((error: unknown) => {
      throw apiError(error, { ...ctx, action: 'list nodes' });
    }),
  ]);
  const denied = answers.filter(({ answer }) => !answer.allowed);
  if (denied.length > 0) {
    const list = denied.map(({ permission }) => `${describePermission(permission, options.namespace)} (${permission.by}: ${permission.why})`);
    throw new ShakedownError('SD_FORBIDDEN', `context "${options.context}" may not ${list.join(', ')}`, {
      hint: `Grant ${denied.length === 1 ? 'it' : 'them'} to the user of context "${options.context}" (a ClusterRole: the run namespaces do not exist yet), or choose other suites with --suite.`,
      details: denied
        .map(
          ({ permission, answer }) =>
            `${describePermission(permission, options.namespace)}: needed by ${permission.by} for ${permission.why}${answer.reason ? ` (${answer.reason})` : ''}`,
        )
        .join('\n'),
    });
  }
  const facts = nodes.map(nodeFacts);
  // Only a run that makes pods (the fleet, or a suite's own) needs a node to place them on.
  if (runNeeds(options.suites).namespaces && !facts.some((node) => node.schedulable)) {
    throw new ShakedownError(
      'SD_SETUP_FAILED',
      `no node can take a probe pod: ${facts.map((n) => `${n.name} ${n.reason ?? ''}`.trim()).join('; ') || 'the cluster has no nodes'}`,
      {
        hint: 'Uncordon a node or make one Ready; shakedown does not tolerate NoSchedule taints.',
      },
    );
  }
  return {
    server: options.server,
    context: options.context,
    version,
    nodes: facts,
    canExec: options.transport === 'exec' || optionalAnswers.every(({ answer }) => answer.allowed),
  };
}

// The permissions the user's rules grant. Scope 'cluster' permissions and URLs are judged by the
// review of the run namespace only: it does not exist yet, so no RoleBinding can be there and every
// rule it returns comes from a ClusterRoleBinding (which is what grants cluster-scoped resources);
// a named namespace's review may hold rules of RoleBindings there, valid in that namespace only.
// Scope 'run' permissions are judged in the run namespace; a named namespace's by the cluster-wide
// rules or, only for those still not granted, by a review of that namespace. An incomplete review
// anywhere means the authorizer chain has more than RBAC in it: then no rule is trusted. An
// evaluation error alone (a binding naming a missing role) only leaves rules out, and rules only
// grant, so the rules that did come back still hold.
async function grantedByRules(api: PreflightApi, permissions: readonly Permission[], runNamespace: string): Promise<Set<Permission>> {
  const granted = new Set<Permission>();
  const clusterWide = await api.rules(runNamespace).catch(() => undefined);
  if (clusterWide === undefined || clusterWide.incomplete) return granted;
  const pending = new Map<string, Permission[]>();
  for (const permission of permissions) {
    if (grants(clusterWide, permission)) granted.add(permission);
    else if (!('url' in permission) && typeof permission.scope === 'object') {
      const namespace = permission.scope.namespace;
      pending.set(namespace, [...(pending.get(namespace) ?? []), permission]);
    }
  }
  const reviews = await Promise.all([...pending].map(async ([namespace, waiting]) => ({ waiting, rules: await api.rules(namespace).catch(() => undefined) })));
  if (reviews.some(({ rules }) => rules?.incomplete === true)) return new Set();
  for (const { waiting, rules } of reviews) {
    if (rules === undefined) continue;
    for (const permission of waiting) if (grants(rules, permission)) granted.add(permission);
  }
  return granted;
}

function grants(rules: SubjectRules, permission: Permission): boolean {
  if ('url' in permission) return grantsUrl(rules.nonResourceRules, { verb: permission.verb, path: permission.url });
  return grantsResource(rules.resourceRules, {
    verb: permission.verb,
    group: permission.group ?? '',
    resource: permission.resource,
    ...(permission.subresource === undefined ? {} : { subresource: permission.subresource }),
    ...(permission.name === undefined ? {} : { name: permission.name }),
  });
}
