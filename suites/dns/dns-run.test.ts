// The dns checks against a fake cluster: two nodes, a probe pod on each, the DNS Service and two
// CoreDNS replicas (one per node), answered by the fake transport from a small zone. Faults are
// injected per source node, server and answer size, and each test asserts the origin the check names.
import { describe, expect, it } from 'vitest';
import type { DnsAnswer, DnsTarget, ProbeResult, ProbeTarget } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import type { AgentAddress } from '../../helpers/transport/transport.ts';
import {
  BIG_RECORDS,
  CANARY,
  HEADLESS,
  NXDOMAIN,
  PTR,
  SEARCH_PATH,
  SERVERS_ANSWER,
  TRUNCATION,
  UPSTREAM,
  upstreamAddress,
  type DnsCase,
  type DnsWorld,
  type Facts,
} from './dns-cases.ts';
import { reverseName } from './dns-names.ts';
import { askCase, leftReplicas } from './dns-run.ts';

const NS = 'sd-run';
const agent = (node: string): ProbeAgent => ({
  name: `probe-${node}`,
  namespace: NS,
  node,
  podIP: node === 'node1' ? '10.244.1.5' : '10.244.2.5',
  group: 'node',
  ports: { api: 8080, http: [8080], tcp: 9000, udp: 9001 },
  labels: {},
  token: 't',
});
const conf = { nameservers: ['10.96.0.10'], search: [`${NS}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'], options: ['ndots:5'] };
const world: DnsWorld = {
  domain: 'cluster.local',
  namespace: NS,
  resolvers: ['node1', 'node2'].map((node) => ({ agent: agent(node), conf, server: '10.96.0.10' })),
  servers: [
    { name: 'kube-dns', ip: '10.96.0.10', kind: 'service' },
    { name: 'coredns-a', ip: '10.244.1.10', kind: 'replica', node: 'node1' },
    { name: 'coredns-b', ip: '10.244.2.10', kind: 'replica', node: 'node2' },
  ],
};

const record = (name: string, type: string, data: string): DnsAnswer => ({ name, type, ttl: 5, data });
const headless = `dns-headless.${NS}.svc.cluster.local`;
const big = `dns-big.${NS}.svc.cluster.local`;
const ptrPods = `dns-ptr-pods.${NS}.svc.cluster.local`;
// The pod IPs behind the PTR Service are also endpoints of a dozen other Services: long PTR answers.
const otherServices = Array.from({ length: 12 }, (_, i) => `other-${i}.${NS}.svc.cluster.local`);
const ZONE: Record<string, DnsAnswer[]> = {
  'A kubernetes.default.svc.cluster.local': [record('kubernetes.default.svc.cluster.local', 'A', '10.96.0.1')],
  [`A dns-web.${NS}.svc.cluster.local`]: [record('dns-web', 'A', '10.96.7.7')],
  [`A ${headless}`]: [record(headless, 'A', '10.244.1.5'), record(headless, 'A', '10.244.2.5')],
  [`SRV _http._tcp.${headless}`]: ['10-244-1-5', '10-244-2-5'].map((pod) => record(headless, 'SRV', `0 50 8080 ${pod}.${headless}`)),
  [`A ${big}`]: Array.from({ length: BIG_RECORDS }, (_, i) => record(big, 'A', `192.0.2.${i + 10}`)),
  [`PTR ${reverseName('10.96.9.9')}`]: [record('ptr', 'PTR', `dns-ptr.${NS}.svc.cluster.local`)],
  ...Object.fromEntries(
    ['10.244.1.5', '10.244.2.5'].map((ip) => [
      `PTR ${reverseName(ip)}`,
      [...otherServices, ptrPods].map((svc) => record('ptr', 'PTR', `${ip.replaceAll('.', '-')}.${svc}`)),
    ]),
  ),
};
const FLAGS = { aa: true, tc: false, rd: true, ra: true, ad: false, cd: false };
// About what a server sends: a header, the question, 16 bytes an A record, more for names.
const sizeOf = (answers: readonly DnsAnswer[]) => 60 + answers.reduce((n, a) => n + (a.type === 'A' ? 16 : 12 + a.data.length), 0);

type Answer = Omit<ProbeResult, 'id' | 'kind'>;
const TIMEOUT: Answer = { outcome: 'timeout', code: 'ETIMEDOUT', ms: 2000, detail: 'no answer within 2000 ms' };

// A DNS server as CoreDNS behaves: NXDOMAIN for unknown names, TC over UDP above 512 bytes or the EDNS0 size.
function serve(t: DnsTarget, zone = ZONE): Answer {
  const answers = zone[`${t.type} ${t.name}`];
  if (answers === undefined)
    return { outcome: 'dns-error', code: 'NXDOMAIN', ms: 1, detail: 'NXDOMAIN', dns: { rcode: 'NXDOMAIN', flags: FLAGS, answers: [], size: 100 } };
  const size = sizeOf(answers);
  const full: Answer = { outcome: 'ok', ms: 1, detail: 'NOERROR', dns: { rcode: 'NOERROR', flags: FLAGS, answers, size } };
  if (t.transport === 'tcp' || size <= (t.udpSize ?? 512)) return full;
  if (t.tcpOnTruncation === true) return { ...full, ms: 2, dns: { rcode: 'NOERROR', flags: FLAGS, answers, size, truncatedOverUdp: { ms: 1, answers: 3 } } };
  return {
    outcome: 'ok',
    ms: 1,
    detail: 'NOERROR, truncated',
    dns: { rcode: 'NOERROR', flags: { ...FLAGS, tc: true }, answers: answers.slice(0, 3), size: 500 },
  };
}

// A fault: what a query from this agent to this server gets instead of the answer, or undefined.
type Fault = (source: AgentAddress, t: DnsTarget) => Answer | undefined;

async function run(k: DnsCase, facts: Facts, fault: Fault = () => undefined, zone = ZONE) {
  const transport = createFakeTransport((source, target: ProbeTarget) => (target.kind === 'dns' ? (fault(source, target) ?? serve(target, zone)) : TIMEOUT));
  return askCase(transport, world, k, facts, { timeoutMs: 2000, budgetMs: 0 });
}

// kube-proxy's rules gone on node2: its pods reach no ClusterIP; pod IPs still work.
const kubeProxyGoneOn =
  (node: string): Fault =>
  (source, t) =>
    source.node === node && t.server === '10.96.0.10' ? TIMEOUT : undefined;
// node2's pod network down: nothing leaves its pods.
const podNetworkDownOn =
  (node: string): Fault =>
  (source) =>
    source.node === node ? TIMEOUT : undefined;
const FACTS = {
  servers: { kubernetes: ['10.96.0.1'] },
  headless: { ready: ['10.244.1.5', '10.244.2.5'] },
  search: { ip: ['10.96.7.7'] },
  ptr: { clusterIP: ['10.96.9.9'], pods: ['10.244.1.5', '10.244.2.5'] },
};

describe('the dns checks name the one origin of their failures', () => {
  it('pass when every node gets every answer from every server, asking each of them directly', async () => {
    const { observations, finding } = await run(SERVERS_ANSWER, FACTS.servers);
    expect(finding).toBeUndefined();
    // 2 nodes x 3 servers x UDP and TCP.
    expect(observations).toHaveLength(12);
    expect(new Set(observations.map((o) => o.target.server))).toEqual(new Set(['10.96.0.10', '10.244.1.10', '10.244.2.10']));
  });

  it("record questions are asked from the fleet's sample, the path to DNS from every node", async () => {
    const transport = createFakeTransport((_source, target) => (target.kind === 'dns' ? serve(target) : TIMEOUT));
    const sampled = { ...world, sample: new Set(['probe-node1']) };
    await askCase(transport, sampled, HEADLESS, FACTS.headless, { timeoutMs: 2000, budgetMs: 0 });
    expect(new Set(transport.calls.map((c) => c.agent))).toEqual(new Set(['probe-node1']));
    transport.calls.length = 0;
    await askCase(transport, sampled, SERVERS_ANSWER, FACTS.servers, { timeoutMs: 2000, budgetMs: 0 });
    expect(new Set(transport.calls.map((c) => c.agent))).toEqual(new Set(['probe-node1', 'probe-node2']));
  });

  it('kube-proxy gone on one node: the Service fails from node2 only, the replicas answer node2 directly, so node2 is the origin and CoreDNS is cleared', async () => {
    const { finding } = await run(SERVERS_ANSWER, FACTS.servers, kubeProxyGoneOn('node2'));
    expect(finding?.origin).toMatchObject({ dimension: 'source-node', value: 'node2', confidence: 'high' });
    expect(finding?.classification).toBe('timeout');
    expect(finding?.message).toContain('every query from pods on node2 to the DNS Service fails (timeout)');
    expect(finding?.likelyCause).toMatch(/^the Service translation on node2 is broken \(kube-proxy on node2\): CoreDNS answers pods on node2 directly/);
    expect(finding?.likelyCause).not.toMatch(/replica|upstream|search path|reverse/);
  });

  it('one broken node is one reason: every check that fails there reports the same origin, whatever it asked', async () => {
    const checks: [DnsCase, Facts][] = [
      [SERVERS_ANSWER, FACTS.servers],
      [SEARCH_PATH, FACTS.search],
      [HEADLESS, FACTS.headless],
      [NXDOMAIN, {}],
      [PTR, FACTS.ptr],
      [CANARY, {}],
    ];
    for (const fault of [kubeProxyGoneOn('node2'), podNetworkDownOn('node2')]) {
      const findings = await Promise.all(checks.map(([k, facts]) => run(k, facts, fault)));
      for (const [i, { finding }] of findings.entries()) {
        expect(finding?.origin, checks[i]?.[0].what).toMatchObject({ dimension: 'source-node', value: 'node2' });
        // One failing query (the missing name, asked once of the Service) is thinner evidence than many.
        expect(['high', 'medium'], checks[i]?.[0].what).toContain(finding?.origin?.confidence);
        expect(finding?.likelyCause, checks[i]?.[0].what).toMatch(/node2/);
        expect(finding?.likelyCause, checks[i]?.[0].what).not.toMatch(/reverse zone|headless records|search path|SRV/);
      }
    }
  });

  it('the pod network down on one node: neither the Service nor the replicas answer that node, so its pod networking is named', async () => {
    const { finding } = await run(SERVERS_ANSWER, FACTS.servers, podNetworkDownOn('node2'));
    expect(finding?.origin).toMatchObject({ dimension: 'source-node', value: 'node2', confidence: 'high' });
    expect(finding?.likelyCause).toMatch(/^pods on node2 reach neither the DNS Service nor any CoreDNS pod, while pods on node1 do: pod networking on node2/);
  });

  it('one replica that does not answer is named, with its node, and the other replica cleared', async () => {
    const { finding } = await run(SERVERS_ANSWER, FACTS.servers, (_source, t) => (t.server === '10.244.2.10' ? TIMEOUT : undefined));
    expect(finding?.origin).toMatchObject({ dimension: 'server', value: 'coredns-b', confidence: 'high' });
    expect(finding?.likelyCause).toMatch(/^replica coredns-b on node2 does not answer as coredns-a does/);
  });

  it('a replica that has not seen a new Service is named, though queries through the Service fail only when they land on it', async () => {
    let turn = 0;
    const lagging: Fault = (_source, t) => {
      if (t.name !== big) return undefined;
      // The Service sends every other query to the lagging replica.
      const lands = t.server === '10.244.2.10' || (t.server === '10.96.0.10' && turn++ % 2 === 0);
      return lands
        ? { outcome: 'dns-error', code: 'NXDOMAIN', ms: 1, detail: 'NXDOMAIN', dns: { rcode: 'NXDOMAIN', flags: FLAGS, answers: [], size: 100 } }
        : undefined;
    };
    const { finding } = await run(TRUNCATION, {}, lagging);
    expect(finding?.origin).toMatchObject({ dimension: 'server', value: 'coredns-b' });
    expect(finding?.likelyCause).toMatch(
      /^replica coredns-b on node2 answers A dns-big\.sd-run\.svc\.cluster\.local with NXDOMAIN while the other replicas answer it: it has not seen the objects the others serve/,
    );
    expect(finding?.message).toContain('(queries through the DNS Service fail when they land on it)');
  });

  it('an MTU black hole on one node: small answers arrive, large ones (EDNS0 over UDP, TCP) to node2 do not', async () => {
    const mtu: Fault = (source, t) => (source.node === 'node2' && t.name === big && (t.transport === 'tcp' || t.udpSize !== undefined) ? TIMEOUT : undefined);
    const { finding, observations } = await run(TRUNCATION, {}, mtu);
    expect(observations.filter((o) => !o.ok)).toHaveLength(6);
    expect(finding?.origin).toMatchObject({ dimension: 'source-node & payload', value: 'node2 & large' });
    expect(finding?.likelyCause).toMatch(/MTU or fragmentation on the path to node2/);
    expect(finding?.likelyCause).not.toMatch(/kube-proxy|reverse/);
  });

  it('TCP blocked everywhere: UDP answers, TCP does not, from every node to every server', async () => {
    const { finding } = await run(SERVERS_ANSWER, FACTS.servers, (_source, t) => (t.transport === 'tcp' ? TIMEOUT : undefined));
    expect(finding?.origin).toMatchObject({ dimension: 'protocol', value: 'tcp' });
    expect(finding?.likelyCause).toMatch(/DNS over TCP does not reach CoreDNS while UDP does/);
  });

  it('PTR: a pod IP behind a dozen Services answers truncated over UDP; retried over TCP it names the pod, so the check passes', async () => {
    const { finding, observations } = await run(PTR, FACTS.ptr);
    expect(finding).toBeUndefined();
    expect(observations.some((o) => o.result?.dns?.truncatedOverUdp !== undefined)).toBe(true);
    expect(observations.every((o) => o.target.tcpOnTruncation === true)).toBe(true);
  });

  it('PTR: "no reverse zone" only when every replica answers NXDOMAIN for the reverse names', async () => {
    const noPodZone = Object.fromEntries(Object.entries(ZONE).filter(([key]) => !key.endsWith('244.10.in-addr.arpa')));
    const { finding } = await run(PTR, FACTS.ptr, undefined, noPodZone);
    expect(finding?.origin).toMatchObject({ dimension: 'question' });
    expect(finding?.likelyCause).toMatch(/^CoreDNS serves no reverse zone for the pod range: every replica answers NXDOMAIN/);
    // Timeouts from one node say nothing about reverse zones.
    const silent = await run(PTR, FACTS.ptr, podNetworkDownOn('node2'));
    expect(silent.finding?.likelyCause).not.toMatch(/reverse zone/);
    expect(silent.finding?.origin).toMatchObject({ dimension: 'source-node', value: 'node2' });
  });

  it('a probe agent that cannot be asked is said so, and blames nothing in DNS', async () => {
    const transport = createFakeTransport((_source, target) => (target.kind === 'dns' ? serve(target) : TIMEOUT));
    const probe = transport.probe.bind(transport);
    transport.probe = async (source, targets, options) => {
      if (source.name === 'probe-node2') throw new Error('proxy to sd-run/probe-node2: 502 Bad Gateway');
      return probe(source, targets, options);
    };
    const { finding } = await askCase(transport, world, SERVERS_ANSWER, FACTS.servers, { timeoutMs: 2000, budgetMs: 0 });
    expect(finding?.origin).toBeUndefined();
    expect(finding?.likelyCause).toMatch(/^the probe agent\(s\) on node2 could not be asked \(proxy to sd-run\/probe-node2: 502 Bad Gateway\)/);
  });

  it('CoreDNS down: every check names CoreDNS as the one origin', async () => {
    const transport = createFakeTransport(() => TIMEOUT);
    const down =
      'CoreDNS has no pods (its Deployment is scaled to zero or cannot create pods): kube-system/kube-dns has no endpoints, so every lookup times out';
    const { finding } = await askCase(
      transport,
      { ...world, servers: world.servers.slice(0, 1) },
      NXDOMAIN,
      {},
      { timeoutMs: 2000, budgetMs: 0, coreDnsDown: down },
    );
    expect(finding?.origin).toMatchObject({ dimension: 'component', value: 'coredns', confidence: 'high' });
    expect(finding?.message).toContain('; cause: CoreDNS has no pods');
    expect(finding?.likelyCause).toMatch(/^CoreDNS has no pods/);
  });
});

describe('the pod network between nodes', () => {
  it('pods reach only the replica on their own node: the direction is named, not a replica or kube-proxy', async () => {
    // No route between node1 and node2: replicas on the other node never answer, the Service only when it lands locally.
    const replicaNode: Record<string, string> = { '10.244.1.10': 'node1', '10.244.2.10': 'node2' };
    const crossNode: Fault = (source, t) =>
      (replicaNode[t.server] !== undefined && replicaNode[t.server] !== source.node) || (t.server === '10.96.0.10' && source.node === 'node1')
        ? TIMEOUT
        : undefined;
    const { finding } = await run(SERVERS_ANSWER, FACTS.servers, crossNode);
    expect(finding?.origin).toMatchObject({ dimension: 'direction', value: 'cross node' });
    expect(finding?.likelyCause).toMatch(/^pods reach the CoreDNS replicas on their own node but not those on other nodes/);
    expect(finding?.likelyCause).not.toMatch(/kube-proxy|does not answer as/);
  });
});

describe('the upstream', () => {
  const external = 'external.shakedown.test';
  const zone = { ...ZONE, [`A ${external}`]: [record(external, 'A', '192.0.2.1')] };
  const upstreamDown: Fault = (_source, t) => (t.name === external ? TIMEOUT : undefined);
  const facts = { external: [external], forward: ['. /etc/resolv.conf'] };

  it('passes when the external name and the cluster name both resolve', async () => {
    expect((await run(UPSTREAM, facts, undefined, zone)).finding).toBeUndefined();
  });

  it('is named when cluster names resolve through the same servers and the external name gets no answer, with the forward target to check', async () => {
    const { finding } = await run(UPSTREAM, facts, upstreamDown, zone);
    expect(finding?.likelyCause).toMatch(
      /^cluster DNS works \(kubernetes\.default\.svc\.cluster\.local resolves through the same servers from every node\) but external\.shakedown\.test gets no answer \(timeout\): CoreDNS's upstream does not answer; the Corefile forwards "\. \/etc\/resolv\.conf"/,
    );
    expect(finding?.likelyCause).toContain('the resolver of the nodes CoreDNS runs on, node1, node2');
    expect(finding?.likelyCause).not.toMatch(/neither the DNS Service nor any CoreDNS pod/);
  });

  it('says what the upstream answered a probe pod directly, when the Corefile names its address', async () => {
    const { finding } = await run(
      UPSTREAM,
      {
        ...facts,
        forward: ['. 10.0.0.2'],
        upstream: ['10.0.0.2: timeout (no answer within 2000 ms), so the upstream itself is down or unreachable from the pod network'],
      },
      upstreamDown,
      zone,
    );
    expect(finding?.likelyCause).toContain('the Corefile forwards ". 10.0.0.2"; asked directly from a probe pod: 10.0.0.2: timeout');
  });

  it('is not blamed when cluster names fail too: that is the path to CoreDNS', async () => {
    const { finding } = await run(UPSTREAM, facts, (source) => (source.node === 'node2' ? TIMEOUT : undefined), zone);
    expect(finding?.origin).toMatchObject({ dimension: 'source-node', value: 'node2' });
    expect(finding?.likelyCause).not.toMatch(/upstream/);
  });

  it('reads only plain addresses from forward targets', () => {
    expect(['10.0.0.2', '10.0.0.2:53', 'dns://10.0.0.2', 'tls://10.0.0.2', '/etc/resolv.conf', '10.0.0.2:5353'].map((t) => upstreamAddress(t)?.host)).toEqual([
      '10.0.0.2',
      '10.0.0.2',
      '10.0.0.2',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('a replica that left while it was asked', () => {
  const servers = [
    { name: 'kube-dns', ip: '10.96.0.10', kind: 'service' as const },
    { name: 'coredns-old', ip: '10.244.1.9', kind: 'replica' as const, node: 'node1' },
    { name: 'coredns-new', ip: '10.244.2.2', kind: 'replica' as const, node: 'node2' },
  ];
  const live = { name: 'coredns-new', node: 'node2', ip: '10.244.2.2', ready: true, phase: 'Running' };
  it('is named as left out when the state read after the failure no longer has it as a live replica', () => {
    expect(leftReplicas(servers, { service: undefined, pods: [live], terminating: [], endpoints: [], errors: [] })).toEqual(['coredns-old']);
  });
  it('is not left out when the state could not be read', () => {
    expect(leftReplicas(servers, { service: undefined, pods: [], terminating: [], endpoints: undefined, errors: ['cannot list pods'] })).toEqual([]);
  });
});
