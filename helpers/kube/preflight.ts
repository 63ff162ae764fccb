// Before a run creates anything: is the API server there, which version, which nodes, and may we do
// what the chosen suites need (permissions.ts derives it from their manifests)? Each answer that
// stops the run is a typed error with a hint; every missing permission is named, with the suite
// that needs it and why, in one error.
import type { V1Node } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import type { SuiteManifest } from '../engine/manifest.ts';
import type { TransportChoice } from '../settings.ts';
import { apiError } from './api-errors.ts';
import { nodeFacts, type NodeFacts } from './nodes.ts';
import { describePermission, namespaceOf, requiredPermissions, runNeeds, type Permission } from './permissions.ts';

export interface AccessAnswer {
  allowed: boolean;
  reason?: string;
}

export interface PreflightApi {
  // The server's gitVersion, e.g. v1.34.4.
  version(): Promise<string>;
  // Asks for a resource permission in namespace (cluster-wide when undefined), or a URL.
  canI(permission: Permission, namespace: string | undefined): Promise<AccessAnswer>;
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
  const required = [...permissions.required, ...(options.extra ?? [])];
  const optional = permissions.optional;
  const ask = (permission: Permission) =>
    api.canI(permission, 'url' in permission ? undefined : namespaceOf(permission.scope, options.namespace)).then(
      (answer) => ({ permission, answer }),
      (error: unknown) => {
        throw apiError(error, { ...ctx, action: `ask whether we may ${describePermission(permission, options.namespace)}` });
      },
    );
  const [answers, optionalAnswers, nodes] = await Promise.all([
    Promise.all(required.map(ask)),
    Promise.all(optional.map(ask)),
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
        .map(({ permission, answer }) => `${describePermission(permission, options.namespace)}: needed by ${permission.by} for ${permission.why}${answer.reason ? ` (${answer.reason})` : ''}`)
        .join('\n'),
    });
  }
  const facts = nodes.map(nodeFacts);
  // Only a run that makes pods (the fleet, or a suite's own) needs a node to place them on.
  if (runNeeds(options.suites).namespaces && !facts.some((node) => node.schedulable)) {
    throw new ShakedownError('SD_SETUP_FAILED', `no node can take a probe pod: ${facts.map((n) => `${n.name} ${n.reason ?? ''}`.trim()).join('; ') || 'the cluster has no nodes'}`, {
      hint: 'Uncordon a node or make one Ready; shakedown does not tolerate NoSchedule taints.',
    });
  }
  return {
    server: options.server,
    context: options.context,
    version,
    nodes: facts,
    canExec: options.transport === 'exec' || optionalAnswers.every(({ answer }) => answer.allowed),
  };
}
