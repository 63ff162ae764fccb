// Pod addressing: no two nodes with overlapping podCIDRs, and every running pod's address (the
// run's own probe pods among them) within its node's podCIDR when the plugin allocates from it,
// and within the plugin's pools. Which ranges apply is the address plan, derived from the plugin
// configuration the API shows (Calico IPAM and Cilium's cluster pool do not use node podCIDRs).
import { containsIp, overlappingPairs, parseCidr, parseIp, type Cidr } from './cidr.ts';
import { calicoPools } from './calico.ts';
import { ciliumSettings } from './cilium.ts';
import type { NetworkFacts, NodeNet, PodNet } from './facts.ts';
import { fail, warn, type Finding } from './judgement.ts';

export interface AddressPlan {
  // Pods must lie in their own node's podCIDRs.
  perNode: boolean;
  // And in one of these (empty: no pool to judge against).
  pools: { name: string; cidr: Cidr }[];
  // One line: where the plan comes from.
  source: string;
}

export function addressPlan(facts: NetworkFacts): AddressPlan {
  const calico = calicoPools(facts).filter((p) => p.enabled);
  if (facts.calico !== undefined && calico.length > 0) {
    return {
      perNode: false,
      pools: calico.map((p) => ({ name: `IPPool ${p.name}`, cidr: p.cidr })),
      source: `Calico IPAM assigns from its enabled IPPools in per-node blocks, not from node podCIDRs`,
    };
  }
  if (facts.ciliumConfig !== undefined) {
    const s = ciliumSettings(facts.ciliumConfig.data);
    if (s.ipam === 'cluster-pool') {
      const pools = (s.pool ?? '').split(/[ ,]+/).flatMap((t) => {
        const cidr = parseCidr(t);
        return cidr === undefined ? [] : [{ name: 'cilium-config cluster-pool-ipv4-cidr', cidr }];
      });
      return { perNode: false, pools, source: 'Cilium cluster-pool IPAM assigns from its own pool (CiliumNode ranges), not from node podCIDRs' };
    }
  }
  const flannel = (() => {
    try {
      const conf = JSON.parse(facts.flannelConfig?.data['net-conf.json'] ?? '') as { Network?: string; IPv6Network?: string };
      return [conf.Network, conf.IPv6Network].flatMap((t) => {
        const cidr = t === undefined ? undefined : parseCidr(t);
        return cidr === undefined ? [] : [{ name: 'flannel Network', cidr }];
      });
    } catch {
      return [];
    }
  })();
  if (flannel.length > 0) return { perNode: true, pools: flannel, source: "flannel allocates from each node's podCIDR within its Network" };
  const cluster = (facts.clusterCidr?.cidrs ?? []).flatMap((t) => {
    const cidr = parseCidr(t);
    return cidr === undefined ? [] : [{ name: `cluster pod CIDR (${facts.clusterCidr?.source})`, cidr }];
  });
  return { perNode: true, pools: cluster, source: "pods take addresses from their node's podCIDR (host-local IPAM)" };
}

export interface AddressingResult {
  findings: Finding[];
  seen: string[];
  // Pod addresses judged.
  checked: number;
}

export function judgeAddressing(nodes: readonly NodeNet[], pods: readonly PodNet[], plan: AddressPlan): AddressingResult {
  const findings: Finding[] = [];
  const ranges = nodes.flatMap((node) =>
    node.podCIDRs.flatMap((text) => {
      const cidr = parseCidr(text);
      if (cidr === undefined) {
        findings.push(fail(`node ${node.name} podCIDR "${text}" is not a CIDR`, node.name));
        return [];
      }
      return [{ node: node.name, cidr }];
    }),
  );
  for (const [a, b] of overlappingPairs(ranges, (r) => r.cidr)) {
    if (a.node === b.node) continue;
    findings.push(fail(`nodes ${a.node} and ${b.node} have overlapping podCIDRs ${a.cidr.text} and ${b.cidr.text}: pods on both can get the same address`));
  }
  const without = nodes.filter((n) => n.podCIDRs.length === 0);
  if (plan.perNode && without.length > 0)
    findings.push(
      warn(
        `${without.length} node(s) have no podCIDR (${without.map((n) => n.name).join(', ')}): their pods' addresses cannot be checked against a node range`,
      ),
    );

  const byNode = new Map(nodes.map((n) => [n.name, n]));
  const outsideNode = new Map<string, string[]>();
  const outsidePool: string[] = [];
  let checked = 0;
  for (const pod of pods) {
    for (const ip of pod.ips) {
      const parsed = parseIp(ip);
      if (parsed === undefined) continue;
      checked++;
      const node = byNode.get(pod.node);
      const nodeRanges = (node?.podCIDRs ?? []).map(parseCidr).filter((c): c is Cidr => c !== undefined && c.family === parsed.family);
      if (plan.perNode && nodeRanges.length > 0 && !nodeRanges.some((c) => containsIp(c, ip))) {
        outsideNode.set(pod.node, [...(outsideNode.get(pod.node) ?? []), `${pod.namespace}/${pod.name} ${ip}`]);
      }
      const pools = plan.pools.filter((p) => p.cidr.family === parsed.family);
      if (pools.length > 0 && !pools.some((p) => containsIp(p.cidr, ip))) outsidePool.push(`${pod.namespace}/${pod.name} ${ip} on ${pod.node}`);
    }
  }
  for (const [node, list] of outsideNode) {
    findings.push(fail(`${list.length} pod address(es) on node ${node} outside its podCIDR ${byNode.get(node)?.podCIDRs.join(', ')}: ${sample(list)}`, node));
  }
  if (outsidePool.length > 0) {
    findings.push(
      fail(`${outsidePool.length} pod address(es) outside ${plan.pools.map((p) => `${p.name} ${p.cidr.text}`).join(', ')}: ${sample(outsidePool)}`),
    );
  }
  const seen = [
    plan.source,
    `${ranges.length} podCIDR(s) on ${nodes.length} node(s)${
      ranges.length > 0
        ? `: ${ranges
            .slice(0, 8)
            .map((r) => `${r.node} ${r.cidr.text}`)
            .join(', ')}${ranges.length > 8 ? ', ...' : ''}`
        : ''
    }`,
    `${checked} pod address(es) of ${pods.length} running pod(s) checked${plan.pools.length > 0 ? ` against ${plan.pools.map((p) => `${p.name} ${p.cidr.text}`).join(', ')}` : ''}`,
  ];
  return { findings, seen, checked };
}

function sample(list: readonly string[]): string {
  return `${list.slice(0, 5).join(', ')}${list.length > 5 ? `, and ${list.length - 5} more` : ''}`;
}
