// Cilium, as the cilium-config ConfigMap says: IPAM mode and its pool (cluster-pool-ipv4-cidr
// against the cluster's pod CIDR; the nodes' podCIDRs in kubernetes mode), tunnel or native
// routing (and the native routing CIDR that mode needs), MTU and masquerading.
import { containsCidr, parseCidr, type Cidr } from './cidr.ts';
import type { NetworkFacts } from './facts.ts';
import { fail, type Finding, type Judgement } from './judgement.ts';

export interface CiliumSettings {
  ipam: string;
  pool?: string;
  routing: string;
  tunnel?: string;
  mtu?: string;
  masquerade: boolean;
}

export function ciliumSettings(data: Record<string, string>): CiliumSettings {
  const tunnel = data['tunnel-protocol'] ?? (data.tunnel !== undefined && data.tunnel !== 'disabled' ? data.tunnel : undefined);
  // routing-mode (1.14+); older configs say tunnel: disabled for native routing.
  const routing = data['routing-mode'] ?? (data.tunnel === 'disabled' ? 'native' : 'tunnel');
  return {
    ipam: data.ipam ?? 'cluster-pool',
    ...(data['cluster-pool-ipv4-cidr'] === undefined ? {} : { pool: data['cluster-pool-ipv4-cidr'] }),
    routing,
    ...(routing === 'tunnel' ? { tunnel: tunnel ?? 'vxlan' } : {}),
    ...(data.mtu === undefined || data.mtu === '0' ? {} : { mtu: data.mtu }),
    masquerade: (data['enable-ipv4-masquerade'] ?? 'true') === 'true',
  };
}

export function judgeCilium(facts: NetworkFacts): Judgement {
  const config = facts.ciliumConfig;
  if (config === undefined) return { plugin: 'Cilium', absent: 'Cilium is not present: no ConfigMap kube-system/cilium-config', seen: [], findings: [] };
  const where = `ConfigMap ${config.namespace}/${config.name}`;
  const settings = ciliumSettings(config.data);
  const findings: Finding[] = [];
  const seen = [
    `IPAM ${settings.ipam}${settings.pool === undefined ? '' : ` pool ${settings.pool}`}, routing ${settings.routing}${settings.tunnel === undefined ? '' : ` (${settings.tunnel})`}, MTU ${settings.mtu ?? 'detected'}, IPv4 masquerade ${settings.masquerade}`,
  ];
  const cluster = (facts.clusterCidr?.cidrs ?? []).map(parseCidr).find((c): c is Cidr => c !== undefined && c.family === 4);
  if (settings.ipam === 'cluster-pool' && settings.pool !== undefined) {
    for (const text of settings.pool.split(/[ ,]+/).filter((t) => t !== '')) {
      const pool = parseCidr(text);
      if (pool === undefined) findings.push(fail(`${where} cluster-pool-ipv4-cidr "${text}" is not a CIDR`));
      else if (cluster !== undefined && !containsCidr(cluster, pool))
        findings.push(fail(`${where} cluster-pool-ipv4-cidr ${pool.text} is not within the cluster's pod CIDR ${cluster.text} (${facts.clusterCidr?.source})`));
    }
  }
  if (settings.ipam === 'kubernetes') {
    for (const node of facts.nodes)
      if (node.podCIDRs.length === 0)
        findings.push(fail(`node ${node.name} has no podCIDR, and ${where} ipam is kubernetes: Cilium takes each node's pod range from it`, node.name));
  }
  if (settings.routing === 'native' && config.data['ipv4-native-routing-cidr'] === undefined && config.data['native-routing-cidr'] === undefined) {
    findings.push(fail(`${where} routing-mode is native without ipv4-native-routing-cidr: Cilium cannot tell pod traffic it must not masquerade`));
  }
  if (settings.mtu !== undefined && !/^\d+$/.test(settings.mtu)) findings.push(fail(`${where} mtu "${settings.mtu}" is not a number`));
  return { plugin: 'Cilium', seen, findings };
}
