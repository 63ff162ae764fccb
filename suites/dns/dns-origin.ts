// What a DNS check's failures have in common, and which component that implicates. The failing
// answers are compared with the healthy answers to the same questions (helpers/probe/origin.ts):
// one node whose pods get no answer while the other nodes' pods do; one replica that does not
// answer while the others do; the Service failing from one node while the replicas answer that
// node directly (the Service translation there: kube-proxy); large answers lost while small ones
// arrive (MTU); TCP failing while UDP works. Only what the observations implicate is named, with
// how sure (the Origin's confidence); a check's own explanation (no reverse zone, no SRV records)
// is given only when every failing observation is an answer that says so. Pure; unit-tested in
// dns-origin.test.ts.
import { findOrigin, type Observation } from '../../helpers/probe/origin.ts';
import type { Classification, Origin } from '../../helpers/result.ts';
import type { DnsObservation, DnsServer } from './dns-ask.ts';
import { facetsOf } from './dns-ask.ts';

export interface FindingContext {
  // What was asked, plural: "lookups of Service names".
  what: string;
  servers: readonly DnsServer[];
  // CoreDNS itself is down (from its pods and endpoints, dns-coredns.ts diagnose): every failed lookup points there.
  coreDnsDown?: string;
  // The check's explanation when every failing observation is an answer from the servers (an
  // rcode or records, not silence); undefined when those answers do not support it.
  whenAnswered?: (bad: readonly DnsObservation[]) => string | undefined;
  // The check's explanation when only its questions fail and not every failure is an answer
  // (silence, a timeout): e.g. the upstream, when cluster names asked of the same servers resolve.
  whenUnanswered?: (bad: readonly DnsObservation[]) => string | undefined;
}

export interface DnsFinding {
  classification: Classification;
  message: string;
  likelyCause: string;
  origin?: Origin;
  // Every observation, failing first.
  lines: string[];
}

// The origin every check reports when CoreDNS itself is down, so the run says it once.
export const COREDNS_COMPONENT = { dimension: 'component', value: 'coredns' } as const;

const NOUN = { one: 'query', many: 'queries' };
const PRIORITY = ['source-node', 'server', 'protocol', 'payload', 'question', 'direction'];

export function seenWord(o: DnsObservation): string {
  const r = o.result;
  if (r === undefined) return 'not asked';
  if (r.outcome === 'ok') return r.dns?.flags.tc === true ? 'truncated' : 'wrong answer';
  if (r.outcome === 'dns-error') return r.dns?.rcode ?? 'dns-error';
  return r.outcome;
}

function classificationOf(bad: readonly DnsObservation[]): Classification {
  const counts = new Map<string, number>();
  for (const o of bad) counts.set(o.result?.outcome ?? 'error', (counts.get(o.result?.outcome ?? 'error') ?? 0) + 1);
  const [outcome] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['error'];
  switch (outcome) {
    case 'ok':
      return 'mismatch';
    case 'timeout':
    case 'refused':
    case 'reset':
    case 'unreachable':
    case 'dns-error':
      return outcome;
    default:
      return 'error';
  }
}

function list(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}

export function serverText(server: DnsServer | undefined, name: string): string {
  if (server === undefined) return name;
  return server.kind === 'service' ? `the DNS Service ${server.ip}` : `replica ${server.name}${server.node === undefined ? '' : ` on ${server.node}`}`;
}

