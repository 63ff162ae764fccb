// The kubeadm PKI as a run can see it. etcd's serving certificate: dialed at the client URL kubeadm
// writes on each etcd mirror pod (a TLS handshake presents it before etcd asks for a client
// certificate), from the agent on that node. kubeadm signs it with its own etcd CA, which the API
// does not show, so it is judged by expiry, the names it covers and who issued it, not by a chain.
// The kubelet client certificates' rotation: rotateCertificates in kubelet-config and the recent
// CSRs of signer kubernetes.io/kube-apiserver-client-kubelet. What lies only on the nodes' disks is
// said, with how to check it. Pure.
import { X509Certificate } from 'node:crypto';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import type { Csr } from '../lib/api-json.ts';
import { CHECK_EXPIRATION, ETCD_CLIENT_URLS_ANNOTATION, type KubeletConfiguration, type StaticPod } from '../lib/kubeadm.ts';
import { certName, issuerLine, sanList, selfSigned } from '../lib/x509.ts';
import { RUNNER, fromName, type Dial, type Dialed } from './dial.ts';
import type { Finding } from './findings.ts';
import { expiryFinding } from './judge.ts';
import { uncovered } from './names.ts';
import { classificationOf } from './outcome.ts';
import type { Thresholds } from './thresholds.ts';

export const UNSEEN = [
  "what this run cannot see (it lies on the control-plane nodes' disks, never served to it):",
  "  the client certificates in /etc/kubernetes/admin.conf, super-admin.conf, controller-manager.conf and scheduler.conf, and the kubelets' client certificates (/var/lib/kubelet/pki/kubelet-client-current.pem)",
  '  /etc/kubernetes/pki: apiserver-kubelet-client, apiserver-etcd-client, front-proxy-client (the aggregator presents it to extension API servers, not to this run), etcd/peer, etcd/healthcheck-client, sa.key and sa.pub, and the CAs ca, front-proxy-ca and etcd/ca as files',
  `how to check them: \`${CHECK_EXPIRATION}\` on each control-plane node (leaf certificates last one year, CAs ten); \`kubeadm certs renew all\` there, then restart the static pods (move their manifests out of /etc/kubernetes/manifests and back) to load the renewed ones; \`kubeadm upgrade apply\` renews them too`,
].join('\n');

export interface EtcdDial extends Dial {
  node: string;
}

