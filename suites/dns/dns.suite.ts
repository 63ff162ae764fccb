// CoreDNS: cluster names through the pods' own resolver (search path and ndots as resolv.conf says),
// directly at the DNS Service and at every CoreDNS replica; SRV for named ports, headless records,
// PTR, ExternalName, fast NXDOMAIN, the upstream, truncation and the retry over TCP; a bounded load
// with p50/p99 and the 5 s conntrack race; CoreDNS's own health and Corefile. The cluster domain is
// read from the pods' search path, never assumed. Every failure shows the question, the server
// asked, the rcode or timeout and the answer; when CoreDNS itself is down, it is named as the cause.
import type { DnsQueryType, ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import { check, defineSuite, group, type CheckContext } from '../../helpers/engine/check.ts';
import { ROLE_LABEL } from '../../helpers/fleet/manifests.ts';
import { RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { DEFAULT_LATENCY_BUDGET, CONNTRACK_RACE, judgeLatency, latencyStats } from './dns-latency.ts';
import { DNS_NAMESPACE, corefileProblems, diagnose, endpointProblems, parseCorefile, readCoreDns, coreDnsEvidence } from './dns-coredns.ts';
import { ndotsOf, reverseName, searchCandidates, serviceFqdn } from './dns-names.ts';
import { answersOf, dnsQuery, firstAnswered, judgeDns, type DnsExpectation } from './dns-records.ts';
import { createExternalName, createNamedPod, createStaticHeadless, dnsSetting, externalName, failDns, lookupPairs, type Resolver } from './dns.ts';
import { clusterIP, createService, probeUntil, waitEndpoints } from '../lib/services.ts';

interface Asked {
  resolver: Resolver;
  query: ProbeTarget & { kind: 'dns' };
  expected: DnsExpectation;
}

// Asks every question from its resolver's pod until all hold (CoreDNS may take a moment to see a
// new object) and returns one verdict line per question.
async function ask(c: CheckContext, asked: readonly Asked[], budgetMs?: number): Promise<{ ok: boolean; line: string; result: ProbeResult | undefined; asked: Asked }[]> {
  const byAgent = Map.groupBy(asked, (a) => a.resolver.agent.name);
  const verdicts = await Promise.all(
    [...byAgent.values()].map(async (group) => {
      const first = group[0];
      if (first === undefined) return [];
      const accept = (results: ProbeResult[]) => results.every((r, i) => group[i] !== undefined && judgeDns(group[i].query, group[i].expected, r).ok);
      const probed = await probeUntil(c, first.resolver.agent, group.map((a) => a.query), accept, budgetMs);
      return group.map((a, i) => ({ ...judgeDns(a.query, a.expected, probed.value[i]), result: probed.value[i], asked: a }));
    }),
  );
  return verdicts.flat();
}

const classifyDns = (results: readonly (ProbeResult | undefined)[]) => {
  const failed = results.find((r) => r?.outcome !== 'ok');
  if (failed === undefined) return 'mismatch' as const;
  return failed.outcome === 'timeout' ? ('timeout' as const) : ('dns-error' as const);
};

async function failVerdicts(c: CheckContext, what: string, verdicts: readonly { ok: boolean; line: string; result: ProbeResult | undefined }[], resolvers: readonly Resolver[], likelyCause: string, server?: string): Promise<void> {
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length === 0) return;
  await failDns(c, classifyDns(bad.map((v) => v.result)), `${bad.length} of ${verdicts.length} ${what} failed: ${bad[0]?.line ?? ''}`, verdicts.map((v) => `${v.ok ? 'ok  ' : 'FAIL'} ${v.line}`), {
    resolvers,
    likelyCause,
    ...(server === undefined ? {} : { server }),
  });
}

const TIMEOUT = (c: CheckContext) => c.run.timeouts.probeMs;

defineSuite('CoreDNS: cluster names, search paths, records, upstream, truncation, load and health', () => {
  check('CoreDNS replicas are ready and behind the DNS Service', { description: 'every CoreDNS pod is Ready and the cluster DNS Service\'s endpoints are exactly the ready replicas' }, async (c) => {
    const { resolvers } = await dnsSetting(c);
    const server = resolvers[0]?.server;
    const { session } = await c.cluster();
    const state = await readCoreDns(session.clients, server);
    const evidence = coreDnsEvidence(state);
    const down = diagnose(state, server);
    if (down !== undefined) c.fail('dns-error', `CoreDNS is not serving: ${down.split(':')[0]}`, { evidence, likelyCause: down, reproduce: `kubectl -n ${DNS_NAMESPACE} get deploy,pods,endpointslices -l k8s-app=kube-dns -o wide` });
    const notReady = state.pods.filter((p) => !p.ready);
    const problems = [...notReady.map((p) => `CoreDNS pod ${p.name} on ${p.node} is not Ready (${p.phase})`), ...endpointProblems(state), ...state.errors];
    if (state.service?.clusterIP !== server) problems.push(`the pods' nameserver ${server} is not the ClusterIP of ${DNS_NAMESPACE}/${state.service?.name ?? 'kube-dns'} (${state.service?.clusterIP ?? '?'})`);
    if (problems.length > 0) {
      c.fail(notReady.length > 0 ? 'dns-error' : 'mismatch', `expected every CoreDNS replica ready and behind the DNS Service: ${problems[0]}`, {
        evidence: [{ label: 'problems', text: problems.join('\n') }, ...evidence],
        likelyCause: notReady.length > 0 ? 'a CoreDNS replica fails its readiness probe (see its logs: upstream unreachable, loop detected, RBAC on the API)' : 'the DNS Service selector or EndpointSlices do not match the CoreDNS pods',
      });
    }
    c.note(`${state.pods.length}/${state.pods.length} CoreDNS replicas ready, ${DNS_NAMESPACE}/${state.service?.name} ${server} -> ${state.pods.map((p) => p.ip).join(', ')}`);
  });

  check('the Corefile serves the cluster domain, forwards and detects loops', { description: 'the coredns ConfigMap, when readable, has the kubernetes plugin for the discovered cluster domain, a forward and loop detection' }, async (c) => {
    const { domain, domainSource } = await dnsSetting(c);
    const { session } = await c.cluster();
    let text: string | undefined;
    try {
      text = (await session.clients.core.readNamespacedConfigMap({ namespace: DNS_NAMESPACE, name: 'coredns' })).data?.Corefile;
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === 403) return c.skip(`not permitted to read ConfigMap ${DNS_NAMESPACE}/coredns`);
      if (code === 404) return c.skip(`no ConfigMap ${DNS_NAMESPACE}/coredns: the cluster DNS is not a kubeadm-style CoreDNS, its Corefile lives elsewhere`);
      throw error;
    }
    if (text === undefined) return c.skip(`ConfigMap ${DNS_NAMESPACE}/coredns has no Corefile key`);
    const problems = corefileProblems(parseCorefile(text), domain);
    if (problems.length > 0) {
      c.fail('mismatch', `the Corefile lacks ${problems.length} essential(s): ${problems[0]}`, {
        evidence: [{ label: 'missing', text: problems.join('\n') }, { label: `Corefile (cluster domain ${domain} from ${domainSource})`, text }],
        likelyCause: problems.join('; '),
      });
    }
    c.note(`kubernetes ${domain}, forward and loop present (domain from ${domainSource})`);
  });

  check('Service names resolve through the search path', { description: 'short name, name.ns, name.ns.svc and the FQDN resolve to the ClusterIP through each pod\'s resolv.conf, asking the names its search path and ndots dictate, in order' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const name = 'dns-web';
    const ns = c.run.namespace;
    const service = await createService(c, { name, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8089, targetPort: 8080 }] });
    const fqdn = serviceFqdn(name, ns, domain);
    const forms = [name, `${name}.${ns}`, `${name}.${ns}.svc`, fqdn, `${fqdn}.`];
    const asked = resolvers.flatMap((resolver) =>
      forms.flatMap((form) => searchCandidates(form, resolver.conf).map((candidate) => ({ resolver, form, query: dnsQuery(resolver.server, candidate, 'A', TIMEOUT(c)) }))),
    );
    const problems: string[] = [];
    const summary: string[] = [];
    await Promise.all(
      resolvers.map(async (resolver) => {
        const mine = asked.filter((a) => a.resolver === resolver);
        const walk = (results: ProbeResult[]) =>
          forms.map((form) => {
            const indexes = mine.map((a, i) => (a.form === form ? i : -1)).filter((i) => i >= 0);
            const candidates = indexes.map((i) => mine[i]?.query.name ?? '');
            const hit = firstAnswered(candidates, indexes.map((i) => results[i]), 'A');
            const result = hit === undefined ? undefined : results[indexes[hit.index] ?? -1];
            return { form, candidates, hit, addresses: answersOf(result, 'A'), results: indexes.map((i) => results[i]) };
          });
        const good = (w: ReturnType<typeof walk>[number]) => w.hit?.name === fqdn && w.addresses.includes(clusterIP(service));
        const probed = await probeUntil(c, resolver.agent, mine.map((a) => a.query), (results) => walk(results).every(good));
        for (const w of walk(probed.value)) {
          if (good(w)) summary.push(`${w.form}: ${w.hit === undefined ? 0 : w.hit.index + 1} quer${w.hit?.index === 0 ? 'y' : 'ies'}`);
          else {
            const asks = w.candidates.map((cand, i) => `${cand} -> ${w.results[i]?.dns?.rcode ?? w.results[i]?.outcome ?? '?'}`).join('; ');
            problems.push(`${resolver.agent.name} "${w.form}" (ndots ${ndotsOf(resolver.conf)}): expected ${fqdn} A ${clusterIP(service)}, saw ${w.hit === undefined ? 'no candidate answered' : `${w.hit.name} A ${w.addresses.join(', ')}`} [asked ${asks}]`);
          }
        }
      }),
    );
    if (problems.length > 0) {
      await failDns(c, 'dns-error', `${problems.length} name form(s) did not resolve through the search path: ${problems[0]}`, problems, {
        resolvers,
        likelyCause: 'the search path or ndots in the pods\' resolv.conf does not lead to the Service (kubelet --cluster-domain differs from the CoreDNS kubernetes zone), or CoreDNS does not serve the namespace',
      });
    }
    c.note(`${forms.length} forms resolved to ${clusterIP(service)} from ${resolvers.length} pod(s); ${[...new Set(summary)].join(', ')}`);
  });

  check('the DNS Service and every CoreDNS replica answer', { description: 'kubernetes.default.svc.<domain> A, over UDP and TCP, asked directly at the DNS Service ClusterIP and at each CoreDNS pod, from every node' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const { session } = await c.cluster();
    const kubernetes = (await session.clients.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec?.clusterIP ?? '';
    const state = await readCoreDns(session.clients, resolvers[0]?.server);
    const servers = [...new Set([...resolvers.map((r) => r.server), ...state.pods.filter((p) => p.ip !== '').map((p) => p.ip)])];
    const name = serviceFqdn('kubernetes', 'default', domain);
    const asked = resolvers.flatMap((resolver) =>
      servers.flatMap((server) => (['udp', 'tcp'] as const).map((transport) => ({ resolver, query: dnsQuery(server, name, 'A', TIMEOUT(c), transport), expected: { name, kind: 'addresses', type: 'A', addresses: [kubernetes] } as const }))),
    );
    const verdicts = await ask(c, asked, 3000);
    const badServers = [...new Set(verdicts.filter((v) => !v.ok).map((v) => v.asked.query.server))];
    await failVerdicts(c, 'queries to the DNS servers', verdicts, resolvers, `${badServers.join(', ')} did not answer correctly: a CoreDNS replica that is down or cannot reach the API (see its logs), or a NetworkPolicy/firewall blocking port 53 to it`);
    c.note(`${servers.length} server(s) (${servers.join(', ')}) answered ${name} over UDP and TCP from ${resolvers.length} node(s)`);
  });

  check('SRV records for named ports', { description: '_http._tcp and _echo._udp of a Service name its port and the Service FQDN' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const name = 'dns-srv';
    await createService(c, {
      name,
      selector: c.run.fleet.selector,
      ports: [
        { name: 'http', port: 8089, targetPort: 8080, protocol: 'TCP' },
        { name: 'echo', port: 9011, targetPort: 'udp-echo', protocol: 'UDP' },
      ],
    });
    const fqdn = serviceFqdn(name, c.run.namespace, domain);
    const resolver = resolvers[0] as Resolver;
    const asked: Asked[] = [
      { resolver, query: dnsQuery(resolver.server, `_http._tcp.${fqdn}`, 'SRV', TIMEOUT(c)), expected: { name: fqdn, kind: 'srv', port: 8089, targets: [fqdn] } },
      { resolver, query: dnsQuery(resolver.server, `_echo._udp.${fqdn}`, 'SRV', TIMEOUT(c)), expected: { name: fqdn, kind: 'srv', port: 9011, targets: [fqdn] } },
    ];
    const verdicts = await ask(c, asked);
    await failVerdicts(c, 'SRV queries', verdicts, resolvers, 'CoreDNS does not serve SRV records for named Service ports (kubernetes plugin too old or misconfigured)');
    c.note(`_http._tcp -> 8089 and _echo._udp -> 9011 at ${fqdn}`);
  });

  check('a headless Service resolves to its ready pod IPs', { description: 'A records of a headless Service are exactly the IPs of its ready pods; SRV names one record per pod' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const name = 'dns-headless';
    await createService(c, { name, headless: true, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
    const waited = await waitEndpoints(c, name, (endpoints) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length);
    const ready = waited.value.filter((e) => e.ready).map((e) => e.address);
    const fqdn = serviceFqdn(name, c.run.namespace, domain);
    // Pods without spec.hostname are named by their dashed IP under the Service.
    const podNames = ready.map((ip) => `${ip.replace(/[.:]/g, '-')}.${fqdn}`);
    const asked = resolvers.flatMap((resolver): Asked[] => [
      { resolver, query: dnsQuery(resolver.server, fqdn, 'A', TIMEOUT(c)), expected: { name: fqdn, kind: 'addresses', type: 'A', addresses: ready } },
      { resolver, query: dnsQuery(resolver.server, `_http._tcp.${fqdn}`, 'SRV', TIMEOUT(c)), expected: { name: fqdn, kind: 'srv', port: 8080, targets: podNames } },
    ]);
    const verdicts = await ask(c, asked);
    await failVerdicts(c, 'headless lookups', verdicts, resolvers, 'CoreDNS does not serve headless records from EndpointSlices (kubernetes plugin misconfigured or lacking RBAC on endpointslices)');
    c.note(`${fqdn} -> ${ready.length} ready pod IPs (A) and ${ready.length} SRV records from ${resolvers.length} node(s)`);
  });

  check('a pod\'s hostname and subdomain resolve', { description: 'a pod with spec.hostname and spec.subdomain, under a headless Service of that name, resolves as hostname.subdomain.ns.svc.<domain> to its IP' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const resolver = resolvers[0] as Resolver;
    const role = 'dns-subdomain';
    const subdomain = 'dns-sub';
    await createService(c, { name: subdomain, headless: true, selector: { [ROLE_LABEL]: role, [RUN_ID_LABEL]: c.run.runId }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] });
    const pod = await createNamedPod(c, 'dns-named', resolver.agent.node, 'dns-host', subdomain, role);
    const ip = pod.value.status?.podIP;
    if (!pod.ok || ip === undefined) {
      return c.fail('error', `the pod dns-named with hostname dns-host did not become Ready within ${Math.round(pod.elapsedMs / 1000)}s (phase ${pod.value.status?.phase ?? '?'})`, {
        evidence: [{ label: 'pod status', text: JSON.stringify(pod.value.status?.conditions ?? [], null, 1) }],
        likelyCause: 'the probe image could not start a second pod on this node (quota, image pull, scheduling): see the pod events',
      });
    }
    await waitEndpoints(c, subdomain, (endpoints) => endpoints.some((e) => e.ready && e.address === ip));
    const fqdn = `dns-host.${serviceFqdn(subdomain, c.run.namespace, domain)}`;
    const verdicts = await ask(c, [{ resolver, query: dnsQuery(resolver.server, fqdn, 'A', TIMEOUT(c)), expected: { name: fqdn, kind: 'addresses', type: 'A', addresses: [ip] } }]);
    await failVerdicts(c, 'hostname lookups', verdicts, resolvers, 'the EndpointSlice does not carry the pod hostname (spec.subdomain must equal the headless Service name), or CoreDNS does not serve endpoint hostnames');
    c.note(`${fqdn} -> ${ip}`);
  });

  check('PTR for a ClusterIP and for pod IPs', { description: 'the reverse of a ClusterIP names the Service; the reverse of each pod IP behind a headless Service names the pod under it' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const ns = c.run.namespace;
    const [service] = await Promise.all([
      createService(c, { name: 'dns-ptr', selector: c.run.fleet.selector, ports: [{ name: 'http', port: 80, targetPort: 8080 }] }),
      createService(c, { name: 'dns-ptr-pods', headless: true, selector: c.run.fleet.selector, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] }),
    ]);
    await waitEndpoints(c, 'dns-ptr-pods', (endpoints) => endpoints.filter((e) => e.ready).length === c.run.fleet.agents.length);
    const resolver = resolvers[0] as Resolver;
    const asked: Asked[] = [
      { resolver, query: dnsQuery(resolver.server, reverseName(clusterIP(service)), 'PTR', TIMEOUT(c)), expected: { name: 'dns-ptr', kind: 'ptr', ends: serviceFqdn('dns-ptr', ns, domain) } },
      ...c.run.fleet.agents.map((agent): Asked => ({ resolver, query: dnsQuery(resolver.server, reverseName(agent.podIP), 'PTR', TIMEOUT(c)), expected: { name: agent.name, kind: 'ptr', ends: serviceFqdn('dns-ptr-pods', ns, domain) } })),
    ];
    const verdicts = await ask(c, asked);
    await failVerdicts(c, 'PTR queries', verdicts, resolvers, 'CoreDNS serves no reverse zone for the service or pod ranges: its kubernetes plugin lacks in-addr.arpa / ip6.arpa');
    c.note(`PTR for ClusterIP ${clusterIP(service)} and ${c.run.fleet.agents.length} pod IPs`);
  });

  check('an ExternalName Service answers with a CNAME', { description: 'a Service of type ExternalName resolves to a CNAME of its externalName' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const target = serviceFqdn('kubernetes', 'default', domain);
    await createExternalName(c, 'dns-alias', target);
    const fqdn = serviceFqdn('dns-alias', c.run.namespace, domain);
    const resolver = resolvers[0] as Resolver;
    const verdicts = await ask(c, [{ resolver, query: dnsQuery(resolver.server, fqdn, 'A', TIMEOUT(c)), expected: { name: fqdn, kind: 'cname', target } }]);
    await failVerdicts(c, 'ExternalName lookups', verdicts, resolvers, 'CoreDNS does not serve ExternalName Services as CNAMEs');
    c.note(`${fqdn} -> CNAME ${target}`);
  });

  check('a name that does not exist is NXDOMAIN, quickly', { description: 'a missing cluster name answers NXDOMAIN within 500ms from every node, not SERVFAIL or a timeout' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const missing = serviceFqdn(`no-such-service-${c.run.runId.slice(-6)}`, c.run.namespace, domain);
    const asked = resolvers.map((resolver): Asked => ({ resolver, query: dnsQuery(resolver.server, missing, 'A', TIMEOUT(c)), expected: { name: missing, kind: 'nxdomain', withinMs: 500 } }));
    const verdicts = await ask(c, asked);
    await failVerdicts(c, 'lookups of a missing name', verdicts, resolvers, 'CoreDNS answers slowly or not at all for names in its own zone: the kubernetes plugin is not authoritative for the cluster domain, or it forwards them (fallthrough)');
    c.note(`${missing} -> NXDOMAIN in ${verdicts.map((v) => Math.round(v.result?.ms ?? 0)).join('/')}ms`);
  });

  check('a name outside the cluster resolves through the upstream', { description: 'the configured external name (--dns-external-name) resolves from the pods, through CoreDNS\'s forward' }, async (c) => {
    const external = externalName(c.run.checks.dnsExternalName, c.run.kube.context);
    if (external === undefined) return c.skip('the cluster has no upstream DNS (--dns-external-name none)');
    const { resolvers } = await dnsSetting(c);
    const asked = resolvers.map((resolver): Asked => ({ resolver, query: dnsQuery(resolver.server, external.replace(/\.$/, ''), 'A', TIMEOUT(c)), expected: { name: external, kind: 'resolves' } }));
    const verdicts = await ask(c, asked, 5000);
    await failVerdicts(c, 'lookups of the external name', verdicts, resolvers, `CoreDNS cannot reach its upstream (the forward target: the node's resolv.conf or the servers in the Corefile), or ${external} does not exist there; set --dns-external-name to a name your upstream knows, or none`);
    const addresses = [...new Set(verdicts.flatMap((v) => [...answersOf(v.result, 'A'), ...answersOf(v.result, 'CNAME')]))];
    c.note(`${external} -> ${addresses.join(', ')} from ${resolvers.length} node(s)`);
  });

  check('a response too large for UDP is truncated, and complete over TCP', { description: 'a headless Service with 40 endpoints answers over UDP with TC set, and over TCP with all 40 A records' }, async (c) => {
    const { resolvers, domain } = await dnsSetting(c);
    const name = 'dns-big';
    const addresses = Array.from({ length: 40 }, (_, i) => `192.0.2.${i + 10}`);
    await createStaticHeadless(c, name, addresses);
    const fqdn = serviceFqdn(name, c.run.namespace, domain);
    const resolver = resolvers[0] as Resolver;
    const asked: Asked[] = [
      { resolver, query: dnsQuery(resolver.server, fqdn, 'A', TIMEOUT(c), 'udp'), expected: { name: fqdn, kind: 'truncated' } },
      { resolver, query: dnsQuery(resolver.server, fqdn, 'A', TIMEOUT(c), 'tcp'), expected: { name: fqdn, kind: 'count', type: 'A', atLeast: addresses.length } },
    ];
    const verdicts = await ask(c, asked);
    const tcpFailed = verdicts[1]?.ok === false;
    await failVerdicts(
      c,
      'truncation queries',
      verdicts,
      resolvers,
      tcpFailed ? 'DNS over TCP does not reach CoreDNS (the DNS Service lacks 53/TCP, or a NetworkPolicy/firewall allows only UDP): large answers fail for every client' : 'CoreDNS returned a large answer over UDP without the TC flag (an oversized UDP answer is dropped by many paths)',
    );
    c.note(`UDP: ${verdicts[0]?.result?.dns?.answers.length ?? 0} answers with TC; TCP: ${verdicts[1]?.result?.dns?.answers.length ?? 0} A records`);
  });

  // The load check runs after the others so it does not slow their lookups.
  group('load', { sequential: true }, () => {
    check('a short burst of lookups: latency, errors and the 5 s race', { description: 'by default 500 queries (parallel A and AAAA as glibc sends them) from every probe pod; p50, p99 and the error rate judged, lookups near 5 s flagged', timeoutMs: 120_000 }, async (c) => {
      const { resolvers, domain } = await dnsSetting(c);
      const { transport } = await c.cluster();
      const total = c.run.checks.dnsQueries;
      const names = [serviceFqdn('kubernetes', 'default', domain), serviceFqdn('kube-dns', DNS_NAMESPACE, domain)];
      // One lookup first: when the server does not answer at all there is no latency to measure.
      const canary = await ask(c, resolvers.map((resolver): Asked => ({ resolver, query: dnsQuery(resolver.server, names[0] ?? '', 'A', TIMEOUT(c)), expected: { name: names[0] ?? '', kind: 'resolves' } })), 3000);
      await failVerdicts(c, 'lookups before the burst', canary, resolvers, 'the cluster DNS does not answer at all, so its latency cannot be measured');
      // Every probe pod takes a share; pods of one cluster share the nameserver of the first.
      const agents = c.run.fleet.agents;
      const server = (resolvers[0] as Resolver).server;
      // Lookups (A + AAAA pairs) shared out so that exactly `total` queries are sent (rounded up to even).
      const lookups = Math.ceil(total / 2);
      const share = (i: number) => Math.floor(lookups / agents.length) + (i < lookups % agents.length ? 1 : 0);
      const results: ProbeResult[] = [];
      const perNode: string[] = [];
      await Promise.all(
        agents.map(async (agent, index) => {
          if (share(index) === 0) return;
          const targets = lookupPairs(names, share(index)).map(({ name, type }, i) => dnsQuery(server, name, type as DnsQueryType, 5000, 'udp', `#${i} ${type} ${name}`));
          const response = await transport.probe(agent, targets, { concurrency: 16, signal: c.signal });
          results.push(...response.results);
          perNode.push(`${agent.name} on ${agent.node}: ${judgeLatency(latencyStats(response.results)).summary}`);
        }),
      );
      const stats = latencyStats(results);
      const verdict = judgeLatency(stats);
      c.evidence('per pod', perNode.join('\n'));
      c.log(verdict.summary);
      if (!verdict.ok) {
        const slow = results.filter((r) => r.outcome !== 'ok' || r.ms >= DEFAULT_LATENCY_BUDGET.slowMs).slice(0, 10);
        await failDns(c, verdict.conntrackRace ? 'timeout' : stats.errors > 0 ? 'dns-error' : 'mismatch', `DNS under a burst of ${stats.queries} queries: ${verdict.problems[0]}`, [
          ...verdict.problems,
          verdict.summary,
          ...slow.map((r) => `${r.id} @${server}: ${r.outcome} after ${Math.round(r.ms)}ms (${r.detail})`),
        ], {
          resolvers,
          likelyCause: verdict.conntrackRace ? CONNTRACK_RACE : stats.errors > 0 ? 'CoreDNS is overloaded or its upstream fails (SERVFAIL): too few replicas, CPU limits, or a slow forward target' : 'CoreDNS answers slowly under load: too few replicas, CPU throttling, or no cache plugin',
          evidence: [{ label: 'per pod', text: perNode.join('\n') }],
        });
      }
      c.note(verdict.summary);
    });
  });
});
