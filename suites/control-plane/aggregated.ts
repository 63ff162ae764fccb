// Aggregated APIs: every APIService served by an extension API server (metrics-server, a custom
// metrics adapter, ...) must be Available, or the whole cluster feels it: discovery fails for every
// client, the namespace controller cannot finish a deletion, the garbage collector cannot sync, and
// for the metrics APIs HPAs and `kubectl top` go blind. An unavailable one is named with its
// Service, that Service's endpoints and the API server's own reason. When the resource metrics API
// (metrics.k8s.io) is there, it must report every node. judgeApiServices and judgeNodeMetrics are
// pure; unit-tested in aggregated.test.ts.
import type { V1APIService } from '@kubernetes/client-node';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { formatEndpoints, readEndpoints, type EndpointView } from '../../helpers/objects/endpoints.ts';
import { poll } from '../../helpers/wait/poll.ts';

export const METRICS_API = 'v1beta1.metrics.k8s.io';

export interface UnavailableApi {
  name: string;
  service: string | undefined;
  reason: string;
  breaks: string;
}

// What an unavailable API group breaks, beyond discovery, namespace deletion and garbage collection.
export function breaks(group: string): string {
  const always =
    'discovery (kubectl and every client that lists API groups report errors), namespace deletion (namespaces stay Terminating), garbage collection (the collector cannot sync)';
  if (group === 'metrics.k8s.io') return `${always}, HorizontalPodAutoscalers on CPU and memory, and kubectl top`;
  if (group === 'custom.metrics.k8s.io' || group === 'external.metrics.k8s.io')
    return `${always}, and HorizontalPodAutoscalers on ${group.split('.')[0]} metrics`;
  return `${always}, and every client of ${group}`;
}

// Aggregated APIServices (those with a Service) that are not Available.
export function judgeApiServices(apiServices: readonly V1APIService[]): UnavailableApi[] {
  return apiServices
    .filter((api) => api.spec?.service !== undefined && api.spec.service !== null)
    .flatMap((api) => {
      const available = api.status?.conditions?.find((c) => c.type === 'Available');
      if (available?.status === 'True') return [];
      const service = api.spec?.service;
      return [
        {
          name: api.metadata?.name ?? '?',
          service: service === undefined || service === null ? undefined : `${service.namespace}/${service.name}`,
          reason:
            available === undefined
              ? 'no Available condition yet'
              : `${available.reason ?? 'not Available'}${available.message === undefined ? '' : `: ${available.message}`}`,
          breaks: breaks(api.spec?.group ?? ''),
        },
      ];
    });
}

export async function apiServicesCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const apiServices = (await session.clients.apiregistration.listAPIService()).items;
  const aggregated = apiServices.filter((api) => api.spec?.service !== undefined && api.spec.service !== null);
  if (aggregated.length === 0) return c.skip('no aggregated API is registered (every APIService is served by the API server itself)');
  const unavailable = judgeApiServices(apiServices);
  const states = aggregated.map(
    (api) =>
      `${api.metadata?.name}: ${api.spec?.service?.namespace}/${api.spec?.service?.name} ${api.status?.conditions?.find((cond) => cond.type === 'Available')?.status === 'True' ? 'Available' : 'NOT Available'}`,
  );
  if (unavailable.length === 0) return c.note(`${aggregated.length} aggregated API(s) Available: ${aggregated.map((api) => api.metadata?.name).join(', ')}`);
  const endpoints = await Promise.all(unavailable.map((api) => endpointsText(c, api.service)));
  const [first] = unavailable;
  c.fail('missing', `${unavailable.length} aggregated API(s) not Available: ${unavailable.map((api) => `${api.name} (${api.reason})`).join('; ')}`, {
    evidence: [
      { label: 'aggregated APIServices', text: states.join('\n') },
      ...unavailable.map((api, i) => ({ label: `endpoints of ${api.service ?? '?'} (behind ${api.name})`, text: endpoints[i] ?? '' })),
    ],
    likelyCause: unavailable
      .map(
        (api) =>
          `${api.name} is served by ${api.service ?? 'no Service'}, which the API server cannot reach or which is not running (${api.reason}); this breaks ${api.breaks}`,
      )
      .join('; '),
    origin: {
      dimension: 'component',
      value: `APIService ${first?.name ?? '?'}`,
      summary: `the aggregated API ${first?.name ?? '?'} is not Available (${first?.reason ?? ''})`,
      confidence: 'high',
      suspect: `the extension API server behind ${first?.name ?? '?'} (${first?.service ?? '?'})`,
    },
    reproduce: `kubectl get apiservice ${unavailable.map((api) => api.name).join(' ')} -o wide`,
  });
}

