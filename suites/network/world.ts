// What the data-path checks read from the cluster: whether the node agents' interface MTUs agree
// (read by helpers/pod-path/mtus.ts) and each node's address and kubelet port (the Node object).
import { isIP } from 'node:net';
import type { V1Node } from '@kubernetes/client-node';
import type { InterfaceMtu } from '../../agent/protocol.ts';

export const DEFAULT_KUBELET_PORT = 10250;

export interface MtuAgreement {
  status: 'pass' | 'warn';
  text: string;
  // One line per node.
  lines: string[];
}

// The pods of every node should have one MTU: a node whose pods send larger frames than others'
// pods accept loses large UDP datagrams to them (TCP negotiates its segment size, UDP does not).
export function mtuAgreement(mtus: ReadonlyMap<string, InterfaceMtu>): MtuAgreement {
  const lines = [...mtus.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([node, m]) => `${node}: ${m.mtu === undefined ? `unknown (${m.interface}: ${m.error ?? 'no value'})` : `${m.mtu} (${m.interface})`}`);
  const unknown = [...mtus.entries()]
    .filter(([, m]) => m.mtu === undefined)
    .map(([node]) => node)
    .sort();
  const byValue = Map.groupBy(
    [...mtus.entries()].filter(([, m]) => m.mtu !== undefined),
    ([, m]) => m.mtu as number,
  );
  if (byValue.size > 1) {
    const groups = [...byValue.entries()]
      .sort(([a], [b]) => b - a)
      .map(
        ([mtu, nodes]) =>
          `${mtu} on ${nodes
            .map(([node]) => node)
            .sort()
            .join(', ')}`,
      );
    return {
      status: 'warn',
      text: `pod interface MTUs differ between nodes: ${groups.join('; ')}: large UDP datagrams from the larger-MTU pods are lost to the others`,
      lines,
    };
  }
  if (unknown.length > 0) return { status: 'warn', text: `the pod interface MTU could not be read on ${unknown.join(', ')}`, lines };
  const [only] = byValue.keys();
  return { status: 'pass', text: `pod interface MTU ${only ?? '?'} on all ${mtus.size} nodes`, lines };
}

export interface NodeAddress {
  ip: string;
  port: number;
}

// Each node's first InternalIP (else ExternalIP) and the port its kubelet says it serves on.
export function nodeAddresses(nodes: readonly V1Node[]): Map<string, NodeAddress> {
  const out = new Map<string, NodeAddress>();
  for (const node of nodes) {
    const addresses = node.status?.addresses ?? [];
    const pick =
      addresses.find((a) => a.type === 'InternalIP' && isIP(a.address) !== 0) ?? addresses.find((a) => a.type === 'ExternalIP' && isIP(a.address) !== 0);
    if (pick === undefined || node.metadata?.name === undefined) continue;
    out.set(node.metadata.name, { ip: pick.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT });
  }
  return out;
}

// What the runner's probes of pod IPs say: every pod answered, none did (this machine has no route
// to the pod network, common and not a fault), or some did (a route to some nodes' pod ranges only).
export function runnerVerdict(results: readonly { node: string; ok: boolean; seen: string }[]): { status: 'pass' | 'skip' | 'warn'; text: string } {
  const reached = results.filter((r) => r.ok);
  const missed = results.filter((r) => !r.ok);
  if (results.length === 0) return { status: 'skip', text: 'no node agent to call' };
  if (missed.length === 0) return { status: 'pass', text: `this machine reaches the pod IPs on all ${results.length} nodes` };
  const how = [...new Set(missed.map((r) => r.seen))].join(', ');
  if (reached.length === 0) {
    return {
      status: 'skip',
      text: `this machine has no route to the pod network (${missed.length} of ${missed.length} pod IPs: ${how}); many clusters do not route pod IPs outside, which is not a fault`,
    };
  }
  return {
    status: 'warn',
    text: `this machine reaches the pod IPs on ${reached.map((r) => r.node).join(', ')} but not on ${missed.map((r) => r.node).join(', ')} (${how}): a route to some nodes' pod ranges only`,
  };
}
