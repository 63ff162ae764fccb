// The DNS checks that are tables of questions, as data: what each needs created, the questions it
// asks (every one from every node's probe pod, of the DNS Service and of every CoreDNS replica, as
// dns-ask.ts plans them), and what it means when every failing answer says the same thing. The
// runner (dns-run.ts) asks, judges and names the common origin of the failures (dns-origin.ts).
import type { CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { ROLE_LABEL } from '../../helpers/fleet/manifests.ts';
import { RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { clusterIP, createService, waitEndpoints } from '../lib/services.ts';
import type { DnsObservation, DnsServer, Question } from './dns-ask.ts';
import { reverseName, searchCandidates, serviceFqdn } from './dns-names.ts';
import { DNS, dnsQuery } from './dns-records.ts';
import { DNS_NAMESPACE, parseCorefile } from './dns-coredns.ts';
import manifest from './manifest.ts';
import { createExternalName, createNamedPod, createStaticHeadless, externalName, type Resolver } from './dns.ts';

// What a check's questions are asked of and from.
export interface DnsWorld {
  domain: string;
  namespace: string;
  // One per node: the probe pod and its resolv.conf.
  resolvers: Resolver[];
  // The DNS Service and every ready CoreDNS replica.
  servers: DnsServer[];
  // The probe pods of the fleet's matrix sample (every zone and node pool; helpers/fleet/plan.ts),
  // which ask the record questions; undefined: every node's.
  sample?: ReadonlySet<string>;
}

// What a check created that its questions need: addresses and names, by key.
export type Facts = Readonly<Record<string, readonly string[]>>;

export interface DnsCase {
  // What the questions are, plural, for the failure message: "lookups of SRV records".
  what: string;
  // Why the check cannot run here, if it cannot.
  skip?: (c: CheckContext) => string | undefined;
  objects?: (c: CheckContext, world: DnsWorld) => Promise<Facts>;
  questions: (world: DnsWorld, facts: Facts, source: Resolver, c?: CheckContext) => Question[];
  // What it means when every failing observation is an answer (see dns-origin.ts).
  whenAnswered?: (bad: readonly DnsObservation[], world: DnsWorld, facts: Facts) => string | undefined;
  // What it means when only this case's own questions fail, not every failure an answer (dns-origin.ts).
  whenUnanswered?: (bad: readonly DnsObservation[], world: DnsWorld, facts: Facts) => string | undefined;
  // How long new objects may take to show in DNS (default: the Service programming budget).
  budgetMs?: number;
  // Who asks: the fleet's sample (default: records are the same from every node, the sample covers
  // every zone and pool), or every node's probe pod (the path from each node to DNS).
  from?: 'sample' | 'every-node';
  note: (world: DnsWorld, facts: Facts, observations: readonly DnsObservation[]) => string;
}

// A case that is a check of its own: the key its manifest declares it under.
export type DeclaredCase = DnsCase & { check: keyof typeof manifest.check };

export function fact(facts: Facts, key: string): string {
  return facts[key]?.[0] ?? '';
}

const rcodes = (bad: readonly DnsObservation[]) => [...new Set(bad.map((o) => o.result?.dns?.rcode ?? o.result?.outcome ?? '?'))];
const replicas = (world: DnsWorld) => world.servers.filter((s) => s.kind === 'replica');
// Every replica among the servers that gave these answers (or only the Service was asked).
const fromEveryReplica = (bad: readonly DnsObservation[], world: DnsWorld) => replicas(world).every((r) => bad.some((o) => o.server.name === r.name));

export const BIG_RECORDS = 100;
// 100 A records: about 1,660 bytes, above a 1,500-byte MTU; truncated at 512 bytes without EDNS0.
const bigAddresses = Array.from({ length: BIG_RECORDS }, (_, i) => `192.0.2.${i + 10}`);

export const SERVERS_ANSWER: DeclaredCase = {
  check: 'serversAnswer',
  what: 'queries to the DNS servers',
  from: 'every-node',
  objects: async (c) => {
    const { session } = await c.cluster();
    const kubernetes = (await session.clients.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec?.clusterIP ?? '';
    return { kubernetes: [kubernetes] };
  },
  questions: (world, facts) => {
    const name = serviceFqdn('kubernetes', 'default', world.domain);
    return (['udp', 'tcp'] as const).map((transport): Question => ({ name, type: 'A', transport, expected: DNS.addresses('A', [fact(facts, 'kubernetes')]) }));
  },
  whenAnswered: (bad) =>
    `CoreDNS answers kubernetes.default with ${rcodes(bad).join('/')}, not its ClusterIP: the kubernetes plugin cannot read Services (RBAC) or serves another zone`,
  budgetMs: 3000,
  note: (world) =>
    `${world.servers.length} server(s) (${world.servers.map((s) => `${s.name} ${s.ip}`).join(', ')}) answered over UDP and TCP from ${world.resolvers.length} node(s)`,
};

// The names a form makes glibc ask, in order, up to the one that must answer: the earlier ones must
// come back empty (NXDOMAIN or no A record) so the walk moves on.
export function searchQuestions(form: string, fqdn: string, ip: string, source: Resolver): Question[] {
  const candidates = searchCandidates(form, source.conf);
  const hit = candidates.indexOf(fqdn);
  const asked = hit === -1 ? candidates : candidates.slice(0, hit + 1);
  return asked.map((name, i): Question =>
    i === hit || (hit === -1 && i === asked.length - 1)
      ? { name, type: 'A', about: 'the Service', expected: DNS.addresses('A', [ip]) }
      : { name, type: 'A', about: 'an earlier search domain', expected: DNS.noRecords('A') },
  );
}

export const SEARCH_PATH: DeclaredCase = {
  check: 'searchPath',
  what: 'lookups along the search path',
  objects: async (c) => {
    const service = await createService(c, { name: 'dns-web', selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8089, targetPort: 8080 }] });
    return { ip: [clusterIP(service)] };
  },
  questions: (world, facts, source) => {
    const name = 'dns-web';
    const fqdn = serviceFqdn(name, world.namespace, world.domain);
    const forms = [name, `${name}.${world.namespace}`, `${name}.${world.namespace}.svc`, fqdn, `${fqdn}.`];
    const all = forms.flatMap((form) => searchQuestions(form, fqdn, fact(facts, 'ip'), source));
    return [...new Map(all.map((q) => [q.name, q])).values()];
  },
  whenAnswered: (bad) =>
    bad.some((o) => o.question.about === 'the Service')
      ? "the search path or ndots in the pods' resolv.conf does not lead to the Service (kubelet --cluster-domain differs from the CoreDNS kubernetes zone), or CoreDNS does not serve the namespace"
      : "a name earlier on the search path answers with an address, so lookups stop there: a search domain (from the node's resolv.conf) has a wildcard record",
  note: (world, facts, observations) =>
    `5 forms resolved to ${fact(facts, 'ip')} from ${world.resolvers.length} node(s), ${new Set(observations.map((o) => o.question.name)).size} distinct names asked along the search path`,
};

export const SRV: DeclaredCase = {
  check: 'srv',
  what: 'SRV queries',
  objects: async (c) => {
    await createService(c, {
      name: 'dns-srv',
      selector: c.run.fleet.selector,
      ports: [
        { name: 'http', port: 8089, targetPort: 8080, protocol: 'TCP' },
        { name: 'echo', port: 9011, targetPort: 'udp-echo', protocol: 'UDP' },
      ],
    });
    return {};
  },
  questions: (world) => {
    const fqdn = serviceFqdn('dns-srv', world.namespace, world.domain);
    return [
      { name: `_http._tcp.${fqdn}`, type: 'SRV', expected: DNS.srv(8089, [fqdn]) },
      { name: `_echo._udp.${fqdn}`, type: 'SRV', expected: DNS.srv(9011, [fqdn]) },
    ];
  },
  whenAnswered: () => 'CoreDNS does not serve SRV records for named Service ports (kubernetes plugin too old or misconfigured)',
  note: (world) => `_http._tcp -> 8089 and _echo._udp -> 9011 at ${serviceFqdn('dns-srv', world.namespace, world.domain)}`,
};

export const HEADLESS: DeclaredCase = {
  check: 'headless',
  what: 'headless lookups',
  objects: async (c) => {
    await createService(c, { name: 'dns-headless', headless: true, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
    const waited = await waitEndpoints(c, 'dns-headless', (endpoints) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length);
    return { ready: waited.value.filter((e) => e.ready).map((e) => e.address) };
  },
  questions: (world, facts) => {
    const fqdn = serviceFqdn('dns-headless', world.namespace, world.domain);
    const ready = facts.ready ?? [];
    // Pods without spec.hostname are named by their dashed IP under the Service.
    const podNames = ready.map((ip) => `${ip.replace(/[.:]/g, '-')}.${fqdn}`);
    return [
      { name: fqdn, type: 'A', expected: DNS.addresses('A', ready) },
      { name: `_http._tcp.${fqdn}`, type: 'SRV', expected: DNS.srv(8080, podNames) },
    ];
  },
  whenAnswered: () => 'CoreDNS does not serve headless records from EndpointSlices (kubernetes plugin misconfigured or lacking RBAC on endpointslices)',
  note: (world, facts) =>
    `${serviceFqdn('dns-headless', world.namespace, world.domain)} -> ${facts.ready?.length ?? 0} ready pod IPs (A) and SRV records, from ${world.resolvers.length} node(s)`,
};

export const HOSTNAME: DeclaredCase = {
  check: 'hostname',
  what: 'hostname lookups',
  objects: async (c, world) => {
    const role = 'dns-subdomain';
    const subdomain = 'dns-sub';
    await createService(c, {
      name: subdomain,
      headless: true,
      selector: { [ROLE_LABEL]: role, [RUN_ID_LABEL]: c.run.runId },
      ports: [{ name: 'http', port: 8080, targetPort: 8080 }],
    });
    const node = world.resolvers[0]?.agent.node ?? '';
    const pod = await createNamedPod(c, 'dns-named', node, 'dns-host', subdomain, role);
    const ip = pod.value.status?.podIP;
    if (!pod.ok || ip === undefined) {
      return c.fail(
        'error',
        `the pod dns-named with hostname dns-host did not become Ready on ${node} within ${Math.round(pod.elapsedMs / 1000)}s (phase ${pod.value.status?.phase ?? '?'})`,
        {
          evidence: [{ label: 'pod status', text: JSON.stringify(pod.value.status?.conditions ?? [], null, 1) }],
          likelyCause: 'the probe image could not start a second pod on this node (quota, image pull, scheduling): see the pod events',
        },
      );
    }
    await waitEndpoints(c, subdomain, (endpoints) => endpoints.some((e) => e.ready && e.address === ip));
    return { ip: [ip] };
  },
  questions: (world, facts) => {
    const fqdn = `dns-host.${serviceFqdn('dns-sub', world.namespace, world.domain)}`;
    return [{ name: fqdn, type: 'A', expected: DNS.addresses('A', [fact(facts, 'ip')]) }];
  },
  whenAnswered: () =>
    'the EndpointSlice does not carry the pod hostname (spec.subdomain must equal the headless Service name), or CoreDNS does not serve endpoint hostnames',
  note: (world, facts) => `dns-host.${serviceFqdn('dns-sub', world.namespace, world.domain)} -> ${fact(facts, 'ip')}`,
};

// "No reverse zone" only when the answers say so: NXDOMAIN or REFUSED for the reverse names, from every replica.
export function ptrExplanation(bad: readonly DnsObservation[], world: DnsWorld): string | undefined {
  const codes = rcodes(bad);
  const ranges = [...new Set(bad.map((o) => o.question.about ?? '?'))].sort();
  if (codes.every((code) => code === 'NXDOMAIN' || code === 'REFUSED') && fromEveryReplica(bad, world)) {
    return `CoreDNS serves no reverse zone for the ${ranges.join(' and ')} range${ranges.length === 1 ? '' : 's'}: every replica answers ${codes.join('/')} for ${bad[0]?.question.name ?? ''}; its kubernetes plugin lacks in-addr.arpa / ip6.arpa`;
  }
  if (codes.every((code) => code === 'NOERROR')) {
    return `the reverse names answer, but with other names than the Service's (${bad[0]?.line ?? ''}): the address belongs to another object, or CoreDNS's kubernetes plugin serves no pod records for headless Services`;
  }
  return undefined;
}

// Pods behind many Services have as many PTR records: the answer outgrows 512 bytes of UDP.
export const PTR_ALSO = 12;

export const PTR: DeclaredCase = {
  check: 'ptr',
  what: 'PTR queries',
  objects: async (c) => {
    const headless = (name: string) =>
      createService(c, { name, headless: true, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
    const also = Array.from({ length: PTR_ALSO }, (_, i) => `dns-ptr-also-${i}`);
    const [service] = await Promise.all([
      createService(c, { name: 'dns-ptr', selector: c.run.fleet.selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      headless('dns-ptr-pods'),
      ...also.map(headless),
    ]);
    const all = (endpoints: readonly { ready: boolean }[]) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length;
    const waited = await waitEndpoints(c, 'dns-ptr-pods', all);
    await waitEndpoints(c, also.at(-1) ?? 'dns-ptr-pods', all);
    return { clusterIP: [clusterIP(service)], pods: waited.value.filter((e) => e.ready).map((e) => e.address) };
  },
  questions: (world, facts) => [
    { name: reverseName(fact(facts, 'clusterIP')), type: 'PTR', about: 'Service', expected: DNS.ptr(serviceFqdn('dns-ptr', world.namespace, world.domain)) },
    // A pod without spec.hostname is named by its dashed IP under the headless Service.
    ...(facts.pods ?? []).map((ip): Question => ({
      name: reverseName(ip),
      type: 'PTR',
      about: 'pod',
      expected: DNS.ptr(`${ip.replace(/[.:]/g, '-')}.${serviceFqdn('dns-ptr-pods', world.namespace, world.domain)}`),
    })),
  ],
  whenAnswered: ptrExplanation,
  note: (_world, facts, observations) =>
    `PTR for ClusterIP ${fact(facts, 'clusterIP')} and ${facts.pods?.length ?? 0} pod IPs${observations.some((o) => o.result?.dns?.truncatedOverUdp !== undefined) ? ' (some truncated over UDP, complete over TCP)' : ''}`,
};

export const EXTERNAL_NAME: DeclaredCase = {
  check: 'externalName',
  what: 'ExternalName lookups',
  objects: async (c, world) => {
    await createExternalName(c, 'dns-alias', serviceFqdn('kubernetes', 'default', world.domain));
    return {};
  },
  questions: (world) => {
    const fqdn = serviceFqdn('dns-alias', world.namespace, world.domain);
    return [{ name: fqdn, type: 'A', expected: DNS.cname(serviceFqdn('kubernetes', 'default', world.domain)) }];
  },
  whenAnswered: () => 'CoreDNS does not serve ExternalName Services as CNAMEs',
  note: (world) => `${serviceFqdn('dns-alias', world.namespace, world.domain)} -> CNAME ${serviceFqdn('kubernetes', 'default', world.domain)}`,
};

export const NXDOMAIN: DeclaredCase = {
  check: 'nxdomain',
  what: 'lookups of a missing name',
  questions: (world) => {
    const missing = serviceFqdn('no-such-service-shakedown', world.namespace, world.domain);
    return [{ name: missing, type: 'A', expected: DNS.nxdomain(500) }];
  },
  whenAnswered: (bad) =>
    `CoreDNS answers names in its own zone with ${rcodes(bad).join('/')} or slowly: the kubernetes plugin is not authoritative for the cluster domain, or it forwards them (fallthrough)`,
  budgetMs: 3000,
  note: (world, _facts, observations) =>
    `no-such-service-shakedown.${world.namespace}.svc.${world.domain} -> NXDOMAIN, slowest ${Math.round(Math.max(...observations.map((o) => o.result?.ms ?? 0)))}ms`,
};

// The external name is asked beside a cluster name, of the same servers from the same pods: when
// the cluster name resolves and the external one does not, cluster DNS works and the upstream
// (CoreDNS's forward target) is what fails. Forward targets that are addresses are asked directly
// from a probe pod, so the finding says whether the upstream answers pods at all.
export const UPSTREAM: DeclaredCase = {
  check: 'upstream',
  what: 'lookups of the external name',
  skip: (c) =>
    externalName(suiteOptions(c.run, manifest).externalName, c.run.kube.context) === undefined
      ? 'the cluster has no upstream DNS (--dns-external-name none)'
      : undefined,
  objects: async (c, world) => upstreamFacts(c, world, externalName(suiteOptions(c.run, manifest).externalName, c.run.kube.context) ?? ''),
  questions: (world, facts) => [
    { name: fact(facts, 'external'), type: 'A', about: 'external', expected: DNS.resolves() },
    { name: serviceFqdn('kubernetes', 'default', world.domain), type: 'A', about: 'control', expected: DNS.resolves() },
  ],
  whenAnswered: (bad, world, facts) =>
    !onlyExternal(bad)
      ? undefined
      : rcodes(bad).every((code) => code === 'NXDOMAIN')
        ? 'the upstream says the external name does not exist: set --dns-external-name to a name your upstream knows, or none'
        : upstreamCause(`CoreDNS answers ${rcodes(bad).join('/')} for ${fact(facts, 'external')}`, world, facts),
  whenUnanswered: (bad, world, facts) =>
    onlyExternal(bad)
      ? upstreamCause(`${fact(facts, 'external')} gets no answer (${[...new Set(bad.map((o) => o.result?.outcome ?? '?'))].join('/')})`, world, facts)
      : undefined,
  budgetMs: 5000,
  note: (world, facts) => `${fact(facts, 'external')} resolved from ${world.resolvers.length} node(s) through ${world.servers.length} server(s)`,
};

const onlyExternal = (bad: readonly DnsObservation[]) => bad.every((o) => o.question.about === 'external');

function upstreamCause(seen: string, world: DnsWorld, facts: Facts): string {
  const control = serviceFqdn('kubernetes', 'default', world.domain);
  const forwards = facts.forward ?? [];
  const replicaNodes = [...new Set(replicas(world).map((r) => r.node ?? '?'))].sort().join(', ');
  const targets =
    forwards.length === 0
      ? 'the Corefile could not be read, so its forward target is unknown'
      : `the Corefile forwards ${forwards.map((f) => `"${f}"`).join(', ')}${forwards.some((f) => f.includes('/etc/resolv.conf')) ? ` (/etc/resolv.conf: the resolver of the nodes CoreDNS runs on, ${replicaNodes || '?'}; ask it from one of them: dig @<its nameserver> ${fact(facts, 'external')})` : ''}`;
  const probed = facts.upstream === undefined || facts.upstream.length === 0 ? '' : `; asked directly from a probe pod: ${facts.upstream.join('; ')}`;
  return `cluster DNS works (${control} resolves through the same servers from every node) but ${seen}: CoreDNS's upstream does not answer; ${targets}${probed}`;
}

// The external name, CoreDNS's forward targets, and what each address among them answers a probe pod.
async function upstreamFacts(c: CheckContext, world: DnsWorld, external: string): Promise<Facts> {
  const name = external.replace(/\.$/, '');
  const { session, transport } = await c.cluster();
  const corefile = await session.clients.core.readNamespacedConfigMap({ namespace: DNS_NAMESPACE, name: 'coredns' }).then(
    (map) => map.data?.Corefile,
    () => undefined,
  );
  const forward = corefile === undefined ? [] : parseCorefile(corefile).forwards;
  const addresses = [
    ...new Set(
      forward
        .flatMap((f) => f.split(/\s+/).slice(1))
        .map(upstreamAddress)
        .filter((a) => a !== undefined),
    ),
  ];
  const agent = world.resolvers[0]?.agent;
  if (agent === undefined || addresses.length === 0) return { external: [name], forward };
  const asked = await transport
    .probe(
      agent,
      addresses.map((a) => dnsQuery(a.host, name, 'A', c.run.timeouts.probeMs, 'udp', `${a.host}`)),
      { signal: c.signal },
    )
    .catch(() => undefined);
  const upstream = (asked?.results ?? []).map(
    (r) =>
      `${r.id}: ${r.outcome === 'ok' ? `answers (${Math.round(r.ms)} ms), so the upstream serves pods but not CoreDNS's queries (its egress from the CoreDNS pods, or an ACL on the upstream)` : `${r.outcome} (${r.detail}), so the upstream itself is down or unreachable from the pod network`}`,
  );
  return { external: [name], forward, upstream };
}

// "10.0.0.2", "10.0.0.2:53", "dns://10.0.0.2": an IPv4 address to ask; tls:// and names are not asked.
export function upstreamAddress(target: string): { host: string } | undefined {
  const match = /^(?:dns:\/\/)?(\d{1,3}(?:\.\d{1,3}){3})(?::53)?$/.exec(target);
  return match?.[1] === undefined ? undefined : { host: match[1] };
}

export const TRUNCATION: DeclaredCase = {
  check: 'truncation',
  what: 'small and large queries',
  objects: async (c) => {
    await createStaticHeadless(c, 'dns-big', bigAddresses);
    return {};
  },
  questions: (world) => {
    const small = serviceFqdn('kubernetes', 'default', world.domain);
    const big = serviceFqdn('dns-big', world.namespace, world.domain);
    const count = DNS.count('A', BIG_RECORDS);
    return [
      { name: small, type: 'A', transport: 'udp', expected: DNS.resolves() },
      { name: small, type: 'A', transport: 'tcp', expected: DNS.resolves() },
      // The TC answer itself is small: it proves the server truncates, not that large answers travel.
      { name: big, type: 'A', transport: 'udp', tcpOnTruncation: false, about: 'truncation', expected: DNS.truncated() },
      { name: big, type: 'A', transport: 'udp', tcpOnTruncation: false, udpSize: 4096, payload: 'large', expected: count },
      { name: big, type: 'A', transport: 'tcp', payload: 'large', expected: count },
    ];
  },
  whenAnswered: (bad) =>
    bad.every((o) => o.question.about === 'truncation')
      ? 'CoreDNS returned a large answer over UDP without the TC flag (an oversized UDP answer is dropped by many paths)'
      : `CoreDNS answers the ${BIG_RECORDS}-record name incompletely (${rcodes(bad).join('/')}): its bufsize plugin caps answers, or the EndpointSlice was not read`,
  note: (_world, _facts, observations) => {
    const sizes = observations.filter((o) => o.question.payload === 'large').map((o) => o.result?.dns?.size ?? 0);
    return `small answers over UDP and TCP; ${BIG_RECORDS} A records truncated at 512 bytes, and whole over UDP with EDNS0 and over TCP (${Math.max(0, ...sizes)} bytes) from ${new Set(observations.map((o) => o.source.node)).size} node(s)`;
  },
};

// The canary before the load: the cluster DNS answers at all, from every node, at every server.
export const CANARY: DnsCase = {
  what: 'lookups before the burst',
  from: 'every-node',
  questions: (world) => {
    const name = serviceFqdn('kubernetes', 'default', world.domain);
    return [{ name, type: 'A', expected: DNS.resolves() }];
  },
  budgetMs: 3000,
  note: () => 'the cluster DNS answers',
};

export const CASES: readonly DeclaredCase[] = [SEARCH_PATH, SERVERS_ANSWER, SRV, HEADLESS, HOSTNAME, PTR, EXTERNAL_NAME, NXDOMAIN, UPSTREAM, TRUNCATION];
