// CoreDNS as the cluster runs it: which Service is the cluster DNS, its pods and their readiness,
// the Service's endpoints, the Corefile's essentials, and, when lookups fail, the likely cause
// drawn from that state (so a suite with CoreDNS down says so). parseCorefile, corefileProblems
// and diagnose are pure; unit-tested in dns-coredns.test.ts.
import type { CoreV1Api, DiscoveryV1Api, V1Pod, V1Service } from '@kubernetes/client-node';
import { readEndpoints, type EndpointView } from '../../helpers/objects/endpoints.ts';
import { splitReplicas, terminatingEvidence } from '../../helpers/objects/replicas.ts';
import type { Evidence } from '../../helpers/result.ts';

export const DNS_NAMESPACE = 'kube-system';

export interface Corefile {
  // Zones of every `kubernetes` plugin block.
  kubernetesZones: string[];
  // Upstreams of every `forward` (".", "/etc/resolv.conf", ...); empty when there is none.
  forwards: string[];
  loop: boolean;
}

// Enough of the Corefile grammar for its essentials: plugin lines inside server blocks; comments dropped.
export function parseCorefile(text: string): Corefile {
  const corefile: Corefile = { kubernetesZones: [], forwards: [], loop: false };
  for (const raw of text.split('\n')) {
    const [plugin, ...args] = raw.replace(/#.*/, '').replace(/[{}]/g, ' ').trim().split(/\s+/);
    if (plugin === 'kubernetes') corefile.kubernetesZones.push(...args.map((zone) => zone.replace(/\.$/, '')));
    else if (plugin === 'forward' || plugin === 'proxy') corefile.forwards.push(args.join(' '));
    else if (plugin === 'loop') corefile.loop = true;
  }
  return corefile;
}

// What the Corefile lacks for this cluster, named.
export function corefileProblems(corefile: Corefile, domain: string): string[] {
  const problems: string[] = [];
  if (!corefile.kubernetesZones.includes(domain)) {
    problems.push(
      `no kubernetes plugin for the cluster domain ${domain} (kubernetes zones: ${corefile.kubernetesZones.join(', ') || 'none'}): cluster names will not resolve`,
    );
  }
  if (corefile.forwards.length === 0) problems.push('no forward (or proxy) plugin: names outside the cluster will not resolve');
  if (!corefile.loop)
    problems.push('no loop plugin: a forwarding loop (e.g. to a node resolv.conf pointing back at CoreDNS) would go undetected and exhaust CoreDNS');
  return problems;
}

export interface CoreDnsPod {
  name: string;
  node: string;
  ip: string;
  ready: boolean;
  phase: string;
}

export interface CoreDnsState {
  service: { name: string; clusterIP: string; selector: Record<string, string> } | undefined;
  // The replicas to judge: pods not being deleted.
  pods: CoreDnsPod[];
  // Pods being deleted (a rollout or scale-down in progress): left out of every per-replica check,
  // shown in evidence.
  terminating: V1Pod[];
  // Endpoints of the DNS Service (EndpointSlices), undefined when they could not be read.
  endpoints: EndpointView[] | undefined;
  // Why the state could not be fully read, when it could not.
  errors: string[];
}

function podView(pod: V1Pod): CoreDnsPod {
  return {
    name: pod.metadata?.name ?? '?',
    node: pod.spec?.nodeName ?? '(unscheduled)',
    ip: pod.status?.podIP ?? '',
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    phase: pod.status?.phase ?? '?',
  };
}

// The cluster DNS Service is the one whose ClusterIP the pods' resolv.conf names; kube-dns by convention.
export async function readCoreDns(clients: { core: CoreV1Api; discovery: DiscoveryV1Api }, nameserver: string | undefined): Promise<CoreDnsState> {
  const errors: string[] = [];
  let service: V1Service | undefined;
  try {
    const services = (await clients.core.listNamespacedService({ namespace: DNS_NAMESPACE })).items;
    service = services.find((s) => nameserver !== undefined && s.spec?.clusterIP === nameserver) ?? services.find((s) => s.metadata?.name === 'kube-dns');
  } catch (error) {
    errors.push(`cannot list Services in ${DNS_NAMESPACE}: ${(error as Error).message}`);
  }
  const selector = service?.spec?.selector ?? { 'k8s-app': 'kube-dns' };
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const { live, terminating } = splitReplicas(
    await clients.core
      .listNamespacedPod({ namespace: DNS_NAMESPACE, labelSelector })
      .then((list) => list.items)
      .catch((error: unknown) => {
        errors.push(`cannot list pods ${labelSelector} in ${DNS_NAMESPACE}: ${(error as Error).message}`);
        return [];
      }),
  );
  const pods = live.map(podView);
  const name = service?.metadata?.name;
  const endpoints =
    name === undefined
      ? undefined
      : await readEndpoints(clients.discovery, DNS_NAMESPACE, name).catch((error: unknown) => {
          errors.push(`cannot read the endpoints of ${DNS_NAMESPACE}/${name}: ${(error as Error).message}`);
          return undefined;
        });
  return {
    service: service === undefined || name === undefined ? undefined : { name, clusterIP: service.spec?.clusterIP ?? '', selector },
    pods,
    terminating,
    endpoints,
    errors,
  };
}

// What is wrong with CoreDNS itself, if anything: the root cause every failed lookup points at.
export function diagnose(state: CoreDnsState, nameserver?: string): string | undefined {
  const svc = state.service === undefined ? 'the cluster DNS Service' : `${DNS_NAMESPACE}/${state.service.name}`;
  if (state.service === undefined && state.errors.length === 0)
    return `no cluster DNS Service found in ${DNS_NAMESPACE}${nameserver === undefined ? '' : ` with ClusterIP ${nameserver}`}: CoreDNS is not installed, or pods point at another resolver`;
  const ready = state.pods.filter((p) => p.ready);
  if (state.pods.length === 0 && state.terminating.length > 0 && state.errors.length === 0)
    return `CoreDNS has no pods but ${state.terminating.length} being deleted (its Deployment was scaled to zero or deleted): ${svc} has no endpoints, so every lookup times out`;
  if (state.pods.length === 0 && state.errors.length === 0)
    return `CoreDNS has no pods (its Deployment is scaled to zero or cannot create pods): ${svc} has no endpoints, so every lookup times out`;
  if (state.pods.length > 0 && ready.length === 0)
    return `CoreDNS has no ready replica (${state.pods.map((p) => `${p.name} ${p.phase}`).join(', ')}): ${svc} has no ready endpoints, so every lookup times out; see the CoreDNS pod logs`;
  const readyEndpoints = state.endpoints?.filter((e) => e.ready) ?? [];
  if (state.endpoints !== undefined && readyEndpoints.length === 0 && ready.length > 0)
    return `CoreDNS pods are ready but ${svc} has no ready endpoints: its selector does not match them, or the EndpointSlice controller lags`;
  return undefined;
}

// Compares the Service's ready endpoints with the ready CoreDNS pods.
export function endpointProblems(state: CoreDnsState): string[] {
  if (state.endpoints === undefined) return [];
  const readyPods = new Set(state.pods.filter((p) => p.ready).map((p) => p.ip));
  // A terminating endpoint is not ready by definition; its pod is left out of state.pods too.
  const readyEndpoints = new Set(state.endpoints.filter((e) => e.ready && !e.terminating).map((e) => e.address));
  const problems: string[] = [];
  for (const ip of readyPods) if (!readyEndpoints.has(ip)) problems.push(`ready CoreDNS pod ${ip} is missing from the ready endpoints`);
  for (const ip of readyEndpoints) if (!readyPods.has(ip)) problems.push(`ready endpoint ${ip} is no ready CoreDNS pod`);
  return problems;
}

export function coreDnsEvidence(state: CoreDnsState): Evidence[] {
  const pods = state.pods.map((p) => `${p.name} ${p.ready ? 'Ready' : 'NOT ready'} ${p.phase} ${p.ip || '-'} on ${p.node}`).join('\n') || '(no CoreDNS pods)';
  const endpoints =
    state.endpoints === undefined
      ? '(not read)'
      : state.endpoints.map((e) => `${e.address} ${e.ready ? 'ready' : e.terminating ? 'terminating' : 'NOT ready'} pod=${e.pod ?? '?'}`).join('\n') ||
        '(no endpoints)';
  return [
    {
      label: `CoreDNS pods (${DNS_NAMESPACE}, ${
        Object.entries(state.service?.selector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || 'k8s-app=kube-dns'
      })`,
      text: pods,
    },
    { label: `endpoints of ${DNS_NAMESPACE}/${state.service?.name ?? '?'} (${state.service?.clusterIP ?? '?'})`, text: endpoints },
    ...(state.errors.length > 0 ? [{ label: 'could not read', text: state.errors.join('\n') }] : []),
    ...[terminatingEvidence(state.terminating)].filter((e) => e !== undefined),
  ];
}
