// Egress: a pod's traffic to an address outside the cluster leaves with the source address the
// plugin's NAT setting says: its own pod address when pods are routed, its node's address when the
// plugin masquerades (Calico natOutgoing, flanneld --ip-masq, Cilium enable-ipv4-masquerade,
// kube-router pod egress). The target reports the source it sees: a DNS server that answers a
// "whoami" name with the client's address (A or TXT), or an HTTP endpoint whose answer holds it.
import type { DnsTarget, HttpTarget, ProbeResult } from '../../../agent/protocol.ts';
import { InvalidValue, type ValueType } from '../../../helpers/config-values.ts';
import { calicoMasquerades } from './calico.ts';
import { ciliumSettings } from './cilium.ts';
import { parseIp } from './cidr.ts';
import type { NetworkFacts } from './facts.ts';
import { flannelMasquerades } from './flannel.ts';
import { kubeRouterMasquerades } from './kube-router.ts';

export const WHOAMI_NAME = 'whoami';

export type EgressTarget = { kind: 'dns'; host: string; port: number; name: string; text: string } | { kind: 'http'; url: string; text: string };

export function parseEgressTarget(raw: string): EgressTarget {
  const text = raw.trim();
  if (/^https?:\/\//.test(text)) {
    try {
      new URL(text);
    } catch {
      throw new InvalidValue(`"${text}" is not a URL`);
    }
    return { kind: 'http', url: text, text };
  }
  const match = /^(?:dns:\/\/)?(\[[0-9a-fA-F:.]+\]|[^/:\s]+):(\d{1,5})(?:\/([A-Za-z0-9._-]+))?$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535)
    throw new InvalidValue(
      `"${text}" is not HOST:PORT[/NAME] (a DNS server answering NAME, default ${WHOAMI_NAME}, with the client's address) or an http:// URL`,
    );
  return { kind: 'dns', host: (match[1] ?? '').replace(/^\[|\]$/g, ''), port, name: match[3] ?? WHOAMI_NAME, text };
}

export const egressTargetType: ValueType<EgressTarget> = {
  flag: { type: 'string' },
  shape: 'HOST:PORT[/NAME]|URL',
  fromText: parseEgressTarget,
  fromJson(value) {
    if (typeof value !== 'string') throw new InvalidValue('must be a string');
    return parseEgressTarget(value);
  },
};

// The probes one pod sends: for DNS, the whoami name as A and as TXT (servers answer one or the other).
export function egressProbes(target: EgressTarget, timeoutMs: number): (DnsTarget | HttpTarget)[] {
  if (target.kind === 'http') return [{ id: 'http', kind: 'http', url: target.url, timeoutMs }];
  return (['A', 'TXT'] as const).map((type) => ({
    id: type,
    kind: 'dns',
    server: target.host,
    port: target.port,
    name: target.name,
    type,
    transport: 'udp',
    timeoutMs,
  }));
}

export type SourceRead = { address: string } | { failed: ProbeResult } | { noAddress: string };

