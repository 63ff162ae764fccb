// Dials TLS endpoints from the runner (this process) and from agents (one batch per agent, all
// agents at once), with the one TLS prober the agent runs too. An agent that cannot be asked
// yields results classified "error" naming the transport failure, never a thrown check.
import type { X509Certificate } from 'node:crypto';
import { probeTls } from '../../agent/probe-tls.ts';
import type { ProbeResult, TlsTarget } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { AGENT_CONTAINER } from '../../helpers/fleet/manifests.ts';
import type { ProbeTransport } from '../../helpers/transport/transport.ts';
import { parseDerChain } from '../lib/x509.ts';

export const RUNNER = 'runner' as const;

export interface Dial {
  // "API server 10.217.0.11:6443 from the runner".
  where: string;
  from: ProbeAgent | typeof RUNNER;
  host: string;
  port: number;
  servername?: string;
}

export interface Dialed {
  dial: Dial;
  result: ProbeResult;
  chain: X509Certificate[];
}

export const fromName = (from: Dial['from']): string => (from === RUNNER ? 'the runner' : `${from.name} on ${from.node}`);

const targetOf = (dial: Dial, id: string, timeoutMs: number): TlsTarget => ({
  kind: 'tls',
  id,
  timeoutMs,
  host: dial.host,
  port: dial.port,
  ...(dial.servername === undefined ? {} : { servername: dial.servername }),
});

function chainOf(result: ProbeResult): X509Certificate[] {
  try {
    return parseDerChain(result.tls?.chain ?? []);
  } catch {
    return [];
  }
}

export async function dialAll(transport: ProbeTransport, dials: readonly Dial[], timeoutMs: number, signal?: AbortSignal): Promise<Dialed[]> {
  const results = new Map<number, ProbeResult>();
  const byAgent = new Map<string, { agent: ProbeAgent; indexes: number[] }>();
  const runnerWork: Promise<void>[] = [];
  dials.forEach((dial, index) => {
    if (dial.from === RUNNER) {
      runnerWork.push(probeTls(targetOf(dial, String(index), timeoutMs)).then((result) => void results.set(index, result)));
      return;
    }
    const group = byAgent.get(dial.from.name) ?? { agent: dial.from, indexes: [] };
    group.indexes.push(index);
    byAgent.set(dial.from.name, group);
  });
  const agentWork = [...byAgent.values()].map(async ({ agent, indexes }) => {
    const targets = indexes.map((index) => targetOf(dials[index] as Dial, String(index), timeoutMs));
    try {
      const response = await transport.probe(agent, targets, { ...(signal === undefined ? {} : { signal }) });
      response.results.forEach((result, i) => results.set(indexes[i] as number, result));
    } catch (error) {
      const detail = `the agent could not be asked: ${error instanceof Error ? error.message : String(error)}`;
      for (const index of indexes) results.set(index, { id: String(index), kind: 'tls', outcome: 'error', ms: 0, detail });
    }
  });
  await Promise.all([...runnerWork, ...agentWork]);
  return dials.map((dial, index) => {
    const result = results.get(index) ?? { id: String(index), kind: 'tls', outcome: 'error', ms: 0, detail: 'no result' };
    return { dial, result, chain: chainOf(result) };
  });
}

/** How to dial it by hand, for a finding's evidence. */
export function reproduceDial(dial: Dial, namespace: string): string {
  const sni = dial.servername === undefined ? '' : ` -servername ${dial.servername}`;
  const openssl = `openssl s_client -connect ${dial.host.includes(':') ? `[${dial.host}]` : dial.host}:${dial.port}${sni} -showcerts </dev/null`;
  if (dial.from === RUNNER) return openssl;
  return `kubectl -n ${namespace} exec ${dial.from.name} -c ${AGENT_CONTAINER} -- node -e 'const s=require("tls").connect({host:${JSON.stringify(dial.host)},port:${dial.port},rejectUnauthorized:false${dial.servername === undefined ? '' : `,servername:${JSON.stringify(dial.servername)}`}},()=>{console.log(s.getPeerX509Certificate()?.toString());s.destroy()})'`;
}
