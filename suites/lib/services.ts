// Steps the service checks share: create a Service of the run, wait for its endpoints, probe it
// until the data path is programmed (measuring how long that took), and fail with the Service's
// endpoints and events as evidence.
import type { V1Service } from '@kubernetes/client-node';
import type { ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import type { CheckContext, FailureDetails } from '../../helpers/engine/check.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { readEndpoints, type EndpointView } from '../../helpers/objects/endpoints.ts';
import { eventually, type Eventually } from '../../helpers/objects/eventually.ts';
import { serviceEvidence } from '../../helpers/objects/evidence.ts';
import { serviceManifest, type ServiceSpec } from '../../helpers/objects/service.ts';
import type { Classification, Evidence } from '../../helpers/result.ts';

// How long a new Service may take to get endpoints and be programmed on the nodes.
export const PROGRAMMING_BUDGET_MS = 15_000;
// While waiting for the data path, probes give up early: an unprogrammed ClusterIP only times out.
const POLL_PROBE_TIMEOUT_MS = 600;

// In the run namespace unless another namespace of the run (a suite's own) is given.
export async function createService(c: CheckContext, spec: Omit<ServiceSpec, 'namespace' | 'runId'>, namespace: string = c.run.namespace): Promise<V1Service> {
  const { session } = await c.cluster();
  const service = await session.clients.core.createNamespacedService({
    namespace,
    body: serviceManifest({ ...spec, namespace, runId: c.run.runId }),
  });
  c.log(`created service ${namespace}/${spec.name} ${service.spec?.clusterIP ?? ''}`);
  return service;
}

export function clusterIP(service: V1Service): string {
  return service.spec?.clusterIP ?? '';
}

export async function waitEndpoints(c: CheckContext, name: string, accept: (endpoints: EndpointView[]) => boolean, namespace: string = c.run.namespace): Promise<Eventually<EndpointView[]>> {
  const { session } = await c.cluster();
  const waited = await eventually(() => readEndpoints(session.clients.discovery, namespace, name), accept, { timeoutMs: PROGRAMMING_BUDGET_MS, signal: c.signal });
  c.log(`endpoints of ${name} after ${Math.round(waited.elapsedMs)}ms: ${waited.value.map((e) => `${e.pod}${e.ready ? '' : '(not ready)'}`).join(', ') || 'none'}`);
  return waited;
}

// Probes from one agent until `accept` holds for the results or the budget is spent. Polling
// probes use a short timeout; when the budget runs out, one last attempt with the targets' own
// timeouts is the one judged, so a slow but working path is not mistaken for a broken one.
export async function probeUntil(
  c: CheckContext,
  source: ProbeAgent,
  targets: ProbeTarget[],
  accept: (results: ProbeResult[]) => boolean,
  budgetMs = PROGRAMMING_BUDGET_MS,
): Promise<Eventually<ProbeResult[]>> {
  const { transport } = await c.cluster();
  const send = async (batch: ProbeTarget[]) => (await transport.probe(source, batch, { signal: c.signal })).results;
  const quick = targets.map((target) => ({ ...target, timeoutMs: Math.min(target.timeoutMs, POLL_PROBE_TIMEOUT_MS) }));
  let probed = await eventually(() => send(quick), accept, { timeoutMs: budgetMs, intervalMs: 200, signal: c.signal });
  if (!probed.ok) {
    const started = performance.now();
    const last = await send(targets);
    probed = { value: last, ok: accept(last), elapsedMs: probed.elapsedMs + (performance.now() - started), attempts: probed.attempts + 1 };
  }
  c.log(`${source.name}: ${probed.ok ? 'as expected' : 'still not as expected'} after ${Math.round(probed.elapsedMs)}ms, ${probed.attempts} attempt(s)`);
  return probed;
}

export async function failWithService(
  c: CheckContext,
  classification: Classification,
  message: string,
  service: string,
  details: FailureDetails & { extra?: Evidence[]; namespace?: string } = {},
): Promise<never> {
  const { session } = await c.cluster();
  const namespace = details.namespace ?? c.run.namespace;
  const evidence = [...(details.extra ?? []), ...(await serviceEvidence(session.clients, namespace, service))];
  return c.fail(classification, message, {
    evidence,
    ...(details.likelyCause === undefined ? {} : { likelyCause: details.likelyCause }),
    reproduce: details.reproduce ?? `kubectl -n ${namespace} get service,endpointslices -l kubernetes.io/service-name=${service} -o wide`,
  });
}

export function httpTarget(id: string, host: string, port: number, timeoutMs: number): ProbeTarget {
  return { id, kind: 'http', url: `http://${host}:${port}/`, timeoutMs };
}

// The pod that answered an HTTP, TCP or UDP echo probe.
export function answeredBy(result: ProbeResult | undefined): string | undefined {
  return result?.http?.echo?.pod ?? result?.reply?.pod;
}