// The source address the target reported, from the results of egressProbes.
export function reportedSource(results: readonly ProbeResult[]): SourceRead {
  for (const result of results) {
    if (result.outcome !== 'ok') continue;
    if (result.http?.echo?.clientIP !== undefined) return { address: result.http.echo.clientIP };
    const texts = [...(result.dns?.answers ?? []).map((a) => a.data), ...(result.http?.body === undefined ? [] : [result.http.body])];
    for (const text of texts) {
      const found = text
        .split(/[\s"',;=]+/)
        .map(addressOf)
        .find((address) => address !== undefined);
      if (found !== undefined) return { address: found };
    }
  }
  const failed = results.find((r) => r.outcome !== 'ok' && r.outcome !== 'dns-error');
  if (failed !== undefined && results.every((r) => r.outcome !== 'ok' && r.outcome !== 'dns-error')) return { failed };
  return { noAddress: results.map((r) => `${r.id}: ${r.dns ? `${r.dns.rcode}, ${r.dns.answers.length} answer(s)` : r.detail}`).join('; ') };
}

// An address, alone or with a port (10.0.0.1:5353, [fd00::1]:5353).
function addressOf(token: string): string | undefined {
  if (parseIp(token) !== undefined) return token;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(token) ?? /^\[([0-9a-fA-F:.]+)\]:\d+$/.exec(token);
  return withPort?.[1] !== undefined && parseIp(withPort[1]) !== undefined ? withPort[1] : undefined;
}

export type Expectation = { source: 'pod' | 'node'; why: string } | { source: undefined; why: string };

// What the plugin's NAT setting says about a pod's egress; an explicit --egress-source wins.
export function expectedSource(facts: NetworkFacts, podIP: string, forced: 'auto' | 'pod' | 'node'): Expectation {
  if (forced !== 'auto') return { source: forced, why: `--egress-source ${forced}` };
  const calico = facts.calico === undefined ? undefined : calicoMasquerades(facts, podIP);
  if (calico !== undefined) return { source: calico.masquerade ? 'node' : 'pod', why: `IPPool ${calico.pool} natOutgoing ${calico.masquerade}` };
  if (facts.ciliumConfig !== undefined) {
    const masq = ciliumSettings(facts.ciliumConfig.data).masquerade;
    return { source: masq ? 'node' : 'pod', why: `cilium-config enable-ipv4-masquerade ${masq}` };
  }
  const flannel = flannelMasquerades(facts);
  if (flannel !== undefined) return { source: flannel ? 'node' : 'pod', why: `flanneld ${flannel ? 'runs with' : 'runs without'} --ip-masq` };
  const router = kubeRouterMasquerades(facts);
  if (router !== undefined)
    return {
      source: router ? 'node' : 'pod',
      why: router
        ? 'kube-router masquerades pod egress (--run-router with --enable-pod-egress)'
        : 'kube-router does not masquerade pod egress (--run-router or --enable-pod-egress off)',
    };
  return { source: undefined, why: 'no NAT setting is readable through the API for this network plugin' };
}

export interface EgressObservation {
  pod: string;
  node: string;
  podIP: string;
  nodeAddresses: readonly string[];
  read: SourceRead;
  expect: Expectation;
}

export type EgressVerdict =
  | { status: 'pass'; line: string }
  | { status: 'fail'; line: string; classification: 'mismatch' | 'timeout' | 'unreachable' | 'refused' | 'error' }
  | { status: 'unjudged'; line: string }
  | { status: 'no-report'; line: string };

export function seenAs(o: Pick<EgressObservation, 'podIP' | 'node' | 'nodeAddresses'>, address: string): 'pod' | 'node' | 'other' {
  if (address === o.podIP) return 'pod';
  return o.nodeAddresses.includes(address) ? 'node' : 'other';
}

export function judgeEgress(o: EgressObservation, target: string): EgressVerdict {
  const who = `pod ${o.pod} on ${o.node} (${o.podIP})`;
  if ('failed' in o.read) {
    const outcome = o.read.failed.outcome;
    const classification = outcome === 'timeout' || outcome === 'unreachable' || outcome === 'refused' ? outcome : 'error';
    return { status: 'fail', classification, line: `${who} cannot reach ${target}: ${outcome} (${o.read.failed.detail})` };
  }
  if ('noAddress' in o.read) return { status: 'no-report', line: `${target} answered ${who} without an address (${o.read.noAddress})` };
  const address = o.read.address;
  const as = seenAs(o, address);
  const what =
    as === 'pod'
      ? 'its pod address'
      : as === 'node'
        ? `an address of ${o.node}`
        : "an address that is neither its own nor its node's (a NAT gateway on the way)";
  if (o.expect.source === undefined) return { status: 'unjudged', line: `${who} reached ${target} as ${address}, ${what}` };
  if (o.expect.source === 'pod' && as !== 'pod')
    return {
      status: 'fail',
      classification: 'mismatch',
      line: `${who} reached ${target} as ${address}, ${what}; ${o.expect.why} says it leaves with its pod address: something masquerades it`,
    };
  if (o.expect.source === 'node' && as === 'pod')
    return {
      status: 'fail',
      classification: 'mismatch',
      line: `${who} reached ${target} as its pod address; ${o.expect.why} says it is masqueraded to ${o.node}'s address: replies to a pod address outside the cluster are not routed back`,
    };
  return { status: 'pass', line: `${who} reached ${target} as ${address}, ${what}, as ${o.expect.why} says` };
}
