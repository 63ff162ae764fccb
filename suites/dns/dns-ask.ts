// The same question asked everywhere: from every node's probe pod, of the DNS Service and of each
// CoreDNS replica directly, over the protocols and answer sizes a check states. Every answer is an
// observation with its facets (source-node, server, protocol, payload), so that failures can be
// compared with the healthy answers to the same question (dns-origin.ts). Probes run one batch per
// source, polled until every answer holds (CoreDNS may take a moment to see a new object); the
// last attempt, with the questions' own timeouts, is the one judged.
import type { DnsQueryType, DnsTarget, ProbeResult } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { eventually } from '../../helpers/objects/eventually.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { judgeDns, type DnsExpectation } from './dns-records.ts';

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
  expected: DnsExpectation;
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

export function facetsOf(o: Asked): Record<string, string> {
  return { 'source-node': o.source.node, server: o.server.name, protocol: o.target.transport, payload: o.question.payload ?? 'small' };
}

// Every question, from every source, to the servers it names. Questions may depend on the source
// (its resolv.conf's search path).
export function plan(sources: readonly ProbeAgent[], servers: readonly DnsServer[], questions: readonly Question[] | ((source: ProbeAgent) => readonly Question[]), timeoutMs: number): Asked[] {
  return sources.flatMap((source) =>
    (typeof questions === 'function' ? questions(source) : questions).flatMap((question) =>
      servers
        .filter((server) => question.servers !== 'service' ? true : server.kind === 'service')
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

function observe(asked: Asked, result: ProbeResult | undefined): DnsObservation {
  const verdict = judgeDns(asked.target, asked.question.expected, result);
  const where = asked.server.kind === 'service' ? `the DNS Service ${asked.server.name}` : `replica ${asked.server.name}`;
  return { ...asked, result, ok: verdict.ok, line: `${verdict.line.replace(': expected', ` (${where}) from ${asked.source.name} on ${asked.source.node}: expected`)}` };
}

export interface AskOptions {
  // How long answers may take to become right (new objects); 0 asks once.
  budgetMs: number;
  // While polling, queries give up early: a question that is not yet right is asked again anyway.
  pollTimeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

// Asks everything, one batch per source, sources in parallel; never throws for a source that
// cannot be asked (its observations say why).
export async function askAll(transport: ProbeTransport, asked: readonly Asked[], options: AskOptions): Promise<DnsObservation[]> {
  const bySource = Map.groupBy(asked, (a) => a.source.name);
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const observed = await Promise.all(
    [...bySource.values()].map(async (group): Promise<DnsObservation[]> => {
      const source = group[0]?.source;
      if (source === undefined) return [];
      const send = async (quick: boolean) => {
        const targets = group.map((a) => (quick ? { ...a.target, timeoutMs: Math.min(a.target.timeoutMs, options.pollTimeoutMs ?? 600) } : a.target));
        return (await transport.probe(source, targets, signal)).results;
      };
      const judged = (results: readonly ProbeResult[]) => group.map((a, i) => observe(a, results[i]));
      try {
        let results: readonly ProbeResult[] = [];
        let attempts = 0;
        if (options.budgetMs > 0) {
          const polled = await eventually(() => send(true), (r) => judged(r).every((o) => o.ok), { timeoutMs: options.budgetMs, intervalMs: options.intervalMs ?? 250, ...signal });
          results = polled.value;
          attempts = polled.attempts;
          if (polled.ok) {
            options.log?.(`${source.name}: ${group.length} answers as expected after ${Math.round(polled.elapsedMs)}ms, ${attempts} attempt(s)`);
            return judged(results);
          }
        }
        results = await send(false);
        const observations = judged(results);
        options.log?.(`${source.name}: ${observations.filter((o) => !o.ok).length} of ${group.length} answers not as expected after ${attempts + 1} attempt(s)`);
        return observations;
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        options.log?.(`${source.name}: could not be asked: ${why}`);
        return group.map((a) => ({ ...observe(a, undefined), unasked: why, line: `${a.target.id} from ${source.name} on ${source.node}: the probe agent could not be asked (${why})` }));
      }
    }),
  );
  return observed.flat();
}

// The same question by hand, from inside the source pod, with Node's resolver (which, like glibc,
// retries a truncated answer over TCP): prints the records or the error code.
export function reproduceDns(o: Asked, namespace: string, container = 'agent'): string {
  const script = `const r=new (require("dns").promises.Resolver)({timeout:${o.target.timeoutMs},tries:1});r.setServers([${JSON.stringify(o.target.server)}]);r.resolve(${JSON.stringify(o.target.name)},${JSON.stringify(o.target.type)}).then((a)=>console.log(JSON.stringify(a)),(e)=>console.log(e.code))`;
  return `kubectl -n ${namespace} exec ${o.source.name} -c ${container} -- node -e '${script}'`;
}