async function endpointsText(c: CheckContext, service: string | undefined): Promise<string> {
  if (service === undefined) return '(no Service)';
  const [namespace = '', name = ''] = service.split('/');
  const { session } = await c.cluster();
  return readEndpoints(session.clients.discovery, namespace, name).then(
    (endpoints: EndpointView[]) => formatEndpoints(endpoints),
    (error: unknown) => `cannot read: ${error instanceof Error ? error.message : String(error)}`,
  );
}

export interface NodeMetrics {
  metadata?: { name?: string };
  timestamp?: string;
  usage?: { cpu?: string; memory?: string };
}

// Nodes the metrics API has no usage for.
export function judgeNodeMetrics(nodes: readonly string[], metrics: readonly NodeMetrics[]): string[] {
  const reported = new Set(metrics.filter((m) => m.usage?.cpu !== undefined && m.usage.memory !== undefined).map((m) => m.metadata?.name ?? ''));
  return nodes.filter((node) => !reported.has(node));
}

// One scrape of metrics-server later (its published manifest scrapes every 15 s).
const METRICS_READ_EVERY_MS = 5_000;
const METRICS_WAIT_MS = 45_000;

export async function nodeMetricsCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const api = await session.clients.apiregistration.readAPIService({ name: METRICS_API }).catch(() => undefined);
  if (api === undefined) return c.skip(`no resource metrics API (APIService ${METRICS_API}): metrics-server is not installed`);
  if (api.status?.conditions?.find((cond) => cond.type === 'Available')?.status !== 'True')
    return c.skip(`APIService ${METRICS_API} is not Available: the aggregated API check names why`);
  const nodes = (await session.clients.core.listNode()).items.map((node) => node.metadata?.name ?? '');
  const read = () =>
    session.clients.custom.listClusterCustomObject({ group: 'metrics.k8s.io', version: 'v1beta1', plural: 'nodes' }).then(
      (list) => (list as { items?: NodeMetrics[] }).items ?? [],
      (error: unknown) => error as Error,
    );
  // Read until every node is reported, for up to two scrapes and a margin: metrics-server drops a
  // node for a scrape that timed out (a busy kubelet), and has no usage for a kubelet that just
  // (re)started (an upgrade, a drain) until it scraped it twice.
  let firstBad = true;
  const everyNode = (v: NodeMetrics[] | Error): boolean => {
    const ok = !(v instanceof Error) && judgeNodeMetrics(nodes, v).length === 0;
    if (!ok && firstBad) {
      firstBad = false;
      c.log(
        `first reading: ${v instanceof Error ? v.message : `no usage for ${judgeNodeMetrics(nodes, v).join(', ')}`}; read every ${METRICS_READ_EVERY_MS / 1000} s for up to ${METRICS_WAIT_MS / 1000} s`,
      );
    }
    return ok;
  };
  const polled = await poll(read, everyNode, { timeoutMs: METRICS_WAIT_MS, intervalMs: METRICS_READ_EVERY_MS, signal: c.signal });
  const listed = polled.value;
  if (polled.ok && polled.attempts > 1) c.log(`every node reported after ${Math.round(polled.elapsedMs / 1000)} s`);
  if (listed instanceof Error) {
    return c.fail('error', `the metrics API does not answer although ${METRICS_API} is Available: ${listed.message}`, {
      likelyCause: 'metrics-server answers discovery but fails to serve metrics: see its log (kubelet scrape errors, TLS to the kubelets)',
      reproduce: 'kubectl get --raw /apis/metrics.k8s.io/v1beta1/nodes',
    });
  }
  const metrics = listed;
  const missing = judgeNodeMetrics(nodes, metrics);
  c.evidence(
    'node metrics',
    metrics.map((m) => `${m.metadata?.name}: cpu ${m.usage?.cpu ?? '?'}, memory ${m.usage?.memory ?? '?'} at ${m.timestamp ?? '?'}`).join('\n') || '(none)',
  );
  if (missing.length > 0) {
    c.fail('missing', `the metrics API reports no usage for ${missing.length} of ${nodes.length} node(s): ${missing.join(', ')}`, {
      likelyCause: `metrics-server cannot scrape the kubelet on ${missing.join(', ')} (its serving certificate, the address metrics-server uses, or a firewall on port 10250): kubectl top and HPAs see nothing from ${missing.length === 1 ? 'that node' : 'those nodes'}`,
      ...(missing.length === 1
        ? {
            origin: { dimension: 'node', value: missing[0] ?? '', summary: `metrics-server reports no usage for ${missing[0]}`, confidence: 'medium' as const },
          }
        : {}),
      reproduce: 'kubectl top nodes',
    });
  }
  c.note(`the metrics API reports ${metrics.length} of ${nodes.length} node(s)`);
}
