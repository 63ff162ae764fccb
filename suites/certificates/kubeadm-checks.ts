// The kubeadm checks of the certificates suite: they read kubeadm-config, the etcd mirror pods and
// the CSRs, dial etcd with the suite's TLS dialer, and end as kubeadm.ts judges; skipped with the
// reason when the cluster was not built with kubeadm, etcd is external or does not answer.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { everyNodeAgents } from '../../helpers/fleet/plan.ts';
import { getJson, listOrAbsent, type Csr } from '../lib/api-json.ts';
import { NOT_KUBEADM, readKubeadm, staticPodsOf, type PodJson } from '../lib/kubeadm.ts';
import { conclude } from './conclude.ts';
import { dialAll, reproduceDial } from './dial.ts';
import { CLIENT_KUBELET_SIGNER, etcdDials, judgeEtcd, judgeKubeletClientRotation, UNSEEN } from './kubeadm.ts';
import type { Thresholds } from './thresholds.ts';

export async function etcdCertificateCheck(c: CheckContext, thresholds: Thresholds, dialMs: number): Promise<void> {
  const { session, transport } = await c.cluster();
  const now = new Date();
  const kubeadm = await readKubeadm(session.connection, c.signal);
  for (const problem of kubeadm.problems) c.log(problem);
  if (kubeadm.cluster === undefined) return c.skip(`${NOT_KUBEADM}: etcd's certificate is not looked for`);
  c.evidence('what the run cannot see', UNSEEN);
  if (kubeadm.cluster.etcd.kind === 'external')
    return c.skip(`etcd is external (kubeadm-config: ${kubeadm.cluster.etcd.endpoints.join(', ') || 'no endpoints'}): its certificates belong to that etcd`);
  const pods = staticPodsOf((await getJson<{ items: PodJson[] }>(session.connection, '/api/v1/namespaces/kube-system/pods', c.signal)).items);
  if (!pods.some((p) => p.component === 'etcd'))
    return c.skip('kubeadm-config says etcd is local, but no etcd mirror pod is in kube-system: no client URL to dial');
  const { dials, unnamed } = etcdDials(pods, everyNodeAgents(c.run.fleet));
  for (const line of unnamed) c.log(line);
  if (dials.length === 0) return c.skip(`no etcd client URL to dial: ${unnamed.join('; ')}`);
  const dialed = await dialAll(transport, dials, dialMs, c.signal);
  const judged = judgeEtcd(dialed, now, thresholds);
  for (const line of judged.lines) c.log(line);
  if (judged.unreachable !== undefined) return c.skip(judged.unreachable);
  c.evidence('etcd serving certificates', judged.lines.join('\n'));
  const named = dialed.filter(({ dial }) => judged.findings.some((f) => f.where.includes(dial.where)));
  if (named.length > 0) c.evidence('reproduce', named.map(({ dial }) => `${dial.where}:\n  ${reproduceDial(dial, c.run.namespace)}`).join('\n'));
  conclude(
    c,
    judged.findings,
    now,
    `${dialed.length} etcd member(s) serve a certificate for their address, far from expiry: ${judged.lines.map((l) => l.replace(/ from .*?:/, ':').replace(/; SANs.*$/, '')).join('; ')}`,
  );
}

export async function kubeletClientRotationCheck(c: CheckContext): Promise<void> {
  const { session } = await c.cluster();
  const now = new Date();
  const kubeadm = await readKubeadm(session.connection, c.signal);
  for (const problem of kubeadm.problems) c.log(problem);
  if (kubeadm.cluster === undefined) return c.skip(`${NOT_KUBEADM}: kubelet-config is kubeadm's`);
  const csrs = (await listOrAbsent<Csr>(session.connection, '/apis/certificates.k8s.io/v1/certificatesigningrequests', c.signal)) ?? [];
  const judged = judgeKubeletClientRotation(kubeadm.kubelet, csrs, now);
  c.evidence('kubelet client certificates', judged.lines.join('\n'));
  conclude(
    c,
    judged.findings,
    now,
    `kubelets rotate their client certificates (${kubeadm.kubelet === undefined ? 'kubelet-config not read' : 'rotateCertificates: true'}); ${csrs.filter((csr) => csr.spec.signerName === CLIENT_KUBELET_SIGNER).length} recent renewal request(s), none stuck; the certificates themselves lie on the nodes (/var/lib/kubelet/pki)`,
  );
}
