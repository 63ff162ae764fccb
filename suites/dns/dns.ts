// Steps the DNS checks share: what the probe pods' resolver says (nameserver, search path, ndots,
// the cluster domain) and the objects a check needs (ExternalName Services, a selectorless Service
// with hand-made endpoints, a pod with a hostname and subdomain).
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ResolvConf } from '../../agent/protocol.ts';
import type { CheckContext } from '../../helpers/engine/check.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { LOCAL_CLUSTER_CONTEXT } from '../../helpers/fleet/image.ts';
import { ROLE_LABEL, probePod } from '../../helpers/fleet/manifests.ts';
import { poll, type Polled } from '../../helpers/wait/poll.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { DNS_NAMESPACE, parseCorefile } from './dns-coredns.ts';
import { clusterDomainOf, ndotsOf } from './dns-names.ts';
import { resolvConfOf } from '../../helpers/fixtures/fleet.ts';

export interface Resolver {
  agent: ProbeAgent;
  conf: ResolvConf;
  // The first nameserver: what the pod's lookups go to.
  server: string;
}

export interface DnsSetting {
  resolvers: Resolver[];
  domain: string;
  // Where the domain was read from.
  domainSource: string;
}

// The default name outside the cluster: the local cluster's stub upstream knows only its own zone.
export const LOCAL_EXTERNAL_NAME = 'external.shakedown.test';
export const DEFAULT_EXTERNAL_NAME = 'kubernetes.io';

// The external name to resolve, or undefined when the user says the cluster has no upstream.
export function externalName(configured: string | undefined, context: string): string | undefined {
  if (configured?.toLowerCase() === 'none') return undefined;
  return configured ?? (context === LOCAL_CLUSTER_CONTEXT ? LOCAL_EXTERNAL_NAME : DEFAULT_EXTERNAL_NAME);
}

let memo: Promise<DnsSetting> | undefined;

async function readSetting(c: CheckContext): Promise<DnsSetting> {
  const { transport, session } = await c.cluster();
  const agents = c.run.fleet.agents.filter((agent) => agent.group === 'node');
  const resolvers = await Promise.all(
    agents.map(async (agent): Promise<Resolver | string> => {
      const conf = await resolvConfOf(agent, transport, c.signal);
      const server = conf.nameservers[0];
      return server === undefined ? `${agent.name}: no nameserver in /etc/resolv.conf (${conf.error ?? 'empty'})` : { agent, conf, server };
    }),
  );
  const missing = resolvers.filter((r): r is string => typeof r === 'string');
  if (missing.length > 0)
    c.fail('missing', `${missing.length} probe pod(s) have no nameserver`, {
      evidence: [{ label: 'resolv.conf', text: missing.join('\n') }],
      likelyCause: 'the kubelet writes no cluster DNS into pods (--cluster-dns / clusterDNS unset)',
    });
  const ok = resolvers.filter((r): r is Resolver => typeof r !== 'string');
  const first = ok[0];
  if (first === undefined) return c.skip('the fleet has no probe pod pinned to a node');
  const fromSearch = clusterDomainOf(first.conf, c.run.namespace);
  if (fromSearch !== undefined) return { resolvers: ok, domain: fromSearch, domainSource: `the search path of ${first.agent.name}` };
  const corefile = await session.clients.core.readNamespacedConfigMap({ namespace: DNS_NAMESPACE, name: 'coredns' }).catch(() => undefined);
  const zone = parseCorefile(corefile?.data?.Corefile ?? '').kubernetesZones.find((z) => !z.endsWith('.arpa'));
  if (zone !== undefined) return { resolvers: ok, domain: zone, domainSource: 'the Corefile kubernetes plugin' };
  return c.fail(
    'missing',
    `cannot discover the cluster domain: the search path of ${first.agent.name} has no svc.<domain> entry (${first.conf.search.join(' ') || 'empty'}) and the Corefile names no kubernetes zone`,
    {
      likelyCause: 'the kubelet writes no cluster search path (--cluster-domain unset), or the pod uses dnsPolicy Default',
    },
  );
}

