// The evidence a failed service check carries: the Service, its endpoints and its events.
import type { CoreV1Api, DiscoveryV1Api } from '@kubernetes/client-node';
import type { Evidence } from '../result.ts';
import { formatEndpoints, readEndpoints } from './endpoints.ts';
import { describePorts } from './service.ts';

export interface EvidenceClients {
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
}

export async function serviceEvidence(clients: EvidenceClients, namespace: string, name: string): Promise<Evidence[]> {
  const [service, endpoints, events] = await Promise.all([
    clients.core.readNamespacedService({ namespace, name }).catch((error: unknown) => error as Error),
    readEndpoints(clients.discovery, namespace, name).catch((error: unknown) => error as Error),
    clients.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Service,involvedObject.name=${name}` }).catch((error: unknown) => error as Error),
  ]);
  return [
    {
      label: `service ${namespace}/${name}`,
      text: service instanceof Error ? `cannot read: ${service.message}` : `${service.spec?.type ?? 'ClusterIP'} ${service.spec?.clusterIP ?? ''} ports ${describePorts(service)}`,
    },
    { label: 'endpoints (EndpointSlices)', text: endpoints instanceof Error ? `cannot read: ${endpoints.message}` : formatEndpoints(endpoints) },
    {
      label: 'events',
      text: events instanceof Error ? `cannot read: ${events.message}` : events.items.map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim()).join('\n') || '(none)',
    },
  ];
}
