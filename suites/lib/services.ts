// Steps the Service checks of several suites share: create a Service in a namespace of the run
// (tracked, so a failing check carries its state and endpoints), and wait (bounded, measured) until
// its EndpointSlices say what the check needs. Probing the data path
// is the reachability engine's (helpers/probe/reach.ts), with its one poll policy.
import type { V1Service } from '@kubernetes/client-node';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { readEndpoints, type EndpointView } from '../../helpers/objects/endpoints.ts';
import { poll, type Polled } from '../../helpers/wait/poll.ts';
import { serviceManifest, type ServiceSpec } from '../../helpers/objects/service.ts';

// How long a new Service may take to get endpoints and be programmed on the nodes.
export const PROGRAMMING_BUDGET_MS = 15_000;

// In the run namespace unless another namespace of the run (a suite's own) is given.
export async function createService(c: CheckContext, spec: Omit<ServiceSpec, 'namespace' | 'runId'>, namespace: string = c.run.namespace): Promise<V1Service> {
  const { session } = await c.cluster();
  const service = await session.clients.core.createNamespacedService({
    namespace,
    body: serviceManifest({ ...spec, namespace, runId: c.run.runId }),
  });
  c.log(`created service ${namespace}/${spec.name} ${service.spec?.clusterIP ?? ''}`);
  // On failure the engine attaches its state, endpoints (and the pods behind them) and events.
  return c.track({ ...service, kind: service.kind ?? 'Service', metadata: { ...service.metadata, name: spec.name, namespace } });
}

export function clusterIP(service: V1Service): string {
  return service.spec?.clusterIP ?? '';
}

export async function waitEndpoints(
  c: CheckContext,
  name: string,
  accept: (endpoints: EndpointView[]) => boolean,
  namespace: string = c.run.namespace,
): Promise<Polled<EndpointView[]>> {
  const { session } = await c.cluster();
  const waited = await poll(() => readEndpoints(session.clients.discovery, namespace, name), accept, { timeoutMs: PROGRAMMING_BUDGET_MS, signal: c.signal });
  c.log(
    `endpoints of ${name} after ${Math.round(waited.elapsedMs)}ms: ${waited.value.map((e) => `${e.pod}${e.ready ? '' : '(not ready)'}`).join(', ') || 'none'}`,
  );
  return waited;
}
