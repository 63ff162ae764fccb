// The local cluster's own admission webhook: its PKI (a CA of its own and a serving certificate
// for shakedown-webhook.shakedown-webhook.svc, made with openssl like the cluster's, the leaf as
// long-lived as the cluster's leaves), and its objects (manifests/webhook.yaml, the server in a
// ConfigMap, the key pair in a Secret, the CA as the caBundle). Idempotent: the PKI is made once
// per cluster and reused, so applying again changes nothing.
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from '../render.ts';
import { imageRef } from '../images.ts';
import { kubectl } from '../kube.ts';
import { net, pkiDir } from '../layout.ts';
import { run } from '../sh.ts';

export const WEBHOOK_NAMESPACE = 'shakedown-webhook';
export const WEBHOOK_NAME = 'shakedown-webhook';

export interface WebhookPki {
  caCert: string;
  cert: string;
  key: string;
}

const file = (name: string): string => join(pkiDir, name);

/** Days the cluster's leaf certificates were made for (the API server's), so a --cert-days 3 cluster has a webhook expiring with it. */
export function clusterLeafDays(): number {
  const apiserver = file('apiserver.crt');
  if (!existsSync(apiserver)) return 365;
  const cert = new X509Certificate(readFileSync(apiserver));
  return Math.max(1, Math.round((cert.validToDate.getTime() - cert.validFromDate.getTime()) / 86_400_000));
}

export function webhookPki(days: number): WebhookPki {
  const out = { caCert: file('webhook-ca.crt'), caKey: file('webhook-ca.key'), cert: file('webhook.crt'), key: file('webhook.key') };
  if (existsSync(out.caCert) && existsSync(out.cert) && existsSync(out.key)) return out;
  ec(out.caKey);
  run('openssl', [
    'req',
    '-x509',
    '-new',
    '-key',
    out.caKey,
    '-subj',
    '/CN=shakedown-webhook-ca',
    '-days',
    '3650',
    '-out',
    out.caCert,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
  signServing(out.caCert, out.caKey, out.cert, out.key, days);
  return out;
}

const ec = (path: string): string => run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);

function signServing(caCert: string, caKey: string, cert: string, key: string, days: number): void {
  const out = { caCert, caKey, cert, key };
  ec(out.key);
  const svc = `${WEBHOOK_NAME}.${WEBHOOK_NAMESPACE}.svc`;
  const csr = `${out.cert}.csr`;
  const ext = `${out.cert}.ext`;
  run('openssl', ['req', '-new', '-key', out.key, '-subj', `/CN=${svc}`, '-out', csr]);
  writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=DNS:${svc},DNS:${svc}.${net.clusterDomain}`,
      '',
    ].join('\n'),
  );
  run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    out.caCert,
    '-CAkey',
    out.caKey,
    '-CAcreateserial',
    '-days',
    String(days),
    '-extfile',
    ext,
    '-out',
    out.cert,
  ]);
}

/** A new serving certificate from the webhook's CA, same names (a renewal), as PEM: for tests that renew it without restarting the server. */
export function renewedWebhookCert(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sd-webhook-renew-'));
  try {
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    signServing(file('webhook-ca.crt'), file('webhook-ca.key'), cert, key, clusterLeafDays());
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The webhook's objects as one stream for kubectl apply. */
export function webhookObjects(pki: WebhookPki, image: string): string {
  const b64 = (path: string): string => readFileSync(path).toString('base64');
  const template = readFileSync(join(import.meta.dirname, '..', 'manifests', 'webhook.yaml'), 'utf8');
  const yaml = render(template, {
    IMAGE_NODE: image,
    WEBHOOK_CA_BUNDLE: b64(pki.caCert),
    WEBHOOK_CERT_SHA256: createHash('sha256').update(readFileSync(pki.cert)).digest('hex'),
  });
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${WEBHOOK_NAME}-server`, namespace: WEBHOOK_NAMESPACE },
    data: { 'server.ts': readFileSync(join(import.meta.dirname, 'server.ts'), 'utf8') },
  };
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: { name: `${WEBHOOK_NAME}-tls`, namespace: WEBHOOK_NAMESPACE },
    data: { 'tls.crt': b64(pki.cert), 'tls.key': b64(pki.key) },
  };
  // The namespace (first in the YAML) before what lives in it.
  const [namespace, ...rest] = yaml.split(/^---$/m);
  return [namespace, JSON.stringify(configMap), JSON.stringify(secret), ...rest].map((doc) => (doc ?? '').trim()).join('\n---\n');
}

/** Makes (once) the webhook's PKI and applies its objects; safe to call on a running cluster. */
export function applyWebhook(): void {
  const pki = webhookPki(clusterLeafDays());
  kubectl(['apply', '--server-side', '--force-conflicts', '-f', '-'], webhookObjects(pki, imageRef('node')));
}
