import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import type { Csr } from '../lib/api-json.ts';
import { staticPodsOf } from '../lib/kubeadm.ts';
import { controlPlanePods, mirrorPod } from '../lib/testing/kubeadm.ts';
import { RUNNER, type Dialed } from './dial.ts';
import { etcdDials, judgeEtcd, judgeKubeletClientRotation, UNSEEN } from './kubeadm.ts';
import { APISERVER_CERT } from './testing/fixtures.ts';

// The fixture's apiserver leaf covers 10.217.0.11 (node1's address) and is signed by test-root-ca:
// it stands for etcd/server.crt, which kubeadm signs with the etcd CA.
const served = new X509Certificate(APISERVER_CERT);
const now = new Date(served.validFromDate.getTime() + 86_400_000);
const thresholds = { warnDays: 30, failDays: 7 };
const agent = (node: string): ProbeAgent => ({
  name: `probe-${node}`,
  namespace: 'sd',
  node,
  podIP: '10.244.0.9',
  group: 'node',
  ports: { api: 8080, http: [8080], tcp: 9000, udp: 9001 },
  labels: {},
  token: 't',
});
const result = (outcome: ProbeResult['outcome'], certs: X509Certificate[] = []): ProbeResult => ({
  id: '0',
  kind: 'tls',
  outcome,
  ms: 1,
  detail: outcome === 'ok' ? 'handshake done (TLSv1.3), 1 certificate(s) served' : 'connect ETIMEDOUT',
  ...(certs.length === 0 ? {} : { tls: { chain: certs.map((c) => c.raw.toString('base64')) } }),
});

describe('etcd serving certificate (kubeadm)', () => {
  const pods = staticPodsOf(controlPlanePods(['node1', 'node2']));

  it("is dialed at each member's advertised client URL from the agent on its node", () => {
    const { dials, unnamed } = etcdDials(pods, [agent('node1'), agent('node2')]);
    expect(unnamed).toEqual([]);
    expect(dials.map((d) => [d.where, d.from === RUNNER ? 'runner' : d.from.name, d.host, d.port])).toEqual([
      ['etcd on node1 (10.217.0.11:2379) from its own agent', 'probe-node1', '10.217.0.11', 2379],
      ['etcd on node2 (10.217.0.12:2379) from its own agent', 'probe-node2', '10.217.0.12', 2379],
    ]);
    expect(etcdDials(pods, []).dials[0]?.from).toBe(RUNNER);
  });

  it('passes a certificate for its address far from expiry, and names its issuer', () => {
    const { dials } = etcdDials(pods.slice(0, 1), [agent('node1')]);
    const judged = judgeEtcd(
      dials.map((dial): Dialed => ({ dial, result: result('ok', [served]), chain: [served] })),
      now,
      thresholds,
    );
    expect(judged.findings).toEqual([]);
    expect(judged.lines[0]).toContain('issuer CN=test-root-ca');
  });

  it('fails a certificate that does not cover the advertised address, and warns on one that expires soon', () => {
    const { dials } = etcdDials(staticPodsOf([mirrorPod('etcd', 'node2')]), [agent('node2')]);
    const late = new Date(served.validToDate.getTime() - 10 * 86_400_000);
    const judged = judgeEtcd(
      dials.map((dial): Dialed => ({ dial, result: result('ok', [served]), chain: [served] })),
      late,
      thresholds,
    );
    expect(judged.findings.map((f) => `${f.level} ${f.message.split(' (its SANs')[0]}`)).toEqual([
      expect.stringMatching(/^warn CN=apiserver .*expires in 10 day\(s\)/),
      'fail the certificate does not cover 10.217.0.12, the address etcd advertises to its clients',
    ]);
    expect(judged.findings[0]?.likelyCause).toContain('kubeadm certs renew etcd-server');
  });

  it('is skipped with the reason when no member answers from the pod network', () => {
    const { dials } = etcdDials(pods, [agent('node1'), agent('node2')]);
    const judged = judgeEtcd(
      dials.map((dial): Dialed => ({ dial, result: result('timeout'), chain: [] })),
      now,
      thresholds,
    );
    expect(judged.unreachable).toMatch(/^etcd's client port did not answer from the pod network .*kubeadm certs check-expiration/);
  });

  it('is skipped with the reason when etcd refuses the handshake before it shows its certificate (TLS 1.2)', () => {
    const { dials } = etcdDials(pods.slice(0, 1), [agent('node1')]);
    const refused: ProbeResult = { id: '0', kind: 'tls', outcome: 'tls-error', ms: 3, detail: 'write EPROTO ... sslv3 alert bad certificate' };
    const judged = judgeEtcd(
      dials.map((dial): Dialed => ({ dial, result: refused, chain: [] })),
      now,
      thresholds,
    );
    expect(judged.unreachable).toMatch(/^etcd ended the handshake before it showed its certificate/);
  });

  it('says what the run cannot see and how to check it', () => {
    expect(UNSEEN).toContain('admin.conf');
    expect(UNSEEN).toContain('etcd/peer');
    expect(UNSEEN).toContain('`kubeadm certs check-expiration` on each control-plane node');
  });
});

describe('kubelet client certificate rotation (kubeadm)', () => {
  const csr = (name: string, minutesOld: number, status: Csr['status']): Csr => ({
    metadata: { name, creationTimestamp: new Date(now.getTime() - minutesOld * 60_000).toISOString() },
    spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', username: 'system:node:node2' },
    ...(status === undefined ? {} : { status }),
  });

  it('passes with rotateCertificates true and an issued renewal, with its end as evidence', () => {
    const issued = csr('csr-a', 20, { conditions: [{ type: 'Approved', status: 'True' }], certificate: Buffer.from(APISERVER_CERT).toString('base64') });
    const judged = judgeKubeletClientRotation({ rotateCertificates: true }, [issued], now);
    expect(judged.findings).toEqual([]);
    expect(judged.lines[1]).toBe(`CSR csr-a from system:node:node2: issued, 20 minute(s) old, issued until ${served.validToDate.toISOString()}`);
  });

  it('warns when rotation is off, and on a renewal Pending for long or denied', () => {
    const judged = judgeKubeletClientRotation(
      { rotateCertificates: false },
      [csr('csr-p', 12, undefined), csr('csr-d', 3, { conditions: [{ type: 'Denied', status: 'True' }] })],
      now,
    );
    expect(judged.findings.map((f) => `${f.level} ${f.where}: ${f.message}`)).toEqual([
      'warn ConfigMap kube-system/kubelet-config: rotateCertificates is false: kubelets do not renew their client certificates',
      'warn CSR csr-p: kubelet client certificate request from system:node:node2 Pending for 12 minute(s)',
      'warn CSR csr-d: kubelet client certificate request from system:node:node2 was denied',
    ]);
    expect(judgeKubeletClientRotation({}, [], now).findings[0]?.message).toContain('unset (false)');
  });
});
