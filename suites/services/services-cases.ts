// The Service cases, as data: each names the Services it creates (selecting the suite's OWN backend
// pods, in the suite's own namespace, never the shared fleet), the cells it probes (sources are the
// shared fleet's agents, one per sampled node; targets are the Services), and, for what a table
// cannot say (load spread, stickiness), a judgement over many answers. services-run.ts executes them.
import type { V1ServicePort } from '@kubernetes/client-node';
import type { ProbeTarget } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { answeredBy, dnsRecords, within, EXPECT, type Expectation } from '../../helpers/probe/expectations.ts';
import type { Cell } from '../../helpers/probe/reach.ts';
import type manifest from './manifest.ts';

export interface World {
  // The suite's own namespace, where its Services and backend pods live.
  namespace: string;
  backends: ProbeAgent[];
  // Shared fleet agents the probes start from: one per sampled node.
  sources: ProbeAgent[];
  timeoutMs: number;
  // The cluster DNS server and domain, from a source's resolv.conf.
  dns?: { server: string; domain: string };
}

export type Select = 'all' | 'none' | { pod: string } | { node: string };

export interface ServiceDraft {
  name: string;
  select: Select;
  ports: V1ServicePort[];
  headless?: boolean;
  sessionAffinity?: 'ClientIP';
}

export interface Created {
  name: string;
  ip: string;
  // The backends its selector matches (those that must be its ready endpoints).
  backends: ProbeAgent[];
}

export interface Samples {
  // Who sends, how many requests each, how many at once, to which Service and port.
  from: (w: World) => ProbeAgent[];
  count: (w: World) => number;
  concurrency: number;
  service: string;
  port: number;
  // Given the pod that answered each request (undefined: no answer) per source, what went wrong, if anything.
  judge: (answers: ReadonlyMap<ProbeAgent, readonly (string | undefined)[]>, w: World) => { problems: string[]; summary: string };
  cause: string;
}

export interface ServiceCase {
  // The key the manifest declares the case's check under.
  check: keyof typeof manifest.check;
  // Why the world cannot hold the case (then it is skipped with that reason).
  needs?: (w: World) => string | undefined;
  services: (w: World) => ServiceDraft[];
  cells?: (w: World, services: Readonly<Record<string, Created>>) => Cell[];
  samples?: Samples;
  // One backend is made not ready first; the cells then expect no answer from it.
  disturb?: 'not-ready';
  // The likely cause when the mismatches share no origin.
  cause: string;
}

const http = (id: string, ip: string, port: number, timeoutMs: number): ProbeTarget => ({ id, kind: 'http', url: `http://${ip}:${port}/`, timeoutMs });
const names = (agents: readonly ProbeAgent[]) => agents.map((a) => a.name);
export const KUBE_PROXY_CAUSE =
  'kube-proxy (or the CNI replacing it) did not program this Service on the nodes probed from: check its logs and that it runs on every node';

// One cell per source and Service port, with the facets the origin analysis compares.
function fromEverySource(w: World, service: Created, ports: readonly { port: number; kind: 'http' | 'tcp' | 'udp'; expect: Expectation }[]): Cell[] {
  return w.sources.flatMap((source) =>
    ports.map(({ port, kind, expect }): Cell => ({
      source,
      row: source.node,
      column: `${service.name}:${port}/${kind}`,
      target: kind === 'http' ? http('', service.ip, port, w.timeoutMs) : { id: '', kind, host: service.ip, port, payload: 'services', timeoutMs: w.timeoutMs },
      expect,
      facets: { 'source-node': source.node, port: String(port), protocol: kind },
    })),
  );
}

