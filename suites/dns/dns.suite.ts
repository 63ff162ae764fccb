// CoreDNS: cluster names through the pods' own resolver (search path and ndots as resolv.conf says),
// directly at the DNS Service and at every CoreDNS replica; SRV for named ports, headless records,
// PTR, ExternalName, fast NXDOMAIN, the upstream, truncation and the retry over TCP; a bounded load
// with p50/p99 and the 5 s conntrack race; CoreDNS's own health and Corefile. The cluster domain is
// read from the pods' search path, never assumed. Every failure shows the question, the server
// asked, the rcode or timeout and the answer, and names the one origin the failures share (a node,
// a replica, TCP, large answers; dns-origin.ts); when CoreDNS itself is down, it is the cause.
import type { DnsQueryType, ProbeResult } from '../../agent/protocol.ts';
import { check, defineSuite, group } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import type { Origin } from '../../helpers/result.ts';
import manifest from './manifest.ts';
import { CANARY, CASES } from './dns-cases.ts';
import { DEFAULT_LATENCY_BUDGET, CONNTRACK_RACE, burstOrigin, judgeLatency, latencyStats, latencyTable } from './dns-latency.ts';
import { DNS_NAMESPACE, corefileProblems, diagnose, endpointProblems, parseCorefile, readCoreDns, coreDnsEvidence } from './dns-coredns.ts';
import { serviceFqdn } from './dns-names.ts';
import { COREDNS_COMPONENT } from './dns-origin.ts';
import { dnsQuery } from './dns-records.ts';
import { askCase, dnsWorld, failFinding, runCase } from './dns-run.ts';
import { dnsSetting, lookupPairs } from './dns.ts';

const coreDnsDown = (state: Parameters<typeof diagnose>[0]) => {
  const down = diagnose(state, state.service?.clusterIP);
  return down === undefined ? {} : { coreDnsDown: down };
};