// Read once per suite worker: the resolver configuration of the fleet does not change during a run.
export function dnsSetting(c: CheckContext): Promise<DnsSetting> {
  memo ??= readSetting(c);
  memo.catch(() => (memo = undefined));
  return memo;
}

export function describeResolver(r: Resolver): string {
  return `${r.agent.name}: nameserver ${r.conf.nameservers.join(' ')}; search ${r.conf.search.join(' ') || '-'}; options ${r.conf.options.join(' ') || '-'} (ndots ${ndotsOf(r.conf)})`;
}

function labels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
}

export async function createExternalName(c: CheckContext, name: string, target: string): Promise<V1Service> {
  const { session } = await c.cluster();
  const body: V1Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: c.run.namespace, labels: labels(c.run.runId) },
    spec: { type: 'ExternalName', externalName: target },
  };
  const service = await session.clients.core.createNamespacedService({ namespace: c.run.namespace, body });
  c.log(`created ExternalName service ${name} -> ${target}`);
  return service;
}

// A headless Service without a selector whose endpoints are the given addresses (no pod behind them:
// DNS answers with them, nothing is ever sent to them).
export async function createStaticHeadless(c: CheckContext, name: string, addresses: readonly string[]): Promise<void> {
  const { session } = await c.cluster();
  const namespace = c.run.namespace;
  await session.clients.core.createNamespacedService({
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, labels: labels(c.run.runId) },
      spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    },
  });
  const slice: V1EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${name}-static`,
      namespace,
      labels: { ...labels(c.run.runId), 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'shakedown.dev' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
  };
  await session.clients.discovery.createNamespacedEndpointSlice({ namespace, body: slice });
  c.log(`created headless service ${name} with ${addresses.length} static endpoints`);
}

// The A/AAAA pairs a glibc lookup sends, for `lookups` lookups spread over `names`.
export function lookupPairs(names: readonly string[], lookups: number): { name: string; type: 'A' | 'AAAA' }[] {
  return Array.from({ length: lookups }, (_, i) => names[i % names.length] ?? '').flatMap((name) => [
    { name, type: 'A' as const },
    { name, type: 'AAAA' as const },
  ]);
}

// A probe pod outside the fleet (its own role label, so no fleet Service selects it) with
// spec.hostname and spec.subdomain set; waits until it is Ready. Returns the pod as last read.
export async function createNamedPod(c: CheckContext, name: string, node: string, hostname: string, subdomain: string, role: string): Promise<Polled<V1Pod>> {
  const { session } = await c.cluster();
  const namespace = c.run.namespace;
  const base = probePod({
    name,
    namespace,
    runId: c.run.runId,
    node,
    group: 'extra',
    image: c.run.image.image,
    pullPolicy: c.run.image.pullPolicy,
    ...(c.run.pullSecret === undefined ? {} : { pullSecret: c.run.pullSecret }),
  });
  const body: V1Pod = {
    ...base,
    metadata: { ...base.metadata, labels: { ...labels(c.run.runId), [ROLE_LABEL]: role } },
    spec: { ...base.spec, containers: base.spec?.containers ?? [], hostname, subdomain },
  };
  await session.clients.core.createNamespacedPod({ namespace, body });
  c.log(`created pod ${name} (hostname ${hostname}, subdomain ${subdomain}) on ${node}`);
  const ready = (pod: V1Pod) => pod.status?.conditions?.some((cond) => cond.type === 'Ready' && cond.status === 'True') === true;
  const waited = await poll(() => session.clients.core.readNamespacedPod({ namespace, name }), ready, { timeoutMs: 60_000, intervalMs: 500, signal: c.signal });
  c.log(`pod ${name} ${waited.ok ? 'ready' : 'NOT ready'} after ${Math.round(waited.elapsedMs)}ms`);
  return waited;
}
