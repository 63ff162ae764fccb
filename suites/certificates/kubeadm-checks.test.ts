import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { fakeCheck } from '../lib/testing/fake-check.ts';
import { controlPlanePods, kubeadmConfigMap, kubeletConfigMap } from '../lib/testing/kubeadm.ts';
import { etcdCertificateCheck, kubeletClientRotationCheck } from './kubeadm-checks.ts';
import { APISERVER_CERT } from './testing/fixtures.ts';

// The fixture leaf covers 10.217.0.11 and lasts 100 years: it stands for etcd/server.crt on node1.
const served = new X509Certificate(APISERVER_CERT);
const thresholds = { warnDays: 30, failDays: 7 };
const agent: ProbeAgent = {
  name: 'probe-node1',
  namespace: 'sd',
  node: 'node1',
  podIP: '10.244.0.9',
  group: 'node',
  ports: { api: 8080, http: [8080], tcp: 9000, udp: 9001 },
  labels: {},
  token: 't',
};
const kubeadm = {
  '/api/v1/namespaces/kube-system/configmaps/kubeadm-config': kubeadmConfigMap(),
  '/api/v1/namespaces/kube-system/configmaps/kubelet-config': kubeletConfigMap(),
  '/api/v1/namespaces/kube-system/pods': { items: controlPlanePods(['node1']) },
};

describe("the certificates suite's kubeadm checks", () => {
  it("dial etcd's advertised client URL from the agent on its node and pass a certificate for it, saying what the run cannot see", async () => {
    const asked: string[] = [];
    const { run } = fakeCheck(kubeadm, {
      agents: [agent],
      probe: (from, targets) =>
        targets.map((t): ProbeResult => {
          asked.push(`${from.name} -> ${t.kind === 'tls' ? `${t.host}:${t.port}` : t.kind}`);
          return { id: t.id, kind: 'tls', outcome: 'ok', ms: 2, detail: 'handshake done', tls: { chain: [served.raw.toString('base64')] } };
        }),
    });
    const said = await run((c) => etcdCertificateCheck(c, thresholds, 1000));
    expect(asked).toEqual(['probe-node1 -> 10.217.0.11:2379']);
    expect(said).toContain('evidence what the run cannot see');
    expect(said.at(-1)).toMatch(
      /^note 1 etcd member\(s\) serve a certificate for their address, far from expiry: etcd on node1 \(10\.217\.0\.11:2379\): CN=apiserver/,
    );
  });

  it('skip etcd with the reason when it does not answer from the pod network, and when the cluster is not kubeadm', async () => {
    const silent = fakeCheck(kubeadm, {
      agents: [agent],
      probe: (_from, targets) => targets.map((t): ProbeResult => ({ id: t.id, kind: 'tls', outcome: 'timeout', ms: 1000, detail: 'no answer in 1000 ms' })),
    });
    expect((await silent.run((c) => etcdCertificateCheck(c, thresholds, 1000))).at(-1)).toMatch(/^skip etcd's client port did not answer from the pod network/);
    const plain = fakeCheck({});
    expect((await plain.run((c) => etcdCertificateCheck(c, thresholds, 1000))).at(-1)).toMatch(/^skip no ConfigMap kube-system\/kubeadm-config/);
  });

  it('pass kubelet client rotation with rotateCertificates true and no CSR', async () => {
    const { run } = fakeCheck({ ...kubeadm, '/apis/certificates.k8s.io/v1/certificatesigningrequests': { items: [] } });
    expect((await run(kubeletClientRotationCheck)).at(-1)).toMatch(
      /^note kubelets rotate their client certificates \(rotateCertificates: true\); 0 recent renewal request/,
    );
  });
});
