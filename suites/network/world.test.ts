import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { mtuAgreement, nodeAddresses, runnerVerdict } from './world.ts';

describe('pod interface MTUs', () => {
  it('pass when every node reports one MTU', () => {
    expect(
      mtuAgreement(
        new Map([
          ['node2', { interface: 'eth0', mtu: 1450 }],
          ['node1', { interface: 'eth0', mtu: 1450 }],
        ]),
      ),
    ).toEqual({
      status: 'pass',
      text: 'pod interface MTU 1450 on all 2 nodes',
      lines: ['node1: 1450 (eth0)', 'node2: 1450 (eth0)'],
    });
  });

  it('warn naming the nodes of each MTU when they differ, and the nodes that could not tell', () => {
    const differ = mtuAgreement(
      new Map([
        ['a', { interface: 'eth0', mtu: 1500 }],
        ['b', { interface: 'eth0', mtu: 1450 }],
        ['c', { interface: 'eth0', mtu: 1500 }],
      ]),
    );
    expect(differ.status).toBe('warn');
    expect(differ.text).toBe(
      'pod interface MTUs differ between nodes: 1500 on a, c; 1450 on b: large UDP datagrams from the larger-MTU pods are lost to the others',
    );
    const unknown = mtuAgreement(
      new Map([
        ['a', { interface: 'eth0', mtu: 1500 }],
        ['b', { interface: 'eth0', error: 'ENOENT' }],
      ]),
    );
    expect(unknown).toMatchObject({ status: 'warn', text: 'the pod interface MTU could not be read on b' });
    expect(unknown.lines).toContain('b: unknown (eth0: ENOENT)');
  });
});

describe('node addresses', () => {
  it('take the InternalIP (else the ExternalIP) and the kubelet port the node reports', () => {
    const node = (name: string, addresses: { type: string; address: string }[], port?: number): V1Node => ({
      metadata: { name },
      status: { addresses, ...(port === undefined ? {} : { daemonEndpoints: { kubeletEndpoint: { Port: port } } }) },
    });
    const found = nodeAddresses([
      node(
        'a',
        [
          { type: 'Hostname', address: 'a' },
          { type: 'InternalIP', address: '10.0.0.1' },
        ],
        10250,
      ),
      node('b', [{ type: 'ExternalIP', address: '203.0.113.9' }]),
      node('c', [{ type: 'Hostname', address: 'c' }]),
      node('d', [{ type: 'InternalIP', address: '10.0.0.4' }], 11250),
    ]);
    expect(Object.fromEntries(found)).toEqual({
      a: { ip: '10.0.0.1', port: 10250 },
      b: { ip: '203.0.113.9', port: 10250 },
      d: { ip: '10.0.0.4', port: 11250 },
    });
  });
});

describe('the runner to pod IPs', () => {
  it('passes when all answer, skips (never fails) when none do, warns when only some do', () => {
    expect(runnerVerdict([{ node: 'n1', ok: true, seen: 'ok' }])).toEqual({ status: 'pass', text: 'this machine reaches the pod IPs on all 1 nodes' });
    expect(
      runnerVerdict([
        { node: 'n1', ok: false, seen: 'timeout' },
        { node: 'n2', ok: false, seen: 'unreachable' },
      ]),
    ).toMatchObject({ status: 'skip', text: expect.stringMatching(/^this machine has no route to the pod network \(2 of 2 pod IPs: timeout, unreachable\)/) });
    expect(
      runnerVerdict([
        { node: 'n1', ok: true, seen: 'ok' },
        { node: 'n2', ok: false, seen: 'timeout' },
      ]),
    ).toMatchObject({ status: 'warn', text: expect.stringMatching(/^this machine reaches the pod IPs on n1 but not on n2 \(timeout\)/) });
  });
});