defineSuite(manifest, () => {
  check(manifest.check.replicasReady, async (c) => {
    const { resolvers } = await dnsSetting(c);
    const server = resolvers[0]?.server;
    const { session } = await c.cluster();
    const state = await readCoreDns(session.clients, server);
    const evidence = coreDnsEvidence(state);
    const down = diagnose(state, server);
    const reproduce = `kubectl -n ${DNS_NAMESPACE} get deploy,pods,endpointslices -l k8s-app=kube-dns -o wide`;
    if (down !== undefined)
      c.fail('dns-error', `CoreDNS is not serving: ${down.split(':')[0]}`, {
        evidence,
        likelyCause: down,
        reproduce,
        origin: { ...COREDNS_COMPONENT, summary: down, confidence: 'high' },
      });
    const notReady = state.pods.filter((p) => !p.ready);
    const problems = [...notReady.map((p) => `CoreDNS pod ${p.name} on ${p.node} is not Ready (${p.phase})`), ...endpointProblems(state), ...state.errors];
    if (state.service?.clusterIP !== server)
      problems.push(
        `the pods' nameserver ${server} is not the ClusterIP of ${DNS_NAMESPACE}/${state.service?.name ?? 'kube-dns'} (${state.service?.clusterIP ?? '?'})`,
      );
    if (problems.length > 0) {
      // One replica not ready is the same finding its lookups would report (server = that replica).
      const [only] = notReady;
      const origin: Origin | undefined =
        notReady.length === 1 && only !== undefined
          ? {
              dimension: 'server',
              value: only.name,
              summary: `CoreDNS replica ${only.name} on ${only.node} is not Ready (${only.phase}); the other replicas are`,
              confidence: 'high',
            }
          : undefined;
      c.fail(notReady.length > 0 ? 'dns-error' : 'mismatch', `expected every CoreDNS replica ready and behind the DNS Service: ${problems[0]}`, {
        reproduce,
        ...(origin === undefined ? {} : { origin }),
        evidence: [{ label: 'problems', text: problems.join('\n') }, ...evidence],
        likelyCause:
          notReady.length > 0
            ? 'a CoreDNS replica fails its readiness probe (see its logs: upstream unreachable, loop detected, RBAC on the API)'
            : 'the DNS Service selector or EndpointSlices do not match the CoreDNS pods',
      });
    }
    const rollout =
      state.terminating.length === 0
        ? ''
        : `; a rollout in progress: ${state.terminating.length} old pod(s) terminating, left out (${state.terminating.map((p) => p.metadata?.name).join(', ')})`;
    c.note(
      `${state.pods.length}/${state.pods.length} CoreDNS replicas ready, ${DNS_NAMESPACE}/${state.service?.name} ${server} -> ${state.pods.map((p) => p.ip).join(', ')}${rollout}`,
    );
  });

  check(manifest.check.corefile, async (c) => {
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
        evidence: [
          { label: 'missing', text: problems.join('\n') },
          { label: `Corefile (cluster domain ${domain} from ${domainSource})`, text },
        ],
        likelyCause: problems.join('; '),
      });
    }
    c.note(`kubernetes ${domain}, forward and loop present (domain from ${domainSource})`);
  });

  // The checks that are tables of questions (dns-cases.ts): each asked from every node, of the DNS
  // Service and of every replica, and failing with the one origin its failures share.
  for (const k of CASES) check(manifest.check[k.check], (c) => runCase(c, k));

  // The load check runs after the others so it does not slow their lookups.
  group('load', { sequential: true }, () => {
    check(manifest.check.loadBurst, async (c) => {
      const { world, state } = await dnsWorld(c);
      const { transport } = await c.cluster();
      const total = suiteOptions(c.run, manifest).queries;
      const names = [serviceFqdn('kubernetes', 'default', world.domain), serviceFqdn('kube-dns', DNS_NAMESPACE, world.domain)];
      // One lookup first, from every node at every server: when DNS does not answer there is no latency to measure.
      const canary = await askCase(
        transport,
        world,
        CANARY,
        {},
        { timeoutMs: c.run.timeouts.probeMs, signal: c.signal, log: (line) => c.log(line), ...coreDnsDown(state) },
      );
      if (canary.finding !== undefined)
        await failFinding(c, { ...canary.finding, message: `no latency to measure: ${canary.finding.message}` }, canary.observations, world, state);
      // Every node's probe pod takes a share of the lookups, through the DNS Service as its resolv.conf says.
      const resolvers = world.resolvers;
      const server = world.servers[0]?.ip ?? '';
      // Lookups (A + AAAA pairs) shared out so that exactly `total` queries are sent (rounded up to even).
      const lookups = Math.ceil(total / 2);
      const share = (i: number) => Math.floor(lookups / resolvers.length) + (i < lookups % resolvers.length ? 1 : 0);
      const results: { node: string; result: ProbeResult }[] = [];
      const perNode: string[] = [];
      await Promise.all(
        resolvers.map(async ({ agent }, index) => {
          if (share(index) === 0) return;
          const targets = lookupPairs(names, share(index)).map(({ name, type }, i) =>
            dnsQuery(server, name, type as DnsQueryType, 5000, 'udp', `#${i} ${type} ${name}`),
          );
          const response = await transport.probe(agent, targets, { concurrency: 16, signal: c.signal });
          results.push(...response.results.map((result) => ({ node: agent.node, result })));
          perNode.push(`${agent.name} on ${agent.node}: ${judgeLatency(latencyStats(response.results)).summary}`);
        }),
      );
      const stats = latencyStats(results.map((r) => r.result));
      const verdict = judgeLatency(stats);
      c.evidence('per pod', perNode.join('\n'));
      const table = latencyTable(results);
      c.evidence(table.label, table.text);
      c.log(verdict.summary);
      if (!verdict.ok) {
        const slow = results.filter(({ result: r }) => r.outcome !== 'ok' || r.ms >= DEFAULT_LATENCY_BUDGET.slowMs);
        // Slow or failing lookups from one node only are that node's finding, not CoreDNS's.
        const origin = burstOrigin(results);
        const likelyCause =
          verdict.conntrackRace && origin === undefined
            ? CONNTRACK_RACE
            : stats.errors > 0
              ? 'CoreDNS is overloaded or its upstream fails (SERVFAIL): too few replicas, CPU limits, or a slow forward target'
              : 'CoreDNS answers slowly under load: too few replicas, CPU throttling, or no cache plugin';
        c.fail(
          verdict.conntrackRace ? 'timeout' : stats.errors > 0 ? 'dns-error' : 'mismatch',
          `DNS under a burst of ${stats.queries} queries: ${origin?.summary ?? verdict.problems[0] ?? ''}`,
          {
            evidence: [
              {
                label: 'burst',
                text: [
                  ...verdict.problems,
                  verdict.summary,
                  ...slow.slice(0, 10).map(({ node, result: r }) => `${r.id} @${server} from ${node}: ${r.outcome} after ${Math.round(r.ms)}ms (${r.detail})`),
                ].join('\n'),
              },
              { label: 'per pod', text: perNode.join('\n') },
              ...coreDnsEvidence(state),
            ],
            likelyCause: origin === undefined ? likelyCause : `${origin.summary}`,
            ...(origin === undefined ? {} : { origin }),
            reproduce: `kubectl -n ${DNS_NAMESPACE} top pods -l k8s-app=kube-dns; kubectl -n ${DNS_NAMESPACE} logs -l k8s-app=kube-dns --tail 50`,
          },
        );
      }
      c.note(verdict.summary);
    });
  });
});
