import { describe, expect, it } from 'vitest';
import { AGENT_PORTS, type ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { failReach, reach } from '../../helpers/probe/reach.ts';
import { createFakeTransport } from '../../helpers/transport/fake.ts';
import { dnsCells, podToPodCells } from './smoke.ts';
import { failingCheck } from '../../helpers/testing/failing-check.ts';

const agent = (i: number, node: string): ProbeAgent => ({
  name: `probe-${i}`,
  namespace: 'run',
  node,
  podIP: `10.244.${i}.2`,
  group: 'node',
  ports: AGENT_PORTS,
  labels: {},
  token: 't',
});
const agents = [agent(0, 'node1'), agent(1, 'node2'), agent(2, 'node1')];
const byIP = new Map(agents.map((a) => [a.podIP, a]));

describe('smoke: pod to pod', () => {
  it('passes when every agent echoes, and names the target node whose pods do not answer UDP', async () => {
    const transport = createFakeTransport((_source, target) => {
      if (target.kind === 'dns') return { outcome: 'error', ms: 0, detail: '' };
      const host = target.kind === 'http' ? new URL(target.url).hostname : target.host;
      const pod = byIP.get(host);
      if (target.kind === 'udp' && pod?.node === 'node2') return { outcome: 'timeout', ms: 1000, detail: 'no reply' };
      return target.kind === 'http'
        ? {
            outcome: 'ok',
            ms: 1,
            detail: '',
            http: {
              status: 200,
              headers: {},
              echo: {
                pod: pod?.name ?? '',
                port: 8081,
                namespace: 'run',
                node: pod?.node ?? '',
                podIP: host,
                clientIP: '',
                clientPort: 0,
                method: 'GET',
                path: '/',
                host,
                headers: {},
              },
            },
          }
        : { outcome: 'ok', ms: 1, detail: '', reply: { pod: pod?.name ?? '', text: 'smoke' } };
    });
    const cells = podToPodCells(agents, 1000);
    expect(cells).toHaveLength(27);
    const run = await reach(transport, cells, { policy: { deadlineMs: 0 }, sleep: async () => {} });
    expect(run.mismatches).toHaveLength(3);
    const c = failingCheck();
    await expect(failReach(c, run, { what: 'pod-to-pod probes' })).rejects.toThrow();
    expect(c.failure?.details.origin).toMatchObject({ dimension: 'target-node & protocol', value: 'node2 & udp' });
  });
});

describe('smoke: cluster DNS', () => {
  it('judges the kubernetes Service A record over UDP and TCP from every agent', async () => {
    const resolv = { nameservers: ['10.96.0.10'], search: ['run.svc.cluster.local', 'svc.cluster.local'], options: [] };
    const cells = dnsCells(
      agents.map((a) => ({ agent: a, resolv })),
      '10.96.0.1',
      1000,
    );
    expect(cells.map((cell) => cell.column)).toContain('kubernetes.default.svc.cluster.local A over tcp');
    const flags = { aa: true, tc: false, rd: true, ra: true, ad: false, cd: false };
    const transport = createFakeTransport((source) => ({
      outcome: 'ok',
      ms: 1,
      detail: '',
      dns: { rcode: 'NOERROR', flags, answers: source.name === 'probe-1' ? [] : [{ name: 'kubernetes', type: 'A', ttl: 5, data: '10.96.0.1' }] },
    }));
    const run = await reach(transport, cells, { policy: { deadlineMs: 0 }, sleep: async () => {} });
    expect(run.mismatches.map((cell) => cell.row)).toEqual(['probe-1@node2', 'probe-1@node2']);
    expect(run.mismatches[0]?.judgement.observed).toContain('missing 10.96.0.1');
  });
});
