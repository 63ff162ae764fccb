import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { AGENT_PORTS, type ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { EXPECT, answeredBy, judge } from '../../helpers/probe/expectations.ts';
import { originOf, reach } from '../../helpers/probe/reach.ts';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import { freeNodePort, hostPort, nodeAddresses, nodeCells, nodePortConclusion, proxyPodsText, runnerDecision, type NodeAddress } from './nodeport.ts';

const ok = (pod: string, port = 8081, clientIP = '10.217.0.1'): ProbeResult => ({
  id: 'x',
  kind: 'http',
  outcome: 'ok',
  ms: 3,
  detail: 'HTTP 200',
  http: {
    status: 200,
    headers: {},
    echo: { pod, port, clientIP, clientPort: 1, namespace: 'ns', node: 'n', podIP: '1.1.1.1', method: 'GET', path: '/', host: 'h', headers: {} },
  },
});
const failed = (outcome: ProbeResult['outcome'], code?: string): ProbeResult => ({
  id: 'x',
  kind: 'http',
  outcome,
  ms: 2000,
  detail: outcome,
  ...(code === undefined ? {} : { code }),
});

describe('nodeAddresses', () => {
  it('takes InternalIP and ExternalIP literals of every node, not hostnames', () => {
    const nodes: V1Node[] = [
      {
        metadata: { name: 'n1' },
        status: {
          addresses: [
            { type: 'InternalIP', address: '10.0.0.1' },
            { type: 'Hostname', address: 'n1' },
            { type: 'ExternalIP', address: '203.0.113.1' },
          ],
        },
      },
      {
        metadata: { name: 'n2' },
        status: {
          addresses: [
            { type: 'InternalIP', address: 'fd00::2' },
            { type: 'ExternalDNS', address: 'n2.example' },
          ],
        },
      },
    ];
    expect(nodeAddresses(nodes)).toEqual([
      { node: 'n1', type: 'InternalIP', address: '10.0.0.1' },
      { node: 'n1', type: 'ExternalIP', address: '203.0.113.1' },
      { node: 'n2', type: 'InternalIP', address: 'fd00::2' },
    ]);
    expect(hostPort('fd00::2', 31000)).toBe('[fd00::2]:31000');
  });
});

describe('freeNodePort', () => {
  it('picks a port of the range that no Service uses', () => {
    expect(freeNodePort(new Set([30000, 30001]), () => 0)).toBe(30002);
    expect(freeNodePort(new Set([32767]), () => 0.99999999)).toBe(30000);
  });
});

describe('nodeCells on the fake transport', () => {
  const agent = (name: string, node: string): ProbeAgent => ({
    name,
    namespace: 'run',
    node,
    podIP: '10.244.0.1',
    group: 'node',
    ports: AGENT_PORTS,
    labels: {},
    token: 't',
  });
  const sources = [agent('probe-0', 'n1'), agent('probe-1', 'n2')];
  const addresses: NodeAddress[] = [
    { node: 'n1', type: 'InternalIP', address: '10.217.0.11' },
    { node: 'n2', type: 'InternalIP', address: '10.217.0.12' },
  ];
  const cells = nodeCells({
    sources,
    addresses,
    nodePort: 31000,
    kind: 'http',
    timeoutMs: 2000,
    endpointNode: 'n1',
    expectOn: () => answeredBy({ pod: 'probe-0', port: 8081 }),
  });

  it('probe every node address from every source, with what each cell must see', async () => {
    expect(cells.map((cell) => `${cell.row}>${cell.column} ${cell.expect.name}`)).toEqual([
      'n1>n1/int answered by probe-0 port 8081',
      'n1>n2/int answered by probe-0 port 8081',
      'n2>n1/int answered by probe-0 port 8081',
      'n2>n2/int answered by probe-0 port 8081',
    ]);
    const run = await reach(
      createFakeTransport(() => ok('probe-0')),
      cells,
      { policy: { deadlineMs: 0 } },
    );
    expect(run.mismatches).toEqual([]);
  });

  it('name the node that does not forward the nodePort, with the nodes that do as proof', async () => {
    const transport = createFakeTransport((_source, target) =>
      target.kind === 'http' && target.url.includes('10.217.0.12') ? failed('refused', 'ECONNREFUSED') : ok('probe-0'),
    );
    const run = await reach(transport, cells, { policy: { deadlineMs: 0 } });
    const origin = originOf(run, { conclude: nodePortConclusion, priority: ['target-node', 'source-node', 'endpoint', 'address'] });
    expect(origin).toMatchObject({ dimension: 'target-node', value: 'n2' });
    expect(origin?.summary).toContain('n2 does not forward the nodePort: kube-proxy (or what replaces it) on n2');
    expect(run.mismatches[0]?.judgement).toMatchObject({
      classification: 'refused',
      expected: 'answered by probe-0 port 8081',
      observed: 'refused (ECONNREFUSED)',
    });
  });

  it('judge the preserved client address and the silence of nodes without an endpoint (policy Local)', () => {
    expect(judge(answeredBy({ pod: 'probe-0', clientIP: '10.217.0.1' }), ok('probe-0')).ok).toBe(true);
    expect(judge(answeredBy({ pod: 'probe-0', clientIP: '10.217.0.1' }), ok('probe-0', 8081, '10.244.1.1'))).toMatchObject({
      ok: false,
      classification: 'mismatch',
    });
    expect(judge(EXPECT.blocked, failed('timeout')).ok).toBe(true);
    expect(judge(EXPECT.blocked, ok('probe-0')).ok).toBe(false);
  });
});

describe('runnerDecision', () => {
  it('skips in auto when no node address answered at all, and says why', () => {
    const decision = runnerDecision('auto', [failed('timeout'), failed('unreachable', 'EHOSTUNREACH')]);
    expect(decision).toMatchObject({ run: false });
    expect(decision.run === false && decision.reason).toContain('reaches no node address');
  });
  it('judges in auto once any node answered, even with a refusal', () => {
    expect(runnerDecision('auto', [failed('timeout'), failed('refused')])).toEqual({ run: true });
    expect(runnerDecision('auto', [ok('probe-0')])).toEqual({ run: true });
  });
  it('follows the option when it is forced', () => {
    expect(runnerDecision('on', [failed('timeout')])).toEqual({ run: true });
    expect(runnerDecision('off', [ok('probe-0')]).run).toBe(false);
  });
});

describe('proxyPodsText', () => {
  it('shows the proxy pods of a node, or says there is none', () => {
    const pod = {
      metadata: { name: 'kube-proxy-abc' },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'p', image: 'i', imageID: '', ready: true, restartCount: 3 }],
      },
    };
    expect(proxyPodsText('n1', [pod, { metadata: { name: 'coredns-x' } }])).toBe('n1: kube-proxy-abc Running Ready, 3 restart(s)');
    expect(proxyPodsText('n2', [{ metadata: { name: 'coredns-x' } }])).toMatch(/^n2: no kube-proxy/);
  });
});
