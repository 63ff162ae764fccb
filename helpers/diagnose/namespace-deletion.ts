// A namespace deletion the namespace controller cannot finish: it must list every resource type of
// every API group to empty a namespace, and an aggregated API that is not Available (metrics-server
// down, a dead extension API server) fails that discovery. The namespace then stays Terminating with
// the condition NamespaceDeletionDiscoveryFailure until the APIService is Available again or is
// deleted; waiting cannot help. Given to a namespace removal as its reason to stop waiting
// (run/namespaces.ts giveUp), naming the APIService, its Service and why it is not Available.
import type { ApiregistrationV1Api, CoordinationV1Api, V1APIService, V1Namespace } from '@kubernetes/client-node';
import type { Blocked } from '../run/namespaces.ts';
import { namespaceControllerDown } from './namespace-controller.ts';

const HELD_BY = ['NamespaceDeletionDiscoveryFailure', 'NamespaceDeletionGroupVersionParsingFailure'];

// "metrics.k8s.io/v1beta1" from the condition's message ("Discovery failed for some groups, 1
// failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: stale
// GroupVersion discovery: metrics.k8s.io/v1beta1"), each once.
export function failingGroupVersions(message: string): string[] {
  const found = message.match(/\b[a-z0-9][a-z0-9.-]*\.[a-z0-9.-]+\/v[0-9][a-z0-9]*\b/g) ?? [];
  return [...new Set(found)];
}

export function describeApiService(apiService: V1APIService | undefined, name: string): string {
  if (apiService === undefined) return `APIService ${name} (could not be read)`;
  const service = apiService.spec?.service;
  const backing = service === undefined || service === null ? 'served by the API server itself' : `Service ${service.namespace}/${service.name}`;
  const available = apiService.status?.conditions?.find((c) => c.type === 'Available');
  const state =
    available === undefined
      ? 'no Available condition'
      : `Available=${available.status}${available.reason === undefined ? '' : ` (${available.reason}${available.message === undefined ? '' : `: ${available.message}`})`}`;
  return `APIService ${name} (${backing}) is ${state}`;
}

// Why waiting for these namespaces cannot help, or undefined when nothing holds them this way.
export function discoveryHold(
  apiregistration: Pick<ApiregistrationV1Api, 'readAPIService'>,
): (remaining: readonly V1Namespace[]) => Promise<Blocked | undefined> {
  return async (remaining) => {
    const held = remaining.flatMap((namespace) =>
      (namespace.status?.conditions ?? [])
        .filter((c) => HELD_BY.includes(c.type) && c.status === 'True')
        .map((c) => ({ name: namespace.metadata?.name ?? '?', message: c.message ?? '' })),
    );
    if (held.length === 0) return undefined;
    const groupVersions = [...new Set(held.flatMap((h) => failingGroupVersions(h.message)))];
    const names = groupVersions.map((gv) => {
      const [group = '', version = ''] = gv.split('/');
      return `${version}.${group}`;
    });
    const services = await Promise.all(
      names.map((name) =>
        apiregistration.readAPIService({ name }).then(
          (s) => describeApiService(s, name),
          () => describeApiService(undefined, name),
        ),
      ),
    );
    const namespaces = [...new Set(held.map((h) => h.name))].join(', ');
    const what = services.length === 0 ? `discovery fails (${held[0]?.message ?? ''})` : services.join('; ');
    return {
      component: names.length === 0 ? 'aggregated APIs' : `APIService ${names.join(', ')}`,
      reason:
        `the namespace controller cannot finish deleting ${namespaces}: it must list every API group to empty a namespace, and ${what}; the deletion completes by itself once ${names.length === 1 ? 'that APIService is' : 'those APIServices are'} Available again (or deleted): kubectl get apiservice ${names.join(' ') || ''}`.trimEnd(),
    };
  };
}

// Every reason waiting for a namespace deletion cannot help, the first that holds: the namespace
// controller is not running, or an unavailable aggregated API blocks it.
export function deletionBlocked(clients: {
  coordination: CoordinationV1Api;
  apiregistration: Pick<ApiregistrationV1Api, 'readAPIService'>;
}): (remaining: readonly V1Namespace[]) => Promise<Blocked | undefined> {
  const controllerDown = namespaceControllerDown(clients.coordination);
  const held = discoveryHold(clients.apiregistration);
  return async (remaining) => (await controllerDown()) ?? (remaining.length === 0 ? undefined : await held(remaining));
}
