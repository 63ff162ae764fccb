// The kubeadm profile's control plane and nodes: `kubeadm init` on node 1 and `kubeadm join` on the
// others, from the configuration files config.ts renders, with the node runtimes up.ts started.
// kubeadm makes the PKI, the static pods, kube-proxy's DaemonSet and CoreDNS; the harness then does
// what an administrator does after kubeadm: gives each Node its pod range (the bridge CNI's), approves
// the kubelets' serving-certificate CSRs, and returns what the add-ons need of kubeadm's CA.
import { randomBytes, X509Certificate, createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as tlsConnect } from 'node:tls';
import { join } from 'node:path';
import { ClusterError } from '../errors.ts';
import { kubectl, nodeReady, tryKubectl } from '../kube.ts';
import { apiServerUrl, kubeconfigPath, net, type NodeLayout, pkiDir, stateDir } from '../layout.ts';
import { log } from '../log.ts';
import { metricsServerService, type CertPaths, kubeconfig, makeLeaf, writeKubeconfig } from '../pki.ts';
import { makeCgroupRoot } from '../node.ts';
import { versions } from '../versions.ts';
import { initConfiguration, joinConfiguration, type KubeProxyMode } from './config.ts';
import { install, kubeadm, onNode, writeSystemctl } from './node.ts';

export interface KubeadmOptions {
  certDays: number;
  kubeProxyMode: KubeProxyMode;
}

/** What the add-ons and kube-router need of the cluster kubeadm made. */
export interface KubeadmCluster {
  ca: CertPaths;
  metricsServer: CertPaths;
  kubeRouterKubeconfig: string;
}

/** A bootstrap token as kubeadm writes them: [a-z0-9]{6}.[a-z0-9]{16}. */
function bootstrapToken(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const pick = (n: number): string => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
  return `${pick(6)}.${pick(16)}`;
}

/** The pin `kubeadm join` checks the CA against: sha256 of the CA's public key (SubjectPublicKeyInfo, DER). */
export function caCertHash(caPem: string): string {
  const spki = new X509Certificate(caPem).publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Whether the node's kubelet completes a TLS handshake on :10250 (it has no serving certificate until its CSR is approved). */
function kubeletServes(node: NodeLayout): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: node.ip, port: 10250, rejectUnauthorized: false, timeout: 2000 }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Approves the serving-certificate CSRs of the named nodes' kubelets (serverTLSBootstrap: the
 * controller-manager does not approve kubernetes.io/kubelet-serving) until each kubelet serves one.
 * A kubelet restarted while its first request waited (kubeadm restarts it) asks again, so every
 * pending request of these nodes is approved, and the handshake is the proof.
 */
export async function approveKubeletServing(nodes: NodeLayout[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const users = new Set(nodes.map((n) => `system:node:${n.name}`));
  let waiting = nodes;
  while (waiting.length > 0) {
    // An API server that is restarting (its RBAC not loaded yet) answers nothing or Forbidden: asked again next round.
    const listed = tryKubectl(['get', 'csr', '-o', 'json']);
    const csrs = JSON.parse(listed ?? '{"items":[]}') as {
      items: { metadata: { name: string }; spec: { signerName: string; username: string }; status?: { conditions?: { type: string }[] } }[];
    };
    for (const csr of csrs.items) {
      if (csr.spec.signerName !== 'kubernetes.io/kubelet-serving' || !users.has(csr.spec.username)) continue;
      if (!csr.status?.conditions?.some((c) => c.type === 'Approved' || c.type === 'Denied')) tryKubectl(['certificate', 'approve', csr.metadata.name]);
    }
    const serving = await Promise.all(waiting.map(kubeletServes));
    waiting = waiting.filter((_, i) => !serving[i]);
    if (waiting.length === 0) return;
    if (Date.now() > deadline)
      throw new ClusterError(
        'CLUSTER_COMPONENT_FAILED',
        `the kubelet of ${waiting.map((n) => n.name).join(', ')} serves no certificate after ${timeoutMs / 1000} s`,
        {
          logTail: tryKubectl(['get', 'csr']) ?? '',
          hint: 'the kubelet requests one once it is registered (serverTLSBootstrap: true); its log says why it did not',
        },
      );
    await sleep(500);
  }
}

async function waitReady(node: NodeLayout, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!nodeReady(node.name)) {
    if (Date.now() > deadline)
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${node.name} did not become Ready`, {
        logTail: tryKubectl(['describe', 'node', node.name]) ?? '',
        hint: `npm run cluster:logs; the kubelet's log on ${node.name}`,
      });
    await sleep(500);
  }
}

