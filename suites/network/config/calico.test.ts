import { describe, expect, it } from 'vitest';
import { calicoMasquerades, judgeCalico } from './calico.ts';
import type { CalicoFacts, CalicoNodeStatus, IPPool } from './facts.ts';
import { facts, twoNodes } from './testing/objects.ts';

const pool = (name: string, spec: IPPool['spec']): IPPool => ({
  metadata: { name },
  spec: { blockSize: 26, ipipMode: 'Always', natOutgoing: true, nodeSelector: 'all()', vxlanMode: 'Never', ...spec },
});
const peers = (node: string, list: { peerIP: string; state: string }[]): CalicoNodeStatus => ({
  metadata: { name: `${node}-status` },
  spec: { node, classes: ['Agent', 'BGP', 'Routes'] },
  status: {
    lastUpdated: '2026-12-03T22:00:00Z',
    agent: { birdV4: { state: 'Ready' } },
    bgp: {
      numberEstablishedV4: list.filter((p) => p.state === 'Established').length,
      numberNotEstablishedV4: list.filter((p) => p.state !== 'Established').length,
      numberEstablishedV6: 0,
      numberNotEstablishedV6: 0,
      peersV4: list.map((p) => ({ ...p, type: 'NodeMesh', since: '22:00:01' })),
    },
  },
});
const calico = (partial: Partial<CalicoFacts>): CalicoFacts => ({ api: 'crd.projectcalico.org/v1', pools: [], nodeStatuses: [], felix: [], ...partial });

