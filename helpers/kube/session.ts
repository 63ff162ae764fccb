// An open line to one cluster: the loaded kubeconfig, one rate-limited connection pool, the typed
// clients over it, and the questions preflight asks. Workers open their own from a KubeTarget.
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import { createKubeClients, type KubeClients } from './clients.ts';
import { openApiConnection, type ApiConnection } from './connection.ts';
import { readKube, type KubeTarget, type KubeconfigLocation } from './kubeconfig.ts';
import type { PreflightApi } from './preflight.ts';
import { readRulesReview } from './rbac-rules.ts';
import { createThrottle, type ThrottleOptions } from './throttle.ts';

export interface KubeSession {
  kc: KubeConfig;
  target: KubeTarget;
  server: string;
  connection: ApiConnection;
  clients: KubeClients;
  close(): Promise<void>;
}

// The rate limit: a run's shared budget (throttle.ts rateBudget), or a qps of the session's own.
export interface SessionOptions extends Pick<ThrottleOptions, 'qps' | 'burst' | 'cell'> {
  context?: string;
}

export async function openKubeSession(location: KubeconfigLocation | KubeTarget, options: SessionOptions): Promise<KubeSession> {
  // Read without blocking the process: a kubeconfig that is a pipe waits for its writer, and Ctrl-C ends the wait.
  const loaded = await readKube(location, options.context);
  const connection = await openApiConnection(loaded.kc, {
    throttle: createThrottle({
      qps: options.qps,
      ...(options.burst === undefined ? {} : { burst: options.burst }),
      ...(options.cell === undefined ? {} : { cell: options.cell }),
    }),
  });
  return {
    kc: loaded.kc,
    target: loaded.target,
    server: loaded.server,
    connection,
    clients: createKubeClients(connection),
    close: () => connection.close(),
  };
}

export function preflightApi(session: KubeSession): PreflightApi {
  return {
    async version() {
      const response = await session.connection.send({ method: 'GET', path: '/version', timeoutMs: 10_000 });
      if (response.status !== 200) throw new ApiException(response.status, `GET /version: HTTP ${response.status}`, response.text, response.headers);
      const parsed = JSON.parse(response.text) as { gitVersion?: unknown };
      return typeof parsed.gitVersion === 'string' ? parsed.gitVersion : 'unknown';
    },
    async canI(permission, namespace) {
      const review = await session.clients.authz.createSelfSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec:
            'url' in permission
              ? { nonResourceAttributes: { verb: permission.verb, path: permission.url } }
              : {
                  resourceAttributes: {
                    verb: permission.verb,
                    resource: permission.resource,
                    ...(permission.group === undefined ? {} : { group: permission.group }),
                    ...(permission.subresource === undefined ? {} : { subresource: permission.subresource }),
                    ...(permission.name === undefined ? {} : { name: permission.name }),
                    ...(namespace === undefined ? {} : { namespace }),
                  },
                },
        },
      });
      const status = review.status;
      return { allowed: status?.allowed === true, ...(status?.reason ? { reason: status.reason } : {}) };
    },
    // One SelfSubjectRulesReview. Preflight falls back to access reviews when this rejects, so it
    // waits 10 s at most rather than the connection's default.
    async rules(namespace) {
      const path = '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews';
      const body = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } });
      const response = await session.connection.send({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body, timeoutMs: 10_000 });
      if (response.status !== 201 && response.status !== 200)
        throw new ApiException(response.status, `POST ${path}: HTTP ${response.status}`, response.text, response.headers);
      return readRulesReview(JSON.parse(response.text));
    },
    async listNodes() {
      return (await session.clients.core.listNode()).items;
    },
  };
}
