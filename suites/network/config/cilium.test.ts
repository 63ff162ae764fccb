import { describe, expect, it } from 'vitest';
import { ciliumSettings, judgeCilium } from './cilium.ts';
import { facts, node, twoNodes } from './testing/objects.ts';

const config = (data: Record<string, string>) => ({ ciliumConfig: { namespace: 'kube-system', name: 'cilium-config', data } });

describe('Cilium configuration', () => {
  it('skips without cilium-config', () => {
    expect(judgeCilium(facts({ nodes: twoNodes() })).absent).toBe('Cilium is not present: no ConfigMap kube-system/cilium-config');
  });

  it('reads old and new routing keys', () => {
    expect(ciliumSettings({ tunnel: 'disabled' })).toMatchObject({ routing: 'native', ipam: 'cluster-pool', masquerade: true });
    expect(ciliumSettings({ 'routing-mode': 'tunnel', 'tunnel-protocol': 'geneve', mtu: '0', 'enable-ipv4-masquerade': 'false' })).toEqual({
      ipam: 'cluster-pool',
      routing: 'tunnel',
      tunnel: 'geneve',
      masquerade: false,
    });
  });

  it('passes a cluster pool inside the cluster CIDR and says the settings', () => {
    const judged = judgeCilium(
      facts({
        nodes: twoNodes(),
        clusterCidr: { cidrs: ['10.0.0.0/8'], source: '--cluster-cidr' },
        ...config({
          ipam: 'cluster-pool',
          'cluster-pool-ipv4-cidr': '10.0.0.0/8',
          'cluster-pool-ipv4-mask-size': '24',
          'routing-mode': 'tunnel',
          'tunnel-protocol': 'vxlan',
        }),
      }),
    );
    expect(judged.findings).toEqual([]);
    expect(judged.seen[0]).toBe('IPAM cluster-pool pool 10.0.0.0/8, routing tunnel (vxlan), MTU detected, IPv4 masquerade true');
  });

  it('names a pool outside the cluster CIDR, native routing without its CIDR, kubernetes IPAM without podCIDRs', () => {
    const texts = judgeCilium(
      facts({
        nodes: [node('node1', undefined, '10.217.0.11')],
        clusterCidr: { cidrs: ['10.244.0.0/16'], source: '--cluster-cidr of pod kube-system/kcm' },
        ...config({ ipam: 'kubernetes', 'routing-mode': 'native', mtu: 'auto' }),
      }),
    ).findings.map((f) => f.text);
    expect(texts).toContain(
      "node node1 has no podCIDR, and ConfigMap kube-system/cilium-config ipam is kubernetes: Cilium takes each node's pod range from it",
    );
    expect(texts).toContain(
      'ConfigMap kube-system/cilium-config routing-mode is native without ipv4-native-routing-cidr: Cilium cannot tell pod traffic it must not masquerade',
    );
    expect(texts).toContain('ConfigMap kube-system/cilium-config mtu "auto" is not a number');
    const pool = judgeCilium(
      facts({
        nodes: twoNodes(),
        clusterCidr: { cidrs: ['10.244.0.0/16'], source: '--cluster-cidr of pod kube-system/kcm' },
        ...config({ 'cluster-pool-ipv4-cidr': '10.0.0.0/8' }),
      }),
    ).findings.map((f) => f.text);
    expect(pool).toEqual([
      "ConfigMap kube-system/cilium-config cluster-pool-ipv4-cidr 10.0.0.0/8 is not within the cluster's pod CIDR 10.244.0.0/16 (--cluster-cidr of pod kube-system/kcm)",
    ]);
  });
});
