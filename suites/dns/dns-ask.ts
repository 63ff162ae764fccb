// The same question asked everywhere: from every node's probe pod, of the DNS Service and of each
// CoreDNS replica directly, over the protocols and answer sizes a check states. Every question is a
// cell of the one reachability engine (helpers/probe/reach.ts: one batch per source in a bounded
// pool, polled until every answer holds, since CoreDNS may take a moment to see a new object, then
// the whole table asked once more before a mismatch counts), with its facets (source-node, server,
// protocol, payload, question), so that failures can be compared with the healthy answers to the
// same question (dns-origin.ts).
import type { DnsQueryType, DnsTarget, ProbeResult } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { describeResult, type Expectation } from '../../helpers/probe/expectations.ts';
import { reach, reachEvidence, type Cell, type ObservedCell } from '../../helpers/probe/reach.ts';
import type { Evidence } from '../../helpers/result.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { seenText } from './dns-records.ts';

// A server a question is put to: the cluster DNS Service (its ClusterIP) or one CoreDNS pod.
export interface DnsServer {
  // The Service's name (kube-dns) or the replica's pod name: the value of the `server` facet.
  name: string;
  ip: string;
  kind: 'service' | 'replica';
  // The replica's node.
  node?: string;
}

export type Payload = 'small' | 'large';

// One question of a check, as data.
export interface Question {
  name: string;
  type: DnsQueryType;
  expected: Expectation;
  // What the question is about, where a check's explanation needs it ("Service", "pod").
  about?: string;
  // Default udp.
  transport?: 'udp' | 'tcp';
  // Default small; large for answers above the path MTU (asked with udpSize over UDP, or over TCP).
  payload?: Payload;
  // EDNS0 size to advertise over UDP.
  udpSize?: number;
  // Over UDP a truncated answer is asked again over TCP, as a resolver does; false to see the TC answer itself.
  tcpOnTruncation?: boolean;
  // Whom to ask: the DNS Service only (what pods' lookups go to), or the Service and every replica (default).
  servers?: 'service' | 'all';
}

export interface Asked {
  source: ProbeAgent;
  server: DnsServer;
  question: Question;
  target: DnsTarget;
}

export interface DnsObservation extends Asked {
  result: ProbeResult | undefined;
  ok: boolean;
  // `A name @server/udp from pod (node): expected ..., saw ...`
  line: string;
  // Why the source agent could not be asked at all (then there is no DNS observation to judge).
  unasked?: string;
}

// The question, without the server: "A kubernetes.default.svc.cluster.local".
export const questionOf = (o: Asked): string => `${o.target.type} ${o.target.name}`;

// A replica asked directly is on the asking pod's node or another (direction); the Service has no
// direction of its own (it lands on either), so only observations of replicas carry it.
export function facetsOf(o: Asked): Record<string, string> {
  const direction: Record<string, string> =
    o.server.kind === 'replica' && o.server.node !== undefined ? { direction: o.server.node === o.source.node ? 'same node' : 'cross node' } : {};
  return {
    'source-node': o.source.node,
    server: o.server.name,
    protocol: o.target.transport,
    payload: o.question.payload ?? 'small',
    question: questionOf(o),
    ...direction,
  };
}

// Every question, from every source, to the servers it names. Questions may depend on the source
// (its resolv.conf's search path).
export function plan(
  sources: readonly ProbeAgent[],
  servers: readonly DnsServer[],
  questions: readonly Question[] | ((source: ProbeAgent) => readonly Question[]),
  timeoutMs: number,
): Asked[] {
  return sources.flatMap((source) =>
    (typeof questions === 'function' ? questions(source) : questions).flatMap((question) =>
      servers
        .filter((server) => (question.servers !== 'service' ? true : server.kind === 'service'))
        .map((server): Asked => {
          const transport = question.transport ?? 'udp';
          const target: DnsTarget = {
            id: `${question.type} ${question.name} @${server.ip}/${transport}${question.payload === 'large' ? ' large' : ''}`,
            kind: 'dns',
            server: server.ip,
            name: question.name,
            type: question.type,
            transport,
            timeoutMs,
            ...(transport === 'udp' && question.tcpOnTruncation !== false ? { tcpOnTruncation: true } : {}),
            ...(question.udpSize === undefined ? {} : { udpSize: question.udpSize }),
          };
          return { source, server, question, target };
        }),
    ),
  );
}

function observe(asked: Asked, cell: ObservedCell): DnsObservation {
  const where = asked.server.kind === 'service' ? `the DNS Service ${asked.server.name}` : `replica ${asked.server.name}`;
  const judgement = cell.judgement;
  // The judge's reason for a mismatch follows what it saw, in parentheses.
  const plain = describeResult(cell.result);
  const why = judgement.ok || !judgement.observed.startsWith(plain) ? '' : judgement.observed.slice(plain.length).trim();
  const seen = cell.error === undefined ? seenText(cell.result) : `not asked: ${cell.error}`;
  return {
    ...asked,
    result: cell.result,
    ok: judgement.ok,
    line: `${asked.target.id} (${where}) from ${asked.source.name} on ${asked.source.node}: expected ${judgement.expected}, saw ${seen}${why === '' ? '' : ` ${why}`}`,
    ...(cell.error === undefined ? {} : { unasked: cell.error }),
  };
}

export interface AskOptions {
  // How long answers may take to become right (new objects); 0: one round, then the re-probe.
  budgetMs: number;
  namespace: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export function cellOf(a: Asked, namespace: string): Cell {
  return {
    source: a.source,
    row: `${a.source.node} -> ${a.server.name}`,
    column: `${questionOf(a)}/${a.target.transport}${a.question.payload === 'large' ? ' large' : ''}${a.target.tcpOnTruncation === true || a.target.transport === 'tcp' ? '' : ' (no TCP retry)'}`,
    target: a.target,
    expect: a.question.expected,
    facets: facetsOf(a),
    reproduce: reproduceDns(a, namespace),
  };
}

// Asks everything through the reachability engine; never throws for a source that cannot be asked
// (its observations say why). Returns the observations in the order asked, and the engine's tables.
export async function askAll(
  transport: ProbeTransport,
  asked: readonly Asked[],
  options: AskOptions,
): Promise<{ observations: DnsObservation[]; evidence: Evidence[] }> {
  const run = await reach(
    transport,
    asked.map((a) => cellOf(a, options.namespace)),
    {
      policy: { deadlineMs: options.budgetMs },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.log === undefined ? {} : { log: options.log }),
    },
  );
  const observations = asked.map((a, i) => {
    const cell = run.cells[i];
    return cell === undefined ? { ...a, result: undefined, ok: false, line: `${a.target.id}: not observed`, unasked: 'not observed' } : observe(a, cell);
  });
  return { observations, evidence: reachEvidence(run) };
}

// The same question by hand, from inside the source pod, with Node's resolver (which, like glibc,
// retries a truncated answer over TCP): prints the records or the error code.
export function reproduceDns(o: Pick<Asked, 'source' | 'target'>, namespace: string, container = 'agent'): string {
  const script = `const r=new (require("dns").promises.Resolver)({timeout:${o.target.timeoutMs},tries:1});r.setServers([${JSON.stringify(o.target.server)}]);r.resolve(${JSON.stringify(o.target.name)},${JSON.stringify(o.target.type)}).then((a)=>console.log(JSON.stringify(a)),(e)=>console.log(e.code))`;
  return `kubectl -n ${namespace} exec ${o.source.name} -c ${container} -- node -e '${script}'`;
}
