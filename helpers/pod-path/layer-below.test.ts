import { describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../agent/protocol.ts';
import type { CheckContext } from '../engine/check.ts';
import { AGENT_PORTS, type ProbeAgent } from '../fleet/descriptor.ts';
import { createFakeTransport } from '../transport/fake.ts';
import { judgeLayerBelow, layerBelow, nodesOfOrigin, podPathThrough } from './layer-below.ts';

const agent = (i: number): ProbeAgent => ({
  name: `probe-${i}`,
  namespace: 'run',
  node: `node${i}`,
  podIP: `10.244.${i}.2`,
  group: 'node',
  ports: AGENT_PORTS,
  labels: {},
  token: 't',
});
const nodeOfIP = (ip: string) => `node${ip.split('.')[2] ?? '?'}`;

// A check context on a fake cluster of n nodes whose pod path loses what `lost` says.
function context(n: number, lost: (from: string, to: string, protocol: string, bytes: number | undefined) => boolean) {
  const transport = createFakeTransport((source, target: ProbeTarget) => {
    if (target.kind !== 'tcp' && target.kind !== 'udp') return { outcome: 'error', ms: 0, detail: 'unexpected' };
    const to = nodeOfIP(target.host);
    if (lost(source.node ?? '?', to, target.kind, target.size)) return { outcome: 'timeout', ms: target.timeoutMs, detail: 'no answer', code: 'ETIMEDOUT' };
    return { outcome: 'ok', ms: 1, detail: '', reply: { pod: `probe-${to.slice(4)}`, text: 'network' } };
  });
  const run = { fleet: { agents: Array.from({ length: n }, (_, i) => agent(i + 1)) }, timeouts: { probeMs: 1000, checkMs: 60_000 } };
  const c = { run, cluster: async () => ({ transport }), signal: new AbortController().signal } as unknown as Pick<CheckContext, 'run' | 'cluster' | 'signal'>;
  return { c, transport };
}

const kubeProxyOn2 = {
  dimension: 'source-node',
  value: 'node2',
  summary: 'Service traffic from node2 fails',
  confidence: 'high' as const,
  suspect: 'kube-proxy on node2',
};

describe('the layer below a failure', () => {
  it('reads the nodes an origin names, and every node for cross-node traffic', () => {
    const all = ['node1', 'node2', 'node3'];
    expect(nodesOfOrigin(kubeProxyOn2, all)).toEqual(['node2']);
    expect(nodesOfOrigin({ dimension: 'source-node & port', value: 'node1 & 80' }, all)).toEqual(['node1']);
    expect(nodesOfOrigin({ dimension: 'target-node', value: 'node1, node3' }, all)).toEqual(['node1', 'node3']);
    expect(nodesOfOrigin({ dimension: 'direction', value: 'cross node' }, all)).toEqual(all);
    expect(nodesOfOrigin({ dimension: 'protocol', value: 'udp' }, all)).toEqual([]);
    expect(nodesOfOrigin(undefined, all)).toEqual([]);
  });

  it('names the route between the nodes instead of kube-proxy when the pods cannot reach each other directly', async () => {
    const { c } = context(2, () => true);
    const verdict = await layerBelow(c, kubeProxyOn2);
    expect(verdict?.below).toBe('fails');
    if (verdict?.below !== 'fails') return;
    expect(verdict.origin).toMatchObject({ dimension: 'pair', value: 'node1 <-> node2', suspect: 'the pod network between node1 and node2' });
    expect(verdict.likelyCause).toMatch(
      /^the layer below fails, so kube-proxy on node2 is not the first suspect: direct pod-to-pod probes between the probes on node1 and node2, both ways, probes fail/,
    );
    expect(verdict.likelyCause).toMatch(/route or tunnel between these nodes/);
    expect(verdict.evidence[0]?.text).toContain('node1      -     X');
  });

  it('names the MTU into a node when only large payloads fail directly', async () => {
    const { c } = context(2, (from, to, _protocol, bytes) => from === 'node1' && to === 'node2' && bytes !== undefined && bytes > 1300 && bytes < 2000);
    const verdict = await layerBelow(c, kubeProxyOn2);
    expect(verdict?.below === 'fails' ? verdict.origin : undefined).toMatchObject({
      dimension: 'pair & payload',
      value: 'node1 -> node2, large',
      suspect: 'the path MTU from node1 to node2',
    });
  });

  it('names UDP between the nodes when only UDP fails directly', async () => {
    const { c } = context(2, (_from, _to, protocol) => protocol === 'udp');
    const verdict = await layerBelow(c, { dimension: 'source-node', value: 'node1', summary: 'DNS from node1 fails', confidence: 'high' });
    expect(verdict?.below === 'fails' ? verdict.origin.suspect : undefined).toBe('UDP between node1 and node2');
  });

  it('rules the pod network out, saying how, when the direct probes pass', async () => {
    const { c } = context(3, () => false);
    const verdict = await layerBelow(c, kubeProxyOn2);
    expect(verdict).toMatchObject({
      below: 'passes',
      ruledOut: 'the pod network below is ruled out: direct pod-to-pod probes through node2 pass (16 probes over 4 node pairs, TCP and UDP, small and large)',
    });
  });

  it('probes the pairs through the named nodes only, once per run for the same nodes', async () => {
    const { c, transport } = context(3, () => false);
    await Promise.all([podPathThrough(c, ['node2']), podPathThrough(c, ['node2'])]);
    const probed = transport.calls.flatMap((call) => call.targets.map((t) => `${call.agent}->${'host' in t ? nodeOfIP(t.host) : '?'}`));
    expect(new Set(probed)).toEqual(new Set(['probe-1->node2', 'probe-2->node1', 'probe-2->node3', 'probe-3->node2']));
    expect(probed).toHaveLength(16);
  });

  it('probes every node when the failures share no origin', async () => {
    const verdict = await layerBelow(context(2, () => true).c, undefined);
    expect(verdict?.below === 'fails' ? verdict.likelyCause : '').toMatch(
      /^the layer below fails, so what runs above it \(kube-proxy, CoreDNS\) is not the first suspect/,
    );
  });

  it('probes every node when the origin is a port: a broken path explains which ports fail before a port mapping does', async () => {
    const broken = await layerBelow(context(2, () => true).c, { dimension: 'port', value: '8090', summary: '', confidence: 'high' });
    expect(broken?.below === 'fails' ? broken.likelyCause : '').toMatch(
      /^the layer below fails, so what runs above it \(kube-proxy, CoreDNS\) is not the first suspect/,
    );
    const healthy = await layerBelow(context(2, () => false).c, { dimension: 'port', value: '8090', summary: '', confidence: 'high' });
    expect(healthy?.below).toBe('passes');
  });

  it('has nothing to say with fewer than two nodes', async () => {
    expect(await layerBelow(context(1, () => true).c, kubeProxyOn2)).toBeUndefined();
    expect(judgeLayerBelow({ nodes: ['node1'], verdicts: [], finding: undefined, probes: 0, evidence: { label: '', text: '' } }, undefined).below).toBe(
      'passes',
    );
  });
});