// What one origin means for DNS, from the observations: the component to look at.
function conclusion(
  dimensions: readonly string[],
  values: readonly string[],
  observations: readonly DnsObservation[],
  ctx: FindingContext,
): string | undefined {
  const server = (name: string) => ctx.servers.find((s) => s.name === name);
  const parts = values.map((v) => v.split(' & '));
  const key = dimensions.join(' & ');
  const nodes = [...new Set(observations.map((o) => o.source.node))].sort();
  if (key === 'source-node') {
    const failing = parts.map((p) => p[0] ?? '');
    const others = nodes.filter((n) => !failing.includes(n));
    const repliesDirect = observations.some((o) => failing.includes(o.source.node) && o.server.kind === 'replica');
    return repliesDirect
      ? `pods on ${list(failing)} reach neither the DNS Service nor any CoreDNS pod, while pods on ${list(others)} do: pod networking on ${list(failing)} is broken (its CNI, routes, or a firewall on the node); CoreDNS itself answers`
      : `the path from ${list(failing)} to the DNS Service is blocked (kube-proxy or the pod network on ${list(failing)}); CoreDNS itself answers`;
  }
  if (key === 'server') {
    const names = parts.map((p) => p[0] ?? '');
    const first = server(names[0] ?? '');
    if (first?.kind === 'service')
      return `every CoreDNS replica answers directly, but not through ${serverText(first, first.name)}, from any node: the Service's ports or endpoints, or the Service translation on every node (kube-proxy)`;
    const others = ctx.servers.filter((s) => s.kind === 'replica' && !names.includes(s.name));
    return `${list(names.map((n) => serverText(server(n), n)))} ${names.length === 1 ? 'does' : 'do'} not answer as ${others.length === 0 ? 'expected' : `${list(others.map((s) => s.name))} ${others.length === 1 ? 'does' : 'do'}`}: see its logs and readiness (kubectl -n kube-system logs ${names[0] ?? ''})`;
  }
  if (key === 'direction' && values[0] === 'cross node') {
    return 'pods reach the CoreDNS replicas on their own node but not those on other nodes, and queries through the DNS Service fail when they land on another node: the pod network between the nodes (routes, the overlay, or a firewall between them); CoreDNS itself answers';
  }
  if (key === 'protocol') {
    return values[0] === 'tcp'
      ? 'DNS over TCP does not reach CoreDNS while UDP does: the DNS Service or a NetworkPolicy/firewall allows only 53/UDP; large answers fail for every client'
      : 'DNS over UDP fails while TCP works: UDP to port 53 is dropped (a firewall, or conntrack on the path)';
  }
  if (key === 'payload' && values[0] === 'large') {
    return 'small answers arrive, large ones (over 1400 bytes, over UDP with EDNS0 and over TCP) do not: MTU or fragmentation on the path (an overlay MTU above the underlay\'s, or ICMP "fragmentation needed" blocked)';
  }
  if (key === 'source-node & payload' && parts.length === 1 && parts[0]?.[1] === 'large') {
    const node = parts[0]?.[0] ?? '';
    return `small answers arrive on ${node}, large ones (over 1400 bytes, over UDP with EDNS0 and over TCP) to ${node} do not, while other nodes get them: MTU or fragmentation on the path to ${node}`;
  }
  if (key === 'source-node & server' && parts.length === 1) {
    const [node = '', name = ''] = parts[0] ?? [];
    const target = server(name);
    if (target?.kind === 'service')
      return `the Service translation on ${node} is broken (kube-proxy on ${node}): CoreDNS answers pods on ${node} directly, and pods on the other nodes through ${serverText(target, name)}`;
    const wrong = observations.filter((o) => !o.ok && o.server.name === name && o.source.node === node);
    if (wrong.length > 0 && wrong.every((o) => o.result?.dns !== undefined)) {
      return `${serverText(target, name)} answers pods on ${node} with ${[...new Set(wrong.map(seenWord))].join('/')} while it answers the other nodes right: it had not yet seen the objects when ${node} asked (its watch on the API server lags; see its logs)`;
    }
    if (target?.node === node)
      return `pods on ${node} cannot reach ${serverText(target, name)} on their own node, though they reach the other servers and other nodes reach it: the pod network on ${node} (the CNI's bridge or a host firewall)`;
    return `pods on ${node} cannot reach ${serverText(target, name)}, though they reach the other servers and other nodes reach it: the pod network between ${node} and ${target?.node ?? 'its node'}`;
  }
  if (key === 'source-node & protocol' && parts.length === 1) {
    const [node = '', protocol = ''] = parts[0] ?? [];
    return `from ${node}, DNS over ${protocol.toUpperCase()} fails while the other protocol works: ${protocol.toUpperCase()} to port 53 is blocked on the path from ${node}`;
  }
  if (key === 'server & question' && parts.length === 1) {
    const [name = '', question = ''] = parts[0] ?? [];
    const target = server(name);
    if (target?.kind === 'replica') {
      const wrong = observations.filter((o) => !o.ok && o.server.name === name);
      const codes = [...new Set(wrong.map(seenWord))].join('/');
      return wrong.every((o) => o.result?.dns !== undefined)
        ? `${serverText(target, name)} answers ${question} with ${codes} while the other replicas answer it: it has not seen the objects the others serve (its watch on the API server lags or broke; see its logs)`
        : `${serverText(target, name)} does not answer ${question} while the other replicas do: see its logs`;
    }
  }
  if (key === 'question') {
    const bad = observations.filter((o) => !o.ok);
    return bad.every((o) => o.result?.dns !== undefined) ? ctx.whenAnswered?.(bad) : ctx.whenUnanswered?.(bad);
  }
  return undefined;
}

