// The cluster's PKI, made fresh per cluster with openssl: a cluster CA that signs every serving
// and client certificate (kubelets included), a front-proxy CA, and the service-account key pair.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { net, pkiDir } from './layout.ts';
import { run } from './sh.ts';

export interface PkiOptions {
  /** Validity of every leaf certificate, in days (CAs get ten years). */
  certDays: number;
}

export interface CertPaths {
  cert: string;
  key: string;
}

export interface LeafSpec {
  cn: string;
  orgs?: string[];
  dns?: string[];
  ips?: string[];
  usage: 'server' | 'client' | 'both';
}

const p = (name: string): CertPaths => ({ cert: join(pkiDir, `${name}.crt`), key: join(pkiDir, `${name}.key`) });

function ecKey(path: string): void {
  run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
}

function makeCa(name: string, cn: string): CertPaths {
  const out = p(name);
  ecKey(out.key);
  run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    out.key,
    '-subj',
    `/CN=${cn}`,
    '-days',
    '3650',
    '-out',
    out.cert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  return out;
}

export function makeLeaf(name: string, ca: CertPaths, spec: LeafSpec, days: number): CertPaths {
  const out = p(name);
  ecKey(out.key);
  const subj = `/${[...(spec.orgs ?? []).map((o) => `O=${o}`), `CN=${spec.cn}`].join('/')}`;
  const csr = `${out.cert}.csr`;
  run('openssl', ['req', '-new', '-key', out.key, '-subj', subj, '-out', csr]);
  const eku = { server: 'serverAuth', client: 'clientAuth', both: 'serverAuth,clientAuth' }[spec.usage];
  const sans = [...(spec.dns ?? []).map((d) => `DNS:${d}`), ...(spec.ips ?? []).map((i) => `IP:${i}`)];
  const ext = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    ...(sans.length ? [`subjectAltName=${sans.join(',')}`] : []),
  ].join('\n');
  const extFile = `${out.cert}.ext`;
  writeFileSync(extFile, `${ext}\n`);
  run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-days',
    String(days),
    '-extfile',
    extFile,
    '-out',
    out.cert,
  ]);
  return out;
}

export interface Pki {
  ca: CertPaths;
  frontProxyCa: CertPaths;
  apiserver: CertPaths;
  apiserverKubeletClient: CertPaths;
  frontProxyClient: CertPaths;
  saKey: string;
  saPub: string;
  admin: CertPaths;
  controllerManager: CertPaths;
  scheduler: CertPaths;
  kubeProxy: CertPaths;
  kubeRouter: CertPaths;
  /** metrics-server's serving certificate; the APIService v1beta1.metrics.k8s.io trusts the cluster CA. */
  metricsServer: CertPaths;
}

/** The Service behind the metrics API, whose name the aggregator verifies. */
export const metricsServerService = 'metrics-server.kube-system.svc';

export function clusterPki(opts: PkiOptions, apiserverIps: string[], apiserverHost: string): Pki {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const days = opts.certDays;
  const ca = makeCa('ca', 'shakedown-cluster-ca');
  const frontProxyCa = makeCa('front-proxy-ca', 'shakedown-front-proxy-ca');
  const domain = net.clusterDomain;
  const saKey = join(pkiDir, 'sa.key');
  const saPub = join(pkiDir, 'sa.pub');
  run('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', saKey]);
  run('openssl', ['pkey', '-in', saKey, '-pubout', '-out', saPub]);
  return {
    ca,
    frontProxyCa,
    saKey,
    saPub,
    apiserver: makeLeaf(
      'apiserver',
      ca,
      {
        cn: 'kube-apiserver',
        dns: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`, 'localhost', apiserverHost],
        ips: [net.kubernetesServiceIp, '127.0.0.1', ...apiserverIps],
        usage: 'server',
      },
      days,
    ),
    apiserverKubeletClient: makeLeaf(
      'apiserver-kubelet-client',
      ca,
      { cn: 'kube-apiserver-kubelet-client', orgs: ['kubeadm:cluster-admins'], usage: 'client' },
      days,
    ),
    frontProxyClient: makeLeaf('front-proxy-client', frontProxyCa, { cn: 'front-proxy-client', usage: 'client' }, days),
    admin: makeLeaf('admin', ca, { cn: 'shakedown-admin', orgs: ['system:masters'], usage: 'client' }, days),
    controllerManager: makeLeaf('controller-manager', ca, { cn: 'system:kube-controller-manager', usage: 'client' }, days),
    scheduler: makeLeaf('scheduler', ca, { cn: 'system:kube-scheduler', usage: 'client' }, days),
    kubeProxy: makeLeaf('kube-proxy', ca, { cn: 'system:kube-proxy', usage: 'client' }, days),
    kubeRouter: makeLeaf('kube-router', ca, { cn: 'system:kube-router', usage: 'client' }, days),
    metricsServer: makeLeaf(
      'metrics-server',
      ca,
      { cn: metricsServerService, dns: [metricsServerService, `${metricsServerService}.${domain}`], usage: 'server' },
      days,
    ),
  };
}

/** What a restarted controller-manager needs of the PKI made by clusterPki, read back from its files. */
export function storedPki(): Pick<Pki, 'ca' | 'saKey'> {
  return { ca: p('ca'), saKey: join(pkiDir, 'sa.key') };
}

/** A node's kubelet: a client certificate in system:nodes and a serving certificate signed by the cluster CA. */
export function kubeletPki(pki: Pki, nodeName: string, nodeIp: string, days: number): { client: CertPaths; serving: CertPaths } {
  return {
    client: makeLeaf(`kubelet-${nodeName}-client`, pki.ca, { cn: `system:node:${nodeName}`, orgs: ['system:nodes'], usage: 'client' }, days),
    serving: makeLeaf(
      `kubelet-${nodeName}-serving`,
      pki.ca,
      { cn: `system:node:${nodeName}`, orgs: ['system:nodes'], dns: [nodeName], ips: [nodeIp], usage: 'server' },
      days,
    ),
  };
}

export function kubeconfig(server: string, ca: string, client: CertPaths, user: string): string {
  const b64 = (f: string): string => readFileSync(f).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: shakedown-local',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(ca)}`,
    'users:',
    `- name: ${user}`,
    '  user:',
    `    client-certificate-data: ${b64(client.cert)}`,
    `    client-key-data: ${b64(client.key)}`,
    'contexts:',
    '- name: shakedown-local',
    '  context:',
    '    cluster: shakedown-local',
    `    user: ${user}`,
    'current-context: shakedown-local',
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, content: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}
