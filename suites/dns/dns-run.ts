// Runs a DNS case (dns-cases.ts): reads who to ask (every node's probe pod and its resolv.conf; the
// DNS Service and every ready CoreDNS replica), creates what the case needs, asks every question
// everywhere, and fails with the one reason its failures share: the common origin (dns-origin.ts),
// or CoreDNS itself when its pods and endpoints say it is down. askCase is the part without the
// cluster, unit-tested with the fake transport in dns-run.test.ts.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { matrixAgents } from '../../helpers/fleet/plan.ts';
import type { Evidence, Origin } from '../../helpers/result.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { layerBelow } from '../../helpers/pod-path/layer-below.ts';
import { PROGRAMMING_BUDGET_MS } from '../lib/services.ts';
import { askAll, plan, reproduceDns, type DnsObservation, type DnsServer } from './dns-ask.ts';
import type { DnsCase, DnsWorld, Facts } from './dns-cases.ts';
import { DNS_NAMESPACE, coreDnsEvidence, diagnose, readCoreDns, type CoreDnsState } from './dns-coredns.ts';
import { judgeObservations, type DnsFinding, type FindingContext } from './dns-origin.ts';
import { describeResolver, dnsSetting } from './dns.ts';

// How long every CoreDNS replica may take to serve an object the check just created: each watches
// the API server on its own, and on a busy control plane one replica was seen 17 s behind the other.
export const DNS_PROPAGATION_MS = 30_000;

// The DNS Service (as the pods' resolv.conf names it) and every ready CoreDNS replica with an address.
export function serversOf(state: CoreDnsState, nameserver: string): DnsServer[] {
  const replicas = state.pods.filter((p) => p.ready && p.ip !== '').map((p): DnsServer => ({ name: p.name, ip: p.ip, kind: 'replica', node: p.node }));
  return [{ name: state.service?.name ?? 'kube-dns', ip: nameserver, kind: 'service' }, ...replicas];
}

export async function dnsWorld(c: CheckContext): Promise<{ world: DnsWorld; state: CoreDnsState }> {
  const { resolvers, domain } = await dnsSetting(c);
  const { session } = await c.cluster();
  const nameserver = resolvers[0]?.server ?? '';
  const state = await readCoreDns(session.clients, nameserver);
  const sample = new Set(matrixAgents(c.run.fleet).map((agent) => agent.name));
  return { world: { domain, namespace: c.run.namespace, resolvers, servers: serversOf(state, nameserver), sample }, state };
}

export interface AskCaseOptions {
  timeoutMs: number;
  budgetMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
  c?: CheckContext;
  // CoreDNS itself is down (diagnose()), when known.
  coreDnsDown?: string;
}

// Asks a case's questions everywhere and judges them: the finding is undefined when all held.
export async function askCase(
  transport: ProbeTransport,
  world: DnsWorld,
  k: DnsCase,
  facts: Facts,
  o: AskCaseOptions,
): Promise<{ observations: DnsObservation[]; finding: DnsFinding | undefined; evidence: Evidence[] }> {
  const byAgent = new Map(world.resolvers.map((r) => [r.agent.name, r]));
  const sources = k.from === 'every-node' || world.sample === undefined ? world.resolvers : world.resolvers.filter((r) => world.sample?.has(r.agent.name));
  const asked = plan(
    (sources.length === 0 ? world.resolvers : sources).map((r) => r.agent),
    world.servers,
    (agent) => {
      const resolver = byAgent.get(agent.name);
      return resolver === undefined ? [] : k.questions(world, facts, resolver, o.c);
    },
    o.timeoutMs,
  );
  const { observations, evidence } = await askAll(transport, asked, {
    budgetMs: o.budgetMs ?? k.budgetMs ?? (k.objects === undefined ? PROGRAMMING_BUDGET_MS : DNS_PROPAGATION_MS),
    namespace: world.namespace,
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    ...(o.log === undefined ? {} : { log: o.log }),
  });
  const finding = judgeObservations(observations, {
    what: k.what,
    servers: world.servers,
    ...(o.coreDnsDown === undefined ? {} : { coreDnsDown: o.coreDnsDown }),
    ...explanationsOf(k, world, facts),
  });
  return { observations, finding, evidence };
}