// The one reason for a check's failures, or undefined when every answer was as expected.
export function judgeObservations(observations: readonly DnsObservation[], ctx: FindingContext): DnsFinding | undefined {
  const bad = observations.filter((o) => !o.ok);
  if (bad.length === 0) return undefined;
  const lines = [...bad, ...observations.filter((o) => o.ok)].map((o) => `${o.ok ? 'ok  ' : 'FAIL'} ${o.line}`);
  const classification = classificationOf(bad);
  const head = `${bad.length} of ${observations.length} ${ctx.what} failed`;
  const firstLine = bad[0]?.line ?? '';

  if (ctx.coreDnsDown !== undefined) {
    const cause = ctx.coreDnsDown.split(':')[0] ?? ctx.coreDnsDown;
    return {
      classification: 'dns-error',
      message: `${head}: ${firstLine}; cause: ${cause}`,
      likelyCause: ctx.coreDnsDown,
      origin: { ...COREDNS_COMPONENT, summary: ctx.coreDnsDown, confidence: 'high' },
      lines,
    };
  }

  const asked = observations.filter((o) => o.unasked === undefined);
  const unasked = observations.filter((o) => o.unasked !== undefined);
  const originOver = (subset: readonly DnsObservation[]): { found: Origin | undefined; concluded: string | undefined } => {
    let concluded: string | undefined;
    const found = findOrigin(
      subset.map((o): Observation => ({ ok: o.ok, facets: facetsOf(o), seen: seenWord(o) })),
      {
        noun: NOUN,
        priority: PRIORITY,
        phrase: (dimension, values) => {
          if (dimension === 'server')
            return `to ${list(
              values.map((v) =>
                serverText(
                  ctx.servers.find((s) => s.name === v),
                  v,
                ),
              ),
            )}`;
          if (dimension === 'question') return `for ${list(values)}`;
          return undefined;
        },
        conclude: ({ dimensions, values }) => (concluded = conclusion(dimensions, values, subset, ctx)),
      },
    );
    return { found, concluded };
  };
  let { found, concluded } = originOver(asked);
  let viaService = '';
  // Queries through the Service land on one replica or another, so a broken replica makes them fail
  // only sometimes, and nothing splits cleanly: the replicas asked directly still can.
  const direct = asked.filter((o) => o.server.kind === 'replica');
  if (found === undefined && direct.some((o) => !o.ok) && direct.some((o) => o.ok) && asked.some((o) => o.server.kind === 'service' && !o.ok)) {
    ({ found, concluded } = originOver(direct));
    if (found !== undefined) viaService = ' (queries through the DNS Service fail when they land on it)';
  }
  if (found?.dimension === 'server & question' && ctx.servers.find((s) => s.name === found?.value.split(' & ')[0])?.kind === 'replica') {
    // One replica wrong about names the others serve is that replica's finding, whichever names a check asked.
    const [name = ''] = found.value.split(' & ');
    found = { ...found, dimension: 'server', value: name };
  }
  if (found !== undefined) {
    let origin: Origin = viaService === '' ? found : { ...found, summary: `${found.summary}${viaService}` };
    // The Service failing from one node while that node reaches the replicas is that node's finding:
    // the same origin (source-node) the other checks and suites report for it.
    if (found.dimension === 'source-node & server' && ctx.servers.find((s) => s.name === found.value.split(' & ')[1])?.kind === 'service') {
      const [node = ''] = found.value.split(' & ');
      const seen = [...new Set(bad.map(seenWord))].join(', ');
      const summary = `every query from pods on ${node} to the DNS Service fails (${seen}); the same queries from ${node} to the CoreDNS pods, and from the other nodes to the Service, succeed: ${concluded ?? `the path from ${node} to the DNS Service is blocked`}`;
      // Every failing query shares the node and the Service, and healthy queries exist on both sides
      // (that node to the replicas, the other nodes to the Service): as sure as one dimension.
      origin = { dimension: 'source-node', value: node, summary, confidence: found.confidence === 'low' ? 'medium' : 'high' };
    }
    const notAsked = unasked.length === 0 ? '' : ` (${unasked.length} more could not be asked: ${unasked[0]?.unasked ?? ''})`;
    return { classification, message: `${head}: ${origin.summary}${notAsked}`, likelyCause: concluded ?? origin.summary, origin, lines };
  }

  const answered = bad.every((o) => o.result?.dns !== undefined);
  const explained = answered ? ctx.whenAnswered?.(bad) : undefined;
  const healthy = asked.some((o) => o.ok);
  const replicasAsked = asked.some((o) => o.server.kind === 'replica');
  let likelyCause: string;
  if (asked.length === 0) likelyCause = `no probe agent could be asked (${unasked[0]?.unasked ?? ''}): nothing about DNS was observed`;
  else if (bad.every((o) => o.unasked !== undefined))
    likelyCause = `the probe agent(s) on ${list(nodesOf(bad))} could not be asked (${bad[0]?.unasked ?? ''}), so nothing about DNS was observed from there; every query that was asked succeeded`;
  else if (explained !== undefined) likelyCause = explained;
  else if (!healthy && bad.every((o) => o.result?.outcome === 'timeout'))
    likelyCause = replicasAsked
      ? `no server answered from any node (${list(nodesOf(asked))}): neither the DNS Service nor any CoreDNS pod answers, so CoreDNS is not serving (see its logs) or port 53 to the CoreDNS pods is blocked from everywhere (NetworkPolicy, firewall)`
      : `the DNS Service does not answer from any node (${list(nodesOf(asked))}): CoreDNS is not serving, or the path to it is blocked from every node`;
  else if (!healthy) likelyCause = `every server answers wrongly, from every node: ${firstLine}`;
  else
    likelyCause = `the failures share no single node, server, protocol or answer size (${[...new Set(bad.map(seenWord))].join(', ')}); compare the queries below`;
  return { classification, message: `${head}: ${firstLine}`, likelyCause, lines };
}

function nodesOf(observations: readonly DnsObservation[]): string[] {
  return [...new Set(observations.map((o) => o.source.node))].sort();
}
