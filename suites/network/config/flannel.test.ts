import { describe, expect, it } from 'vitest';
import { judgeFlannel, flannelMasquerades } from './flannel.ts';
import { facts, flannelAnnotations, NET_CONF, node } from './testing/objects.ts';

const configMap = (netConf: string) => ({
  namespace: 'kube-flannel',
  name: 'kube-flannel-cfg',
  data: { 'cni-conf.json': '{"name":"cbr0","cniVersion":"0.3.1"}', 'net-conf.json': netConf },
});
const flanneld = { flannel: [{ what: 'DaemonSet kube-flannel/kube-flannel-ds', args: ['/opt/bin/flanneld', '--ip-masq', '--kube-subnet-mgr'] }] };
const healthy = () => [
  node('node1', '10.244.1.0/24', '10.217.0.11', flannelAnnotations('10.217.0.11', '6e:5b:1c:aa:00:01')),
  node('node2', '10.244.2.0/24', '10.217.0.12', flannelAnnotations('10.217.0.12', '6e:5b:1c:aa:00:02')),
];

describe('flannel configuration', () => {
  it('skips with the reason when flannel leaves no trace', () => {
    const judged = judgeFlannel(facts({ nodes: [node('node1', '10.244.1.0/24', '10.217.0.11')] }));
    expect(judged.absent).toMatch(/^flannel is not present: no ConfigMap kube-flannel-cfg/);
  });

  it('passes a consistent kube-flannel install and says what it saw', () => {
    const judged = judgeFlannel(
      facts({
        nodes: healthy(),
        flannelConfig: configMap(NET_CONF),
        workloads: flanneld,
        clusterCidr: { cidrs: ['10.244.0.0/16'], source: '--cluster-cidr of pod kube-system/kube-controller-manager-cp' },
      }),
    );
    expect(judged.findings).toEqual([]);
    expect(judged.seen).toContain('Network 10.244.0.0/16');
    expect(judged.seen.join('\n')).toMatch(/Backend vxlan on UDP 8472 \(pod MTU = link MTU - 50\)/);
    expect(judged.seen.join('\n')).toMatch(/--ip-masq/);
    expect(flannelMasquerades(facts({ workloads: flanneld }))).toBe(true);
  });

  it('names both values when Network does not contain a node podCIDR or differs from --cluster-cidr', () => {
    const nodes = healthy();
    nodes[1] = node('node2', '10.245.2.0/24', '10.217.0.12', flannelAnnotations('10.217.0.12', '6e:5b:1c:aa:00:02'));
    const judged = judgeFlannel(
      facts({
        nodes,
        flannelConfig: configMap(NET_CONF),
        workloads: flanneld,
        clusterCidr: { cidrs: ['10.0.0.0/14'], source: '--cluster-cidr of pod kube-system/kcm' },
      }),
    );
    const texts = judged.findings.map((f) => f.text);
    expect(texts).toContain(
      "flannel Network 10.244.0.0/16 (ConfigMap kube-flannel/kube-flannel-cfg net-conf.json) does not contain node node2's podCIDR 10.245.2.0/24",
    );
    expect(texts).toContain(
      "flannel Network 10.244.0.0/16 (ConfigMap kube-flannel/kube-flannel-cfg net-conf.json) differs from the cluster's pod CIDR 10.0.0.0/14 (--cluster-cidr of pod kube-system/kcm)",
    );
    expect(judged.findings.find((f) => f.text.includes('node2'))?.node).toBe('node2');
  });

  it('finds a node flanneld never registered, a stale backend type, a shared public-ip and a shared VTEP MAC', () => {
    const nodes = [
      node('node1', '10.244.1.0/24', '10.217.0.11', flannelAnnotations('10.0.2.15', '6e:5b:1c:aa:00:01')),
      node('node2', '10.244.2.0/24', '10.217.0.12', flannelAnnotations('10.0.2.15', '6e:5b:1c:aa:00:01', 'host-gw')),
      node('node3', '10.244.3.0/24', '10.217.0.13'),
    ];
    const texts = judgeFlannel(facts({ nodes, flannelConfig: configMap(NET_CONF) })).findings.map((f) => `${f.level} ${f.text}`);
    expect(texts).toContain(
      'fail node node3 has no flannel.alpha.coreos.com/backend-type annotation: flanneld has not registered this node (not running there, or failing at start)',
    );
    expect(texts).toContain(
      'fail node node2 annotation flannel.alpha.coreos.com/backend-type is host-gw, net-conf.json Backend Type is vxlan: flanneld there runs an older config (restart it)',
    );
    expect(texts.some((t) => t.startsWith('fail nodes node1 and node2 all announce flannel public-ip 10.0.2.15'))).toBe(true);
    expect(texts.some((t) => t.startsWith('fail nodes node1 and node2 announce the same VtepMAC 6e:5b:1c:aa:00:01'))).toBe(true);
    expect(
      texts.some((t) => t.startsWith("warn node node1: flanneld uses public-ip 10.0.2.15, which is none of the node's addresses (10.217.0.11, node1)")),
    ).toBe(true);
  });

  it('says a broken net-conf.json and a missing Backend Type', () => {
    expect(judgeFlannel(facts({ nodes: healthy(), flannelConfig: configMap('{"Network": "10.244.0.0/16",') })).findings[0]?.text).toMatch(
      /^ConfigMap kube-flannel\/kube-flannel-cfg net-conf.json is not JSON/,
    );
    const texts = judgeFlannel(facts({ nodes: healthy(), flannelConfig: configMap('{"Network": "10.244.0.0/16"}') })).findings.map(
      (f) => `${f.level} ${f.text}`,
    );
    expect(texts).toContain(
      'warn ConfigMap kube-flannel/kube-flannel-cfg net-conf.json names no Backend Type: flannel falls back to udp, a userspace backend removed from current flannel releases',
    );
    // The nodes announce vxlan, the config now says udp: a mismatch per node.
    expect(texts.filter((t) => t.includes('backend-type is vxlan, net-conf.json Backend Type is udp'))).toHaveLength(2);
    expect(
      judgeFlannel(
        facts({
          nodes: healthy(),
          flannelConfig: configMap('{"EnableIPv6": true, "IPv6Network": "10.1.0.0/16", "Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}'),
        }),
      ).findings.map((f) => f.text),
    ).toContain('ConfigMap kube-flannel/kube-flannel-cfg net-conf.json IPv6Network is "10.1.0.0/16", not an IPv6 CIDR though EnableIPv6 is true');
  });
});

describe('flannel profile of the local cluster (ci/cluster/flannel.ts), as flanneld would annotate its nodes', () => {
  it('passes the configuration check, and egress expects the node address (--ip-masq)', async () => {
    const { netConf, flanneldArgs } = await import('../../../ci/cluster/flannel.ts');
    const { nodeLayout } = await import('../../../ci/cluster/layout.ts');
    const nodes = [1, 2].map((i) => {
      const layout = nodeLayout(i);
      return node(layout.name, layout.podCidr, layout.ip, flannelAnnotations(layout.ip, `6e:5b:1c:aa:00:0${i}`));
    });
    const profile = facts({
      nodes,
      flannelConfig: configMap(JSON.stringify(netConf())),
      workloads: { flannel: [{ what: 'DaemonSet kube-flannel/kube-flannel', args: ['/opt/bin/flanneld', ...flanneldArgs()] }] },
    });
    const judged = judgeFlannel(profile);
    expect(judged.findings).toEqual([]);
    expect(flannelMasquerades(profile)).toBe(true);
    const { expectedSource } = await import('./egress.ts');
    expect(expectedSource(profile, '10.244.1.5', 'auto')).toEqual({ source: 'node', why: 'flanneld runs with --ip-masq' });
  });
});