describe('Calico configuration', () => {
  it('skips when no IPPool API is served', () => {
    expect(judgeCalico(facts({ nodes: twoNodes() })).absent).toBe(
      'Calico is not present: no IPPool API served (crd.projectcalico.org/v1 or projectcalico.org/v3)',
    );
  });

  it('passes a pool that holds the node podCIDRs, with every peer Established', () => {
    const judged = judgeCalico(
      facts({
        nodes: twoNodes(),
        clusterCidr: { cidrs: ['10.244.0.0/16'], source: '--cluster-cidr' },
        calico: calico({
          pools: [pool('default-ipv4-ippool', { cidr: '10.244.0.0/16' })],
          nodeStatuses: [peers('node1', [{ peerIP: '10.217.0.12', state: 'Established' }])],
          felix: [
            {
              metadata: { name: 'default' },
              spec: { bpfLogLevel: '', floatingIPs: 'Disabled', logSeverityScreen: 'Info', reportingInterval: '0s', vxlanMTU: 1450, iptablesBackend: 'NFT' },
            },
          ],
        }),
      }),
    );
    expect(judged.findings).toEqual([]);
    expect(judged.seen).toContain('IPPool default-ipv4-ippool 10.244.0.0/16: blockSize 26, ipipMode Always, vxlanMode Never, natOutgoing true');
    expect(judged.seen).toContain('node node1: 1 of 1 BGP peer(s) Established (reported 2026-12-03T22:00:00Z)');
    expect(judged.seen).toContain('FelixConfiguration default: vxlanMTU 1450, iptablesBackend NFT');
  });

  it('names the pool and the node podCIDR it does not contain, and the BGP peer that is down', () => {
    const judged = judgeCalico(
      facts({
        nodes: twoNodes(),
        calico: calico({
          pools: [pool('default-ipv4-ippool', { cidr: '192.168.0.0/16' })],
          nodeStatuses: [peers('node2', [{ peerIP: '10.217.0.11', state: 'Idle' }])],
        }),
      }),
    );
    const texts = judged.findings.map((f) => f.text);
    expect(texts).toContain("IPPool default-ipv4-ippool 192.168.0.0/16 does not contain node node1's podCIDR 10.244.1.0/24");
    expect(texts).toContain("IPPool default-ipv4-ippool 192.168.0.0/16 does not contain node node2's podCIDR 10.244.2.0/24");
    expect(texts).toContain('node node2: BGP peer 10.217.0.11 (NodeMesh) is Idle, not Established (since 22:00:01): routes to the pods behind it are missing');
    expect(judged.findings.every((f) => f.level === 'fail')).toBe(true);
  });

  it('judges pool settings: both encapsulations, bad modes, blockSize, disabled pools, overlaps, --cluster-cidr', () => {
    const texts = judgeCalico(
      facts({
        nodes: twoNodes(),
        clusterCidr: { cidrs: ['10.244.0.0/16'], source: '--cluster-cidr of pod kube-system/kcm' },
        calico: calico({
          pools: [
            pool('both', { cidr: '10.244.0.0/17', vxlanMode: 'Always' }),
            pool('odd', { cidr: '10.244.128.0/17', ipipMode: 'Sometimes', blockSize: 16 }),
            pool('outside', { cidr: '10.250.0.0/16', ipipMode: 'Never' }),
            pool('overlapping', { cidr: '10.244.1.0/24', ipipMode: 'Never' }),
            pool('off', { cidr: '172.16.0.0/16', disabled: true }),
          ],
        }),
      }),
    ).findings.map((f) => `${f.level} ${f.text}`);
    expect(texts).toContain('fail IPPool both sets both ipipMode Always and vxlanMode Always: Calico allows one encapsulation per pool');
    expect(texts).toContain('fail IPPool odd ipipMode is "Sometimes", not one of Never, Always, CrossSubnet');
    expect(texts).toContain('fail IPPool odd blockSize 16 is outside 20-32 for IPv4');
    expect(texts).toContain("fail IPPool outside 10.250.0.0/16 is not within the cluster's pod CIDR 10.244.0.0/16 (--cluster-cidr of pod kube-system/kcm)");
    expect(texts).toContain('fail IPPools both 10.244.0.0/17 and overlapping 10.244.1.0/24 overlap');
    expect(texts.some((t) => t.startsWith('warn the enabled IPPools use different encapsulations'))).toBe(true);
    const allOff = judgeCalico(facts({ nodes: twoNodes(), calico: calico({ pools: [pool('off', { cidr: '10.244.0.0/16', disabled: true })] }) })).findings.map(
      (f) => f.text,
    );
    expect(allOff).toContain('every IPPool is disabled (off 10.244.0.0/16): Calico IPAM assigns no new pod address');
  });

  it('warns about a pool with fewer blocks than nodes, a silent CalicoNodeStatus and per-node Felix overrides', () => {
    const texts = judgeCalico(
      facts({
        nodes: twoNodes(),
        calico: calico({
          pools: [pool('tiny', { cidr: '10.244.0.0/26', blockSize: 26 })],
          nodeStatuses: [{ metadata: { name: 'node1' }, spec: { node: 'node1', classes: ['BGP'] } }],
          felix: [
            { metadata: { name: 'default' }, spec: { vxlanMTU: 1450 } },
            { metadata: { name: 'node.node2' }, spec: { vxlanMTU: 1400 } },
          ],
        }),
      }),
    ).findings.map((f) => `${f.level} ${f.text}`);
    expect(texts).toContain(
      "warn IPPool tiny 10.244.0.0/26 holds 1 block(s) of /26 for 2 nodes: some nodes get no block of their own and borrow addresses from others' blocks",
    );
    expect(texts).toContain(
      'warn CalicoNodeStatus node1 for node node1 has no status: calico-node on node1 has not reported (not running, or BGP is not in use)',
    );
    expect(texts).toContain('warn FelixConfiguration node.node2 sets vxlanMTU 1400 on node node2, the default is 1450');
  });

  it('fails an empty pool list, a BIRD that is not Ready and an unusable Felix MTU', () => {
    expect(judgeCalico(facts({ calico: calico({}) })).findings[0]?.text).toMatch(/^the IPPool API is served but holds no IPPool/);
    const status = peers('node1', []);
    if (status.status?.agent?.birdV4) status.status.agent.birdV4.state = 'NotReady';
    const texts = judgeCalico(
      facts({
        nodes: twoNodes(),
        calico: calico({
          pools: [pool('p', { cidr: '10.244.0.0/16' })],
          nodeStatuses: [status],
          felix: [{ metadata: { name: 'default' }, spec: { ipipMTU: 100, iptablesBackend: 'Fast' } }],
        }),
      }),
    ).findings.map((f) => f.text);
    expect(texts).toContain('node node1: the IPv4 BGP daemon (BIRD) is NotReady, not Ready');
    expect(texts).toContain('FelixConfiguration default ipipMTU is 100: not a usable MTU');
    expect(texts).toContain('FelixConfiguration default iptablesBackend is "Fast", not Legacy, NFT or Auto');
  });

  it('reads natOutgoing of the pool a pod address is in', () => {
    const f = facts({ calico: calico({ pools: [pool('nat', { cidr: '10.244.0.0/17' }), pool('routed', { cidr: '10.244.128.0/17', natOutgoing: false })] }) });
    expect(calicoMasquerades(f, '10.244.1.5')).toEqual({ masquerade: true, pool: 'nat' });
    expect(calicoMasquerades(f, '10.244.200.5')).toEqual({ masquerade: false, pool: 'routed' });
    expect(calicoMasquerades(f, '10.1.0.1')).toBeUndefined();
  });
});
