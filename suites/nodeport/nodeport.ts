// What the NodePort checks share: the addresses of every node, a NodePort Service of the run, a
// chosen free nodePort, what each node is expected to do, and the likely cause of each way a node
// can fail. Pure functions here are unit-tested in nodeport.test.ts.
import { isIP } from 'node:net';
import type { V1Node, V1Service } from '@kubernetes/client-node';
import type { ProbeResult } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { describeResult, type Expectation } from '../../helpers/probe/expectations.ts';
import { RUNNER, type Cell } from '../../helpers/probe/reach.ts';
import type { Classification } from '../../helpers/result.ts';
import type { RunnerReach } from './manifest.ts';

export interface NodeAddress {
  node: string;
  type: 'InternalIP' | 'ExternalIP';
  address: string;
}

// InternalIP and ExternalIP of every node, IP literals only (a hostname is not a NodePort address).
export function nodeAddresses(nodes: readonly V1Node[]): NodeAddress[] {
  return nodes.flatMap((node) =>
    (node.status?.addresses ?? [])
      .filter((a): a is { type: NodeAddress['type']; address: string } => (a.type === 'InternalIP' || a.type === 'ExternalIP') && isIP(a.address) !== 0)
      .map((a) => ({ node: node.metadata?.name ?? '?', type: a.type, address: a.address })),
  );
}

export function addressLabel(address: NodeAddress): string {
  return `${address.node}/${address.type === 'InternalIP' ? 'int' : 'ext'}`;
}

export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export function nodePortOf(service: V1Service, portName: string): number {
  return service.spec?.ports?.find((p) => p.name === portName)?.nodePort ?? 0;
}

export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

// A nodePort no Service of the cluster uses; the API server still has the last word (422 on a clash).
export function freeNodePort(used: ReadonlySet<number>, random: () => number = Math.random): number {
  const size = NODE_PORT_RANGE.max - NODE_PORT_RANGE.min + 1;
  const start = Math.floor(random() * size);
  for (let i = 0; i < size; i++) {
    const port = NODE_PORT_RANGE.min + ((start + i) % size);
    if (!used.has(port)) return port;
  }
  throw new Error('every port of the NodePort range is allocated');
}

// The cells of a NodePort check: from each source (a probe pod, or the runner) to every node
// address on the nodePort, each with what that node must do, and facets naming the source node, the
// node probed, whether it runs an endpoint, and the address type, for the origin analysis.
export interface NodeCellSpec {
  sources: readonly (ProbeAgent | typeof RUNNER)[];
  addresses: readonly NodeAddress[];
  nodePort: number;
  kind: 'http' | 'udp';
  timeoutMs: number;
  // Where the endpoint runs: nodes with it answer, others per `expectOthers`.
  endpointNode: string;
  expectOn: (address: NodeAddress) => Expectation;
}

export function nodeCells(spec: NodeCellSpec): Cell[] {
  return spec.sources.flatMap((source) =>
    spec.addresses.map((address): Cell => {
      const where = hostPort(address.address, spec.nodePort);
      return {
        source,
        row: source === RUNNER ? 'runner' : source.node,
        column: addressLabel(address),
        target:
          spec.kind === 'http'
            ? { id: '', kind: 'http', url: `http://${where}/`, timeoutMs: spec.timeoutMs }
            : { id: '', kind: 'udp', host: address.address, port: spec.nodePort, payload: 'nodeport', timeoutMs: spec.timeoutMs },
        expect: spec.expectOn(address),
        facets: {
          'source-node': source === RUNNER ? 'runner' : source.node,
          'target-node': address.node,
          endpoint: address.node === spec.endpointNode ? 'local endpoint' : 'no local endpoint',
          address: address.type,
        },
      };
    }),
  );
}

// A nodePort one node does not forward, or NodePort traffic from one node's pods not translated,
// points at that node's kube-proxy.
export function nodePortSuspect(origin: { dimensions: readonly string[]; values: readonly string[] }): string | undefined {
  if (origin.dimensions.length !== 1 || origin.values.length !== 1) return undefined;
  const [dimension] = origin.dimensions;
  const [node] = origin.values;
  return (dimension === 'target-node' || dimension === 'source-node') && node !== 'runner' ? `kube-proxy on ${node}` : undefined;
}

// What one origin means for NodePort traffic.
export function nodePortConclusion(origin: { dimensions: readonly string[]; values: readonly string[] }): string | undefined {
  if (origin.dimensions.length !== 1) return undefined;
  const v = origin.values.join(', ');
  switch (origin.dimensions[0]) {
    case 'target-node':
      return `${v} does not forward the nodePort: kube-proxy (or what replaces it) on ${v} is not running or has not programmed the Service, its nodePortAddresses excludes the address, or a host firewall drops the NodePort range`;
    case 'source-node':
      return v === 'runner'
        ? 'traffic from outside the cluster to the nodePort is dropped: a firewall or security group in front of the nodes'
        : `NodePort traffic from pods on ${v} is not translated: kube-proxy (or what replaces it) on ${v}`;
    case 'endpoint':
      return v === 'no local endpoint'
        ? 'nodes without a local endpoint do not forward to the endpoint on another node: the pod network between nodes, or kube-proxy there'
        : undefined;
    case 'address':
      return `the ${v} addresses of the nodes do not serve the nodePort: kube-proxy --nodeport-addresses excludes them, or a firewall drops them`;
    default:
      return undefined;
  }
}

function answered(result: ProbeResult | undefined): boolean {
  return result?.outcome === 'ok' || result?.outcome === 'http-status';
}

// The likely cause for the nodes that failed, by how they failed.
export function nodePortCause(classification: Classification, nodes: readonly string[]): string {
  const which = nodes.join(', ');
  switch (classification) {
    case 'refused':
      return `${which} refused the nodePort: kube-proxy (or the CNI replacing it) is not running there or has not programmed the Service, or its nodePortAddresses excludes the address probed`;
    case 'timeout':
    case 'unreachable':
      return `${which} did not answer on the nodePort: a host firewall (or cloud security group) drops the NodePort range, kube-proxy is not running on that node, or its nodePortAddresses excludes the address probed`;
    case 'wrong-backend':
      return `${which} forwarded the nodePort to the wrong backend or port: stale proxy rules, or targetPort resolved wrongly`;
    case 'mismatch':
      return `${which} did not honour externalTrafficPolicy: Local (source IP not preserved, or a node without a local endpoint still answers): the proxy ignores the policy or masquerades external traffic`;
    default:
      return `${which}: the NodePort data path is broken (kube-proxy on that node)`;
  }
}

export type RunnerDecision = { run: false; reason: string } | { run: true };

// Whether the runner's own probes of node addresses are judged: off skips; auto skips when not one
// node address answered at all (the runner cannot reach the nodes); on always judges.
export function runnerDecision(mode: RunnerReach, results: readonly (ProbeResult | undefined)[]): RunnerDecision {
  if (mode === 'off') return { run: false, reason: 'calls from the runner to node addresses are turned off (--node-port-from-runner off)' };
  if (mode === 'on') return { run: true };
  const reachedSomething = results.some((r) => r !== undefined && (answered(r) || r.outcome === 'refused' || r.outcome === 'reset'));
  if (reachedSomething) return { run: true };
  const how = [...new Set(results.map((r) => describeResult(r).replace(/ after \d+ms/, '')))].join(', ');
  return {
    run: false,
    reason: `this machine reaches no node address at all (${how}): typical from outside a private network; --node-port-from-runner on requires it`,
  };
}

export { PROXY_POD, proxyEvidence, proxyPodsText } from '../lib/proxy.ts';