// Fails with the finding, the queries, the pods' resolv.conf and CoreDNS's pods and endpoints.
// A finding whose origin names a node is judged against the pod path through it first
// (helpers/pod-path/layer-below.ts): CoreDNS or kube-proxy is named only when pods reach each
// other directly there.
export async function failFinding(
  c: CheckContext,
  finding: DnsFinding,
  observations: readonly DnsObservation[],
  world: DnsWorld,
  state: CoreDnsState,
  extra: Evidence[] = [],
): Promise<never> {
  const first = observations.find((o) => !o.ok);
  // Only silence is the network's to explain (answers, even wrong ones, crossed it), except from one
  // replica: one that answers stale data may have lost its own watch on the API server across the
  // same broken link, so the pod path through its node is looked at too.
  const silent = observations.some((o) => !o.ok && o.result !== undefined && o.result.outcome !== 'ok' && o.result.outcome !== 'dns-error');
  const replica = replicaOrigin(finding, world);
  const below =
    finding.origin?.dimension === 'component' || (!silent && replica === undefined)
      ? undefined
      : await layerBelow(c, replica ?? finding.origin).catch(() => undefined);
  const origin = below?.below === 'fails' ? below.origin : finding.origin;
  const likelyCause =
    below?.below === 'fails' ? below.likelyCause : below?.below === 'passes' ? `${finding.likelyCause}; ${below.ruledOut}` : finding.likelyCause;
  return c.fail(finding.classification, below?.below === 'fails' ? `${finding.message}; ${below.origin.summary}` : finding.message, {
    evidence: [
      { label: 'queries (question @server/transport (server) from pod on node: expected, seen)', text: finding.lines.join('\n') },
      ...(below?.evidence ?? []),
      { label: 'resolv.conf of the probe pods', text: world.resolvers.map(describeResolver).join('\n') },
      ...coreDnsEvidence(state),
      ...extra,
    ],
    likelyCause,
    ...(origin === undefined ? {} : { origin }),
    reproduce: first === undefined ? `kubectl -n ${DNS_NAMESPACE} get pods,endpointslices -l k8s-app=kube-dns -o wide` : reproduceDns(first, c.run.namespace),
  });
}

// A finding about one replica, as the node it runs on (for the layer below).
function replicaOrigin(finding: DnsFinding, world: DnsWorld): Origin | undefined {
  if (finding.origin === undefined || !finding.origin.dimension.startsWith('server')) return undefined;
  const names = (finding.origin.value.split(' & ')[0] ?? '').split(', ');
  const replicas = world.servers.filter((s) => s.kind === 'replica' && s.node !== undefined && names.includes(s.name));
  const nodes = [...new Set(replicas.map((s) => s.node ?? ''))].sort();
  if (nodes.length === 0) return undefined;
  const suspect = replicas.length === 1 ? `CoreDNS replica ${replicas[0]?.name} on ${nodes[0]}` : `the CoreDNS replicas on ${nodes.join(', ')}`;
  return { ...finding.origin, dimension: 'node', value: nodes.join(', '), suspect };
}

// One DNS case as a check: skip, create, ask, judge; when something failed, CoreDNS's state is read
// again (it may have changed while asking) and, when CoreDNS itself is down, that is the reason.
export async function runCase(c: CheckContext, k: DnsCase): Promise<void> {
  const skip = k.skip?.(c);
  if (skip !== undefined) return c.skip(skip);
  const { world } = await dnsWorld(c);
  const facts = k.objects === undefined ? {} : await k.objects(c, world);
  const { transport, session } = await c.cluster();
  const options = { timeoutMs: c.run.timeouts.probeMs, signal: c.signal, log: (line: string) => c.log(line), c };
  const asked = await askCase(transport, world, k, facts, options);
  if (asked.finding === undefined) return c.note(k.note(world, facts, asked.observations));
  const state = await readCoreDns(session.clients, world.servers[0]?.ip);
  // A replica that began terminating while it was asked (a rollout) is no replica to judge.
  const left = leftReplicas(world.servers, state);
  if (left.length > 0) {
    const kept = asked.observations.filter((o) => !left.includes(o.server.name));
    const servers = world.servers.filter((server) => !left.includes(server.name));
    const again = judgeObservations(kept, { what: k.what, servers, ...explanationsOf(k, world, facts) });
    if (again === undefined)
      return c.note(`${k.note(world, facts, kept)}; left out ${left.join(', ')}: being deleted or gone since the check began (a rollout in progress)`);
  }
  const down = diagnose(state, world.servers[0]?.ip);
  const finding = down === undefined ? asked.finding : judgeObservations(asked.observations, { what: k.what, servers: world.servers, coreDnsDown: down });
  return failFinding(c, finding ?? asked.finding, asked.observations, world, state, asked.evidence);
}

// Replicas asked that are no longer live replicas: deleted, or being deleted, since the world was read.
export function leftReplicas(servers: readonly DnsServer[], state: CoreDnsState): string[] {
  if (state.errors.length > 0) return [];
  const live = new Set(state.pods.map((p) => p.name));
  return servers.filter((server) => server.kind === 'replica' && !live.has(server.name)).map((server) => server.name);
}

// The case's own explanations, bound to what it asked about.
function explanationsOf(k: DnsCase, world: DnsWorld, facts: Facts): Pick<FindingContext, 'whenAnswered' | 'whenUnanswered'> {
  const { whenAnswered, whenUnanswered } = k;
  return {
    ...(whenAnswered === undefined ? {} : { whenAnswered: (bad: readonly DnsObservation[]) => whenAnswered(bad, world, facts) }),
    ...(whenUnanswered === undefined ? {} : { whenUnanswered: (bad: readonly DnsObservation[]) => whenUnanswered(bad, world, facts) }),
  };
}