export const CASES: readonly ServiceCase[] = [
  {
    check: 'portMapping',
    services: () => [
      {
        name: 'port-map',
        select: 'all',
        ports: [
          { name: 'web', port: 8089, targetPort: 8080 },
          { name: 'named', port: 8090, targetPort: 'http-1' },
        ],
      },
    ],
    cells: (w, s) =>
      fromEverySource(w, s['port-map'] as Created, [
        { port: 8089, kind: 'http', expect: answeredBy({ pod: names(w.backends), port: 8080 }) },
        { port: 8090, kind: 'http', expect: answeredBy({ pod: names(w.backends), port: 8081 }) },
      ]),
    cause: 'the Service proxy sends to the Service port instead of the targetPort, or resolves the named port wrongly',
  },
  {
    check: 'multiPort',
    services: () => [
      {
        name: 'multi-port',
        select: 'all',
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'alt', port: 81, targetPort: 8082 },
          { name: 'tcp', port: 9000, targetPort: 'tcp-echo', protocol: 'TCP' },
          { name: 'udp', port: 9001, targetPort: 'udp-echo', protocol: 'UDP' },
        ],
      },
    ],
    cells: (w, s) =>
      fromEverySource(w, s['multi-port'] as Created, [
        { port: 80, kind: 'http', expect: answeredBy({ pod: names(w.backends), port: 8080 }) },
        { port: 81, kind: 'http', expect: answeredBy({ pod: names(w.backends), port: 8082 }) },
        { port: 9000, kind: 'tcp', expect: answeredBy({ pod: names(w.backends) }) },
        { port: 9001, kind: 'udp', expect: answeredBy({ pod: names(w.backends) }) },
      ]),
    cause: KUBE_PROXY_CAUSE,
  },
  {
    check: 'loadSpread',
    needs: (w) => (w.backends.length < 3 ? `the suite has ${w.backends.length} backend pods; judging spread needs 3` : undefined),
    services: () => [{ name: 'spread', select: 'all', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }],
    cells: (w, s) => fromEverySource(w, s['spread'] as Created, [{ port: 80, kind: 'http', expect: answeredBy({ pod: names(w.backends) }) }]),
    samples: {
      from: (w) => w.sources.slice(0, 1),
      count: (w) => 30 * w.backends.length,
      concurrency: 16,
      service: 'spread',
      port: 80,
      judge: (answers, w) => {
        const all = [...answers.values()].flat();
        const counts = new Map(w.backends.map((b) => [b.name, 0]));
        for (const pod of all) if (pod !== undefined) counts.set(pod, (counts.get(pod) ?? 0) + 1);
        const failed = all.filter((pod) => pod === undefined).length;
        const fair = all.length / w.backends.length;
        const summary = `${[...counts].map(([pod, n]) => `${pod} ${n}`).join(', ')}${failed > 0 ? `, no answer ${failed}` : ''} (of ${all.length})`;
        const problems = [
          ...(failed > 0 ? [`${failed} of ${all.length} requests got no answer`] : []),
          ...[...counts].filter(([, n]) => n < fair / 3).map(([pod, n]) => `${pod} got ${n}, expected at least ${Math.ceil(fair / 3)}`),
        ];
        return { problems, summary };
      },
      cause: 'an endpoint is missing from the proxy rules although EndpointSlices list it ready, or the proxy balances unevenly (weights, a stale rule set)',
    },
    cause: KUBE_PROXY_CAUSE,
  },
  {
    check: 'sessionAffinity',
    services: () => [{ name: 'affinity', select: 'all', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }],
    cells: (w, s) => fromEverySource(w, s['affinity'] as Created, [{ port: 80, kind: 'http', expect: answeredBy({ pod: names(w.backends) }) }]),
    samples: {
      from: (w) => w.sources,
      count: () => 12,
      concurrency: 1,
      service: 'affinity',
      port: 80,
      judge: (answers) => {
        const problems: string[] = [];
        const stuck: string[] = [];
        for (const [source, pods] of answers) {
          const seen = new Set(pods.map((pod) => pod ?? '(no answer)'));
          if (seen.size === 1) stuck.push(`${source.node} -> ${[...seen][0]}`);
          else problems.push(`from ${source.node}: expected one endpoint for all ${pods.length} requests, saw ${[...seen].join(', ')}`);
        }
        return { problems, summary: `each client stuck to one endpoint: ${stuck.join(', ')}` };
      },
      cause:
        'the Service proxy ignores sessionAffinity: ClientIP (some eBPF or IPVS setups need it enabled), or the client IP is masqueraded differently per connection',
    },
    cause: KUBE_PROXY_CAUSE,
  },
  {
    check: 'headless',
    needs: (w) => (w.dns === undefined ? 'the probe pods have no nameserver in /etc/resolv.conf' : undefined),
    services: () => [{ name: 'headless', select: 'all', headless: true, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] }],
    cells: (w) =>
      w.sources.map((source): Cell => {
        const name = `headless.${w.namespace}.svc.${w.dns?.domain ?? 'cluster.local'}`;
        return {
          source,
          row: source.node,
          column: `${name} A`,
          target: { id: '', kind: 'dns', server: w.dns?.server ?? '', name, type: 'A', transport: 'udp', timeoutMs: w.timeoutMs },
          expect: dnsRecords({ equals: w.backends.map((b) => b.podIP) }),
          facets: { 'source-node': source.node, server: w.dns?.server ?? '' },
        };
      }),
    cause: 'the cluster DNS does not serve headless records from EndpointSlices (CoreDNS kubernetes plugin misconfigured or lacking RBAC on endpointslices)',
  },
  {
    check: 'endpointSlices',
    services: () => [{ name: 'slices', select: 'all', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }],
    cause: 'the EndpointSlice controller in kube-controller-manager lags or is down',
  },
  {
    check: 'noEndpoints',
    services: () => [{ name: 'no-endpoints', select: 'none', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }],
    cells: (w, s) => fromEverySource(w, s['no-endpoints'] as Created, [{ port: 80, kind: 'tcp', expect: within(1000, EXPECT.refused) }]),
    cause:
      'kube-proxy installs no REJECT rule for Services without endpoints (or a firewall drops the ICMP/RST): clients hang until their own timeout instead of failing fast',
  },
  {
    check: 'hairpin',
    services: (w) =>
      perNode(w.backends).map((b) => ({ name: `hairpin-${b.name}`, select: { pod: b.name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] })),
    cells: (w, s) =>
      perNode(w.backends).map((b): Cell => ({
        source: b,
        row: `${b.name}@${b.node}`,
        column: `hairpin-${b.name}`,
        target: http('', s[`hairpin-${b.name}`]?.ip ?? '', 80, w.timeoutMs),
        expect: answeredBy({ pod: b.name }),
        facets: { 'source-node': b.node },
      })),
    cause: 'hairpin traffic is dropped: the kubelet hairpin mode (hairpin-veth / promiscuous-bridge) or the bridge CNI hairpinMode is off',
  },
  {
    check: 'crossNode',
    needs: (w) => (new Set(w.backends.map((b) => b.node)).size < 2 ? "the suite's pods run on one node; cross-node paths need two" : undefined),
    services: (w) =>
      perNode(w.backends).map((b) => ({ name: `on-${nodeKey(w, b.node)}`, select: { node: b.node }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] })),
    cells: (w, s) =>
      w.sources.flatMap((source) =>
        perNode(w.backends).map((b): Cell => ({
          source,
          row: source.node,
          column: b.node,
          target: http('', s[`on-${nodeKey(w, b.node)}`]?.ip ?? '', 80, w.timeoutMs),
          expect: answeredBy({ node: b.node }),
          facets: { 'source-node': source.node, 'target-node': b.node, direction: source.node === b.node ? 'same node' : 'cross node' },
        })),
      ),
    cause: 'pod traffic between nodes is not routed (CNI overlay or routes between nodes), or a host firewall drops it',
  },
];