/** The pod range of the node's bridge CNI configuration, written into its Node object once the kubelet registered it. */
async function setPodCidr(node: NodeLayout): Promise<void> {
  const deadline = Date.now() + 60_000;
  // kubeadm join returns once the TLS bootstrap is done; the kubelet registers the Node a moment later.
  while (tryKubectl(['get', 'node', node.name, '-o', 'name']) === null) {
    if (Date.now() > deadline)
      throw new ClusterError('CLUSTER_COMPONENT_FAILED', `${node.name} did not register its Node within 60 s`, { hint: `the kubelet's log on ${node.name}` });
    await sleep(250);
  }
  kubectl(['patch', 'node', node.name, '--type=merge', '-p', JSON.stringify({ spec: { podCIDR: node.podCidr, podCIDRs: [node.podCidr] } })]);
}

const secs = (since: number): string => `${Math.round((Date.now() - since) / 1000)} s`;

export async function kubeadmUp(nodes: NodeLayout[], o: KubeadmOptions): Promise<KubeadmCluster> {
  const [first, ...rest] = nodes;
  if (first === undefined) throw new Error('a cluster needs a node');
  const facts = {
    controlPlane: first,
    kubernetesVersion: versions.kubernetes,
    bootstrapToken: bootstrapToken(),
    kubeProxyMode: o.kubeProxyMode,
    certDays: o.certDays,
  };
  for (const node of nodes) {
    // The node's cgroup root is the machine's part, as systemd's slice is on a real node.
    makeCgroupRoot(node);
    install(node, versions.kubernetes, ['kubelet', 'kubeadm']);
    writeSystemctl(node);
  }

  let started = Date.now();
  log.step(`${first.name}: kubeadm init (Kubernetes ${versions.kubernetes}, kube-proxy in ${o.kubeProxyMode} mode)`);
  const initFile = join(first.dir, 'kubeadm-init.yaml');
  writeFileSync(initFile, initConfiguration(facts));
  await kubeadm(first, ['init', `--config=${initFile}`, '--skip-token-print', '-v=1'], 'init');
  mkdirSync(join(kubeconfigPath, '..'), { recursive: true });
  copyFileSync(onNode(first, '/etc/kubernetes/admin.conf'), kubeconfigPath);
  await setPodCidr(first);
  log.done(`kubeadm init in ${secs(started)} (log: ${join(stateDir, 'logs', `kubeadm-${first.name}-init.log`)})`);

  const caPem = readFileSync(onNode(first, '/etc/kubernetes/pki/ca.crt'), 'utf8');
  for (const node of rest) {
    started = Date.now();
    log.step(`${node.name}: kubeadm join`);
    const joinFile = join(node.dir, 'kubeadm-join.yaml');
    writeFileSync(joinFile, joinConfiguration(node, facts, caCertHash(caPem)));
    await kubeadm(node, ['join', `--config=${joinFile}`, '-v=1'], 'join');
    await setPodCidr(node);
    log.done(`${node.name} joined in ${secs(started)}`);
  }
  await approveKubeletServing(nodes, 90_000);
  for (const node of nodes) await waitReady(node, 90_000);

  // kube-router and metrics-server get certificates from kubeadm's CA, as an administrator would make them.
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const ca = { cert: onNode(first, '/etc/kubernetes/pki/ca.crt'), key: onNode(first, '/etc/kubernetes/pki/ca.key') };
  const kubeRouter = makeLeaf('kube-router', ca, { cn: 'system:kube-router', usage: 'client' }, o.certDays);
  const kubeRouterKubeconfig = writeKubeconfig(join(pkiDir, 'kube-router.kubeconfig'), kubeconfig(apiServerUrl, ca.cert, kubeRouter, 'kube-router'));
  const metricsServer = makeLeaf(
    'metrics-server',
    ca,
    { cn: metricsServerService, dns: [metricsServerService, `${metricsServerService}.${net.clusterDomain}`], usage: 'server' },
    o.certDays,
  );
  return { ca, metricsServer, kubeRouterKubeconfig };
}
