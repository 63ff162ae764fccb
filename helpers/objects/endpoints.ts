// What a Service's EndpointSlices say: which addresses are ready, serving or not, and for which pod.
import type { DiscoveryV1Api, V1EndpointSlice } from '@kubernetes/client-node';

export interface EndpointView {
  address: string;
  pod: string | undefined;
  node: string | undefined;
  ready: boolean;
  // The endpoint's pod is being deleted (conditions.terminating): a rollout in progress, not a replica to judge.
  terminating: boolean;
  ports: string[];
}

export function endpointsOf(slices: readonly V1EndpointSlice[]): EndpointView[] {
  return slices.flatMap((slice) => {
    const ports = (slice.ports ?? []).map((p) => `${p.name ?? '-'}=${p.port}/${p.protocol ?? 'TCP'}`);
    return (slice.endpoints ?? []).flatMap((endpoint) =>
      endpoint.addresses.map((address) => ({
        address,
        pod: endpoint.targetRef?.kind === 'Pod' ? endpoint.targetRef.name : undefined,
        node: endpoint.nodeName,
        ready: endpoint.conditions?.ready !== false,
        terminating: endpoint.conditions?.terminating === true,
        ports,
      })),
    );
  });
}

export async function readEndpoints(discovery: DiscoveryV1Api, namespace: string, service: string): Promise<EndpointView[]> {
  const slices = await discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` });
  return endpointsOf(slices.items);
}

export function formatEndpoints(endpoints: readonly EndpointView[]): string {
  if (endpoints.length === 0) return '(no endpoints)';
  return endpoints
    .map(
      (e) =>
        `${e.address} ${e.ready ? 'ready' : e.terminating ? 'terminating' : 'NOT ready'} pod=${e.pod ?? '?'} node=${e.node ?? '?'} ports ${e.ports.join(' ') || '-'}`,
    )
    .join('\n');
}
