import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import { freeNodePort, hostPort, judgeNode, nodeAddresses, proxyPodsText, runnerDecision } from './nodeport.ts';

const ok = (pod: string, port = 8081, clientIP = '10.217.0.1'): ProbeResult => ({
  id: 'x',
  kind: 'http',
  outcome: 'ok',
  ms: 3,
  detail: 'HTTP 200',
  http: { status: 200, headers: {}, echo: { pod, port, clientIP, clientPort: 1, namespace: 'ns', node: 'n', podIP: '1.1.1.1', method: 'GET', path: '/', host: 'h', headers: {} } },
});
const failed = (outcome: ProbeResult['outcome'], code?: string): ProbeResult => ({ id: 'x', kind: 'http', outcome, ms: 2000, detail: outcome, ...(code === undefined ? {} : { code }) });

describe('nodeAddresses', () => {
  it('takes InternalIP and ExternalIP literals of every node, not hostnames', () => {
    const nodes: V1Node[] = [
      { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: 'n1' }, { type: 'ExternalIP', address: '203.0.113.1' }] } },
      { metadata: { name: 'n2' }, status: { addresses: [{ type: 'InternalIP', address: 'fd00::2' }, { type: 'ExternalDNS', address: 'n2.example' }] } },
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

describe('judgeNode', () => {
  const expected = { answer: true, pods: ['probe-0'], port: 8081 } as const;
  it('passes an answer from the right pod and port', () => {
    expect(judgeNode('n1', expected, ok('probe-0')).ok).toBe(true);
  });
  it('names a wrong backend and a wrong port', () => {
    expect(judgeNode('n1', expected, ok('probe-1'))).toMatchObject({ ok: false, classification: 'wrong-backend' });
    expect(judgeNode('n1', expected, ok('probe-0', 8080)).classification).toBe('wrong-backend');
  });
  it('classifies a node that did not answer by how it failed', () => {
    expect(judgeNode('n2', expected, failed('refused', 'ECONNREFUSED'))).toMatchObject({ ok: false, classification: 'refused', line: 'n2: expected an answer from probe-0 port 8081, saw refused (ECONNREFUSED)' });
    expect(judgeNode('n2', expected, failed('timeout')).classification).toBe('timeout');
  });
  it('checks the preserved client source IP', () => {
    expect(judgeNode('n1', { ...expected, clientIP: '10.217.0.1' }, ok('probe-0')).ok).toBe(true);
    expect(judgeNode('n1', { ...expected, clientIP: '10.217.0.1' }, ok('probe-0', 8081, '10.244.1.1'))).toMatchObject({ ok: false, classification: 'mismatch' });
  });
  it('expects silence from a node without a local endpoint under policy Local', () => {
    expect(judgeNode('n2', { answer: false }, failed('timeout')).ok).toBe(true);
    expect(judgeNode('n2', { answer: false }, failed('refused')).ok).toBe(true);
    expect(judgeNode('n2', { answer: false }, ok('probe-0')).ok).toBe(false);
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
    const pod = { metadata: { name: 'kube-proxy-abc' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'p', image: 'i', imageID: '', ready: true, restartCount: 3 }] } };
    expect(proxyPodsText('n1', [pod, { metadata: { name: 'coredns-x' } }])).toBe('n1: kube-proxy-abc Running Ready, 3 restart(s)');
    expect(proxyPodsText('n2', [{ metadata: { name: 'coredns-x' } }])).toMatch(/^n2: no kube-proxy/);
  });
});
