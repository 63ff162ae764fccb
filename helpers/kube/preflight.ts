// Before a run creates anything: is the API server there, which version, which nodes, and may we do
// what the run needs? Each answer that stops the run is a typed error with a hint.
import type { V1Node } from '@kubernetes/client-node';
import { ShakedownError } from '../errors.ts';
import type { TransportChoice } from '../settings.ts';
import { apiError } from './api-errors.ts';
import { nodeFacts, type NodeFacts } from './nodes.ts';
import { describePermission, requiredPermissions, type Permission } from './permissions.ts';

export interface AccessAnswer {
  allowed: boolean;
  reason?: string;
}

export interface PreflightApi {
  // The server's gitVersion, e.g. v1.34.4.
  version(): Promise<string>;
  canI(permission: Permission, namespace: string): Promise<AccessAnswer>;
  listNodes(): Promise<V1Node[]>;
}

export interface PreflightOptions {
  server: string;
  context: string;
  // The namespace the run will create; namespaced permissions are asked for it.
  namespace: string;
  transport: TransportChoice;
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
  const permissions = requiredPermissions(options.transport);
  const required = [...permissions.required, ...(options.extra ?? [])];
  const optional = permissions.optional;
  const ask = (permission: Permission) =>
    api.canI(permission, options.namespace).then(
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
    const list = denied.map(({ permission }) => describePermission(permission, options.namespace));
    throw new ShakedownError('SD_FORBIDDEN', `context "${options.context}" may not ${list.join(', ')}`, {
      details: denied.map(({ permission, answer }) => `${describePermission(permission, options.namespace)}: needed for ${permission.why}${answer.reason ? ` (${answer.reason})` : ''}`).join('\n'),
    });
  }
  const facts = nodes.map(nodeFacts);
  if (!facts.some((node) => node.schedulable)) {
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
