import { describe, expect, it } from 'vitest';
import { addressPlan, judgeAddressing } from './addressing.ts';
import { podNets } from './facts.ts';
import { facts, NET_CONF, node, twoNodes } from './testing/objects.ts';

const pod = (namespace: string, name: string, nodeName: string, ip: string, hostNetwork = false) => ({
  metadata: { namespace, name },
  spec: { nodeName, hostNetwork },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});

describe('pod addressing', () => {
  it('keeps running pods with an address of their own', () => {
    const pods = podNets([
      pod('kube-system', 'coredns-1', 'node1', '10.244.1.3'),
      pod('kube-system', 'kube-proxy-1', 'node1', '10.217.0.11', true),
      { metadata: { namespace: 'x', name: 'pending' }, spec: { nodeName: 'node2' }, status: { phase: 'Pending' } },
    ]);
    expect(pods).toEqual([{ namespace: 'kube-system', name: 'coredns-1', node: 'node1', ips: ['10.244.1.3'] }]);
  });

  it('passes pods inside their node podCIDR, checked against the cluster CIDR when visible', () => {
    const plan = addressPlan(facts({ clusterCidr: { cidrs: ['10.244.0.0/16'], source: '--cluster-cidr of pod kube-system/kcm' } }));
    expect(plan.perNode).toBe(true);
    const result = judgeAddressing(twoNodes(), podNets([pod('a', 'p1', 'node1', '10.244.1.3'), pod('a', 'p2', 'node2', '10.244.2.9')]), plan);
    expect(result.findings).toEqual([]);
    expect(result.checked).toBe(2);
    expect(result.seen[2]).toBe('2 pod address(es) of 2 running pod(s) checked against cluster pod CIDR (--cluster-cidr of pod kube-system/kcm) 10.244.0.0/16');
  });

  it('names pods outside their node podCIDR, grouped by node, and outside the pool', () => {
    const plan = addressPlan(facts({ flannelConfig: { namespace: 'kube-flannel', name: 'kube-flannel-cfg', data: { 'net-conf.json': NET_CONF } } }));
    const result = judgeAddressing(
      twoNodes(),
      podNets([pod('a', 'p1', 'node1', '10.244.2.3'), pod('a', 'p2', 'node2', '10.88.0.4'), pod('a', 'p3', 'node2', '10.244.2.4')]),
      plan,
    );
    expect(result.findings.map((f) => `${f.level} ${f.text}`)).toEqual([
      'fail 1 pod address(es) on node node1 outside its podCIDR 10.244.1.0/24: a/p1 10.244.2.3',
      'fail 1 pod address(es) on node node2 outside its podCIDR 10.244.2.0/24: a/p2 10.88.0.4',
      'fail 1 pod address(es) outside flannel Network 10.244.0.0/16: a/p2 10.88.0.4 on node2',
    ]);
    expect(result.findings[0]?.node).toBe('node1');
  });

  it('finds overlapping node podCIDRs and nodes without one', () => {
    const nodes = [node('node1', '10.244.0.0/16', '10.217.0.11'), node('node2', '10.244.2.0/24', '10.217.0.12'), node('node3', undefined, '10.217.0.13')];
    const texts = judgeAddressing(nodes, [], addressPlan(facts({}))).findings.map((f) => `${f.level} ${f.text}`);
    expect(texts).toContain('fail nodes node1 and node2 have overlapping podCIDRs 10.244.0.0/16 and 10.244.2.0/24: pods on both can get the same address');
    expect(texts).toContain("warn 1 node(s) have no podCIDR (node3): their pods' addresses cannot be checked against a node range");
  });

  it('with Calico IPAM, judges pool membership, not node podCIDRs', () => {
    const plan = addressPlan(
      facts({
        calico: {
          api: 'crd.projectcalico.org/v1',
          pools: [{ metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '192.168.0.0/16' } }],
          nodeStatuses: [],
          felix: [],
        },
      }),
    );
    expect(plan.perNode).toBe(false);
    const result = judgeAddressing(twoNodes(), podNets([pod('a', 'p1', 'node1', '192.168.12.5'), pod('a', 'p2', 'node2', '10.244.2.4')]), plan);
    expect(result.findings.map((f) => f.text)).toEqual(['1 pod address(es) outside IPPool default-ipv4-ippool 192.168.0.0/16: a/p2 10.244.2.4 on node2']);
  });
});