// One dial per etcd client URL kubeadm recorded, from the agent on the etcd's node (another agent,
// or the runner, when there is none there, and the dial says so).
export function etcdDials(pods: readonly StaticPod[], agents: readonly ProbeAgent[]): { dials: EtcdDial[]; unnamed: string[] } {
  const dials: EtcdDial[] = [];
  const unnamed: string[] = [];
  for (const pod of pods.filter((p) => p.component === 'etcd')) {
    const urls = (pod.annotations[ETCD_CLIENT_URLS_ANNOTATION] ?? pod.flags.get('advertise-client-urls') ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter((u) => u !== '');
    if (urls.length === 0) {
      unnamed.push(`${pod.name}: no ${ETCD_CLIENT_URLS_ANNOTATION} annotation nor --advertise-client-urls`);
      continue;
    }
    for (const raw of urls) {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        unnamed.push(`${pod.name}: client URL ${raw} does not parse`);
        continue;
      }
      if (url.protocol !== 'https:') {
        unnamed.push(`${pod.name}: client URL ${raw} is not https: etcd serves its clients without TLS`);
        continue;
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const own = agents.find((a) => a.node === pod.node);
      const from = own ?? agents[0] ?? RUNNER;
      const port = Number(url.port || 2379);
      dials.push({
        where: `etcd on ${pod.node} (${url.host}) from ${own === undefined ? `${fromName(from)}, the node has no agent` : 'its own agent'}`,
        from,
        host,
        port,
        node: pod.node,
      });
    }
  }
  return { dials, unnamed };
}

export interface EtcdJudgement {
  findings: Finding[];
  lines: string[];
  // Set when no etcd answered at all: the check skips with it.
  unreachable?: string;
}

const DROPPED = ['timeout', 'unreachable', 'refused', 'reset'];
// etcd asked for a client certificate before it showed its own (a TLS 1.2 handshake): with TLS 1.3
// the client sees the server's certificate first, with TLS 1.2 the refusal comes before it.
const CLIENT_CERT_ASKED = /certificate required|bad certificate|handshake failure|alert/i;
const unreadable = (d: Dialed): boolean => d.chain.length === 0 && (DROPPED.includes(d.result.outcome) || CLIENT_CERT_ASKED.test(d.result.detail));

export function judgeEtcd(dialed: readonly Dialed[], now: Date, thresholds: Thresholds): EtcdJudgement {
  const findings: Finding[] = [];
  const lines: string[] = [];
  const answered = dialed.filter((d) => d.chain.length > 0);
  if (dialed.length > 0 && answered.length === 0 && dialed.every(unreadable)) {
    const refused = dialed.every((d) => !DROPPED.includes(d.result.outcome));
    return {
      findings,
      lines: dialed.map((d) => `${d.dial.where}: ${d.result.outcome} (${d.result.detail})`),
      unreachable: `${refused ? 'etcd ended the handshake before it showed its certificate (it asks for a client certificate first, over TLS 1.2)' : "etcd's client port did not answer from the pod network"} (${dialed.map((d) => `${d.dial.where}: ${d.result.outcome}`).join('; ')})${refused ? '' : ': a host firewall, or etcd listening on 127.0.0.1 only'}; its serving certificate is checked on the node with \`${CHECK_EXPIRATION}\``,
    };
  }
  for (const { dial, result, chain } of dialed) {
    const leaf = chain[0];
    if (leaf === undefined) {
      lines.push(`${dial.where}: ${result.outcome} (${result.detail})`);
      const dropped = DROPPED.includes(result.outcome);
      const asked = !dropped && CLIENT_CERT_ASKED.test(result.detail);
      findings.push({
        level: dropped || asked ? 'warn' : 'fail',
        classification: classificationOf(result.outcome),
        where: dial.where,
        message: `no certificate read: ${result.outcome} (${result.detail})`,
        likelyCause: dropped
          ? 'this etcd member does not answer from the pod network while others do: it is down, or a firewall on its node keeps pods off port 2379'
          : asked
            ? `this etcd member asked for a client certificate before it showed its own (TLS 1.2): check its certificate on the node with \`${CHECK_EXPIRATION}\``
            : 'etcd answered without presenting a certificate: its --cert-file is not served on this URL',
      });
      continue;
    }
    const node = (dial as EtcdDial).node;
    lines.push(
      `${dial.where}: ${certName(leaf)}, issuer ${issuerLine(leaf)}, serial ${leaf.serialNumber}, until ${leaf.validToDate.toISOString()}; SANs ${sanList(leaf).join(', ') || 'none'}`,
    );
    const expiry = expiryFinding(dial.where, leaf, now, thresholds, { chain });
    if (expiry !== undefined)
      findings.push({
        ...expiry,
        likelyCause: `etcd's serving certificate (/etc/kubernetes/pki/etcd/server.crt on ${node}) is due: \`kubeadm certs renew etcd-server\` on ${node}, then restart etcd (its static pod); \`${CHECK_EXPIRATION}\` lists the others due with it`,
      });
    if (selfSigned(leaf))
      findings.push({
        level: 'warn',
        classification: 'tls-error',
        where: dial.where,
        message: `self-signed (${certName(leaf)}): not issued by kubeadm's etcd CA`,
        chain,
        likelyCause: "etcd runs with --auto-tls or a certificate made by hand: the API server's --etcd-cafile cannot verify it, and nothing renews it",
      });
    const missing = uncovered(leaf, [dial.host]);
    if (missing.length > 0)
      findings.push({
        level: 'fail',
        classification: 'mismatch',
        where: dial.where,
        message: `the certificate does not cover ${missing.join(', ')}, the address etcd advertises to its clients (its SANs: ${leaf.subjectAltName ?? 'none'})`,
        chain,
        likelyCause: `etcd/server.crt on ${node} was issued for another address (the node's address changed after kubeadm init): \`kubeadm certs renew etcd-server\` there issues it for the current one`,
      });
  }
  return { findings, lines };
}

export const CLIENT_KUBELET_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
const PENDING_AFTER_MS = 5 * 60_000;

function stateOf(csr: Csr): 'approved' | 'issued' | 'denied' | 'failed' | 'pending' {
  const types = (csr.status?.conditions ?? []).map((c) => c.type);
  if (types.includes('Denied')) return 'denied';
  if (types.includes('Failed')) return 'failed';
  if (csr.status?.certificate !== undefined && csr.status.certificate !== '') return 'issued';
  if (types.includes('Approved')) return 'approved';
  return 'pending';
}

function issuedUntil(csr: Csr): Date | undefined {
  try {
    return new X509Certificate(Buffer.from(csr.status?.certificate ?? '', 'base64')).validToDate;
  } catch {
    return undefined;
  }
}

// Whether the kubelets rotate their client certificates, and what their recent requests show.
export function judgeKubeletClientRotation(
  kubelet: KubeletConfiguration | undefined,
  csrs: readonly Csr[],
  now: Date,
): { findings: Finding[]; lines: string[] } {
  const findings: Finding[] = [];
  const lines: string[] = [];
  if (kubelet === undefined) lines.push('no kube-system/kubelet-config KubeletConfiguration: rotateCertificates not read');
  else {
    lines.push(
      `kubelet-config rotateCertificates: ${kubelet.rotateCertificates ?? '(unset: false)'}; serverTLSBootstrap: ${kubelet.serverTLSBootstrap ?? '(unset: false)'}`,
    );
    if (kubelet.rotateCertificates !== true)
      findings.push({
        level: 'warn',
        classification: 'mismatch',
        where: 'ConfigMap kube-system/kubelet-config',
        message: `rotateCertificates is ${kubelet.rotateCertificates === false ? 'false' : 'unset (false)'}: kubelets do not renew their client certificates`,
        likelyCause:
          "a kubelet client certificate lasts one year from kubeadm join; without rotation the kubelet loses the API server when it expires (the node goes NotReady): set rotateCertificates: true (kubeadm's default) and restart the kubelets",
      });
  }
  const requests = csrs.filter((c) => c.spec.signerName === CLIENT_KUBELET_SIGNER);
  if (requests.length === 0)
    lines.push(
      `no ${CLIENT_KUBELET_SIGNER} CSR now: normal, approved ones are removed after an hour, and a kubelet asks again at 70-90 % of its certificate's life`,
    );
  for (const csr of requests) {
    const state = stateOf(csr);
    const ageMs = now.getTime() - Date.parse(csr.metadata.creationTimestamp ?? '');
    const until = state === 'issued' ? issuedUntil(csr) : undefined;
    lines.push(
      `CSR ${csr.metadata.name} from ${csr.spec.username ?? '?'}: ${state}, ${Number.isNaN(ageMs) ? 'age unknown' : `${Math.round(ageMs / 60_000)} minute(s) old`}${until === undefined ? '' : `, issued until ${until.toISOString()}`}`,
    );
    if (state === 'pending' && ageMs > PENDING_AFTER_MS)
      findings.push({
        level: 'warn',
        classification: 'missing',
        where: `CSR ${csr.metadata.name}`,
        message: `kubelet client certificate request from ${csr.spec.username ?? 'an unknown user'} Pending for ${Math.round(ageMs / 60_000)} minute(s)`,
        likelyCause:
          "nothing approves kubelet client renewals: the controller-manager's csrapproving controller approves them for system:node:<name> when the ClusterRoleBinding kubeadm:node-autoapprove-certificate-rotation exists; until one is approved the kubelet keeps its old certificate",
      });
    if (state === 'denied' || state === 'failed')
      findings.push({
        level: 'warn',
        classification: 'refused',
        where: `CSR ${csr.metadata.name}`,
        message: `kubelet client certificate request from ${csr.spec.username ?? 'an unknown user'} was ${state}`,
        likelyCause: 'the renewal was refused: the kubelet keeps its old certificate and tries again; read the CSR conditions for who refused it and why',
      });
  }
  return { findings, lines };
}