// Disturbs a backend, so it runs on pods of its own (check-scoped), never the suite's shared ones.
export const READINESS_CASE: ServiceCase = {
  check: 'notReady',
  needs: (w) => (w.backends.length < 2 ? 'needs two backend pods' : undefined),
  services: () => [{ name: 'not-ready', select: 'all', ports: [{ name: 'http', port: 80, targetPort: 8080 }] }],
  disturb: 'not-ready',
  cells: (w, s) => {
    const victim = w.backends.at(-1);
    const healthy = w.backends.filter((b) => b !== victim);
    return w.sources.flatMap((source) =>
      Array.from({ length: 5 * w.backends.length }, (_, i): Cell => ({
        source,
        row: source.node,
        column: `#${i}`,
        target: http('', s['not-ready']?.ip ?? '', 80, w.timeoutMs),
        expect: answeredBy({ pod: names(healthy) }, `answered by a ready pod, never ${victim?.name}`),
        facets: { 'source-node': source.node },
      })),
    );
  },
  cause: 'the node proxy keeps a removed endpoint in its rules (stale kube-proxy sync), or the endpoint controller does not follow pod readiness',
};

// One backend per node, the first on each.
export function perNode(backends: readonly ProbeAgent[]): ProbeAgent[] {
  const seen = new Set<string>();
  return backends.filter((b) => !seen.has(b.node) && seen.add(b.node));
}

// A DNS-label-safe key for a node, unique within the world.
function nodeKey(w: World, node: string): string {
  return `n${perNode(w.backends).findIndex((b) => b.node === node)}`;
}
