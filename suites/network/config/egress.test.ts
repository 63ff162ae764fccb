import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../../agent/protocol.ts';
import { createFakeTransport } from '../../../helpers/transport/fake.ts';
import { egressProbes, expectedSource, judgeEgress, parseEgressTarget, reportedSource } from './egress.ts';
import { facts } from './testing/objects.ts';

const dns = (id: string, answers: { type: string; data: string }[], rcode = 'NOERROR'): ProbeResult => ({
  id,
  kind: 'dns',
  outcome: 'ok',
  ms: 2,
  detail: rcode,
  dns: { rcode, flags: { aa: true, tc: false, rd: true, ra: false, ad: false, cd: false }, answers: answers.map((a) => ({ name: 'whoami', ttl: 0, ...a })) },
});

describe('egress', () => {
  it('parses the target forms and refuses others', () => {
    expect(parseEgressTarget('10.217.0.2:53')).toEqual({ kind: 'dns', host: '10.217.0.2', port: 53, name: 'whoami', text: '10.217.0.2:53' });
    expect(parseEgressTarget('dns://ns1.example.net:53/o-o.myaddr.example.com')).toMatchObject({ host: 'ns1.example.net', name: 'o-o.myaddr.example.com' });
    expect(parseEgressTarget('[fd00::2]:53')).toMatchObject({ host: 'fd00::2', port: 53 });
    expect(parseEgressTarget('http://10.217.0.2:8080/ip')).toEqual({ kind: 'http', url: 'http://10.217.0.2:8080/ip', text: 'http://10.217.0.2:8080/ip' });
    for (const bad of ['10.217.0.2', '10.217.0.2:0', 'host:99999', 'a b:53']) expect(() => parseEgressTarget(bad)).toThrow(/HOST:PORT/);
  });

  it('asks the whoami name as A and TXT, and reads the address from either', async () => {
    const probes = egressProbes(parseEgressTarget('10.217.0.2:53'), 2000);
    expect(probes.map((p) => p.kind === 'dns' && `${p.type} ${p.name}@${p.server}:${p.port}`)).toEqual(['A whoami@10.217.0.2:53', 'TXT whoami@10.217.0.2:53']);
    const transport = createFakeTransport((_agent, target) =>
      target.id === 'A'
        ? { outcome: 'ok', ms: 1, detail: '', dns: dns('A', [], 'NXDOMAIN').dns }
        : { outcome: 'ok', ms: 1, detail: '', dns: dns('TXT', [{ type: 'TXT', data: '10.244.1.7:41234' }]).dns },
    );
    const response = await transport.probe({ name: 'agent-node1', namespace: 'sd', ports: { api: 8080 }, token: 't' }, probes);
    expect(reportedSource(response.results)).toEqual({ address: '10.244.1.7' });
    expect(reportedSource([dns('A', [{ type: 'A', data: '10.217.0.11' }])])).toEqual({ address: '10.217.0.11' });
    expect(reportedSource([dns('A', [], 'NXDOMAIN'), dns('TXT', [], 'NXDOMAIN')])).toEqual({
      noAddress: 'A: NXDOMAIN, 0 answer(s); TXT: NXDOMAIN, 0 answer(s)',
    });
    const timeout: ProbeResult = { id: 'A', kind: 'dns', outcome: 'timeout', ms: 2000, detail: 'no answer in 2000ms' };
    expect(reportedSource([timeout, { ...timeout, id: 'TXT' }])).toEqual({ failed: timeout });
  });

  it('derives the expectation from the NAT setting, an explicit option first', () => {
    const calico = facts({
      calico: {
        api: 'crd.projectcalico.org/v1',
        pools: [{ metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '10.244.0.0/16', natOutgoing: true } }],
        nodeStatuses: [],
        felix: [],
      },
    });
    expect(expectedSource(calico, '10.244.1.7', 'auto')).toEqual({ source: 'node', why: 'IPPool default-ipv4-ippool natOutgoing true' });
    expect(expectedSource(calico, '10.244.1.7', 'pod')).toEqual({ source: 'pod', why: '--egress-source pod' });
    expect(
      expectedSource(
        facts({ workloads: { flannel: [{ what: 'DaemonSet kube-flannel/kube-flannel-ds', args: ['--kube-subnet-mgr'] }] } }),
        '10.244.1.7',
        'auto',
      ),
    ).toEqual({ source: 'pod', why: 'flanneld runs without --ip-masq' });
    expect(
      expectedSource(
        facts({ workloads: { 'kube-router': [{ what: 'DaemonSet kube-system/kube-router', args: ['--run-router=false'] }] } }),
        '10.244.1.7',
        'auto',
      ).source,
    ).toBe('pod');
    expect(expectedSource(facts({}), '10.244.1.7', 'auto')).toEqual({
      source: undefined,
      why: 'no NAT setting is readable through the API for this network plugin',
    });
  });

  it('judges the source seen against the expectation, naming pod, node and target', () => {
    const base = { pod: 'sd-1/agent-node1', node: 'node1', podIP: '10.244.1.7', nodeAddresses: ['10.217.0.11', 'node1'] };
    const routed = { source: 'pod' as const, why: '--egress-source pod' };
    expect(judgeEgress({ ...base, read: { address: '10.244.1.7' }, expect: routed }, '10.217.0.2:53')).toEqual({
      status: 'pass',
      line: 'pod sd-1/agent-node1 on node1 (10.244.1.7) reached 10.217.0.2:53 as 10.244.1.7, its pod address, as --egress-source pod says',
    });
    expect(judgeEgress({ ...base, read: { address: '10.217.0.11' }, expect: routed }, '10.217.0.2:53')).toMatchObject({
      status: 'fail',
      classification: 'mismatch',
      line: expect.stringContaining('as 10.217.0.11, an address of node1; --egress-source pod says it leaves with its pod address'),
    });
    expect(judgeEgress({ ...base, read: { address: '10.244.1.7' }, expect: { source: 'node', why: 'IPPool p natOutgoing true' } }, 'T')).toMatchObject({
      status: 'fail',
      classification: 'mismatch',
    });
    expect(judgeEgress({ ...base, read: { address: '198.51.100.7' }, expect: { source: 'node', why: 'IPPool p natOutgoing true' } }, 'T').status).toBe('pass');
    expect(judgeEgress({ ...base, read: { address: '10.244.1.7' }, expect: { source: undefined, why: 'none' } }, 'T').status).toBe('unjudged');
    expect(
      judgeEgress({ ...base, read: { failed: { id: 'A', kind: 'dns', outcome: 'timeout', ms: 2000, detail: 'no answer' } }, expect: routed }, 'T'),
    ).toEqual({ status: 'fail', classification: 'timeout', line: 'pod sd-1/agent-node1 on node1 (10.244.1.7) cannot reach T: timeout (no answer)' });
    expect(judgeEgress({ ...base, read: { noAddress: 'A: NXDOMAIN' }, expect: routed }, 'T').status).toBe('no-report');
  });
});
