// What the chosen context's cluster and user must hold before shakedown connects with them: a
// server URL it can speak to, and TLS material that is PEM and parses. Left to the first request,
// each of these surfaced as an internal error ("Invalid URL protocol", "PEM routines::no start
// line"); here each is a problem naming the entry, the field and what is allowed.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import type { Cluster, User } from '@kubernetes/client-node';

export interface EntryProblem {
  entry: 'cluster' | 'user';
  // The kubeconfig's own name of the field: server, certificate-authority, client-key-data, ...
  field: string;
  // What is wrong and what is allowed, following the field's name.
  problem: string;
}

// The bytes of a file the kubeconfig names (a CA, a client certificate or key); throws an
// InputFileError (input-file.ts) when it cannot be read.
export type MaterialReader = (path: string) => Buffer;

const SERVER_ALLOWED = 'it must be an https:// (or http://) URL with a host, such as https://10.0.0.1:6443';
const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----/;
// Removed from kubectl (1.26); client-node runs their cmd-path synchronously, blocking the process.
const REMOVED_AUTH_PROVIDERS: Record<string, string> = { gcp: 'gke-gcloud-auth-plugin', azure: 'kubelogin' };

// The files a cluster and a user name: read before the checks (asynchronously by the caller).
export function materialFiles(cluster: Cluster, user: User | null): string[] {
  return [cluster.caFile, user?.certFile, user?.keyFile].filter((file): file is string => file !== undefined && file !== '');
}

export function checkCluster(cluster: Cluster, read: MaterialReader): EntryProblem | undefined {
  const server = serverProblem(cluster.server);
  if (server !== undefined) return { entry: 'cluster', field: 'server', problem: server };
  if (cluster.skipTLSVerify) return undefined;
  const ca = material(cluster.caFile, cluster.caData, 'certificate-authority', read);
  if ('problem' in ca) return { entry: 'cluster', ...ca };
  const problem = ca.bytes === undefined ? undefined : certificatesProblem(ca.bytes);
  return problem === undefined
    ? undefined
    : { entry: 'cluster', field: ca.field, problem: `${ca.named}${problem}; it must hold the PEM certificates of the API server's CA` };
}

export function checkUser(user: User, read: MaterialReader): EntryProblem | undefined {
  const provider = (user.authProvider as { name?: unknown } | undefined)?.name;
  if (typeof provider === 'string' && Object.hasOwn(REMOVED_AUTH_PROVIDERS, provider)) {
    return {
      entry: 'user',
      field: 'auth-provider',
      problem: `"${provider}" was removed from kubectl (1.26) and is not supported; use its exec credential plugin (${REMOVED_AUTH_PROVIDERS[provider]}) instead`,
    };
  }
  const exec = user.exec as { command?: unknown } | undefined;
  if (exec !== undefined && exec !== null && (typeof exec.command !== 'string' || exec.command.trim() === '')) {
    return { entry: 'user', field: 'exec.command', problem: 'is empty; it must name the credential plugin to run' };
  }
  const cert = material(user.certFile, user.certData, 'client-certificate', read);
  if ('problem' in cert) return { entry: 'user', ...cert };
  const key = material(user.keyFile, user.keyData, 'client-key', read);
  if ('problem' in key) return { entry: 'user', ...key };
  let certificate: X509Certificate | undefined;
  if (cert.bytes !== undefined) {
    const problem = certificatesProblem(cert.bytes);
    if (problem !== undefined) return { entry: 'user', field: cert.field, problem: `${cert.named}${problem}; it must hold a PEM client certificate` };
    certificate = new X509Certificate(cert.bytes);
  }
  let privateKey: KeyObject | undefined;
  if (key.bytes !== undefined) {
    const parsed = parseKey(key.bytes);
    if (typeof parsed === 'string') return { entry: 'user', field: key.field, problem: `${key.named}${parsed}` };
    privateKey = parsed;
  }
  // An exec plugin may give the other half.
  if (exec === undefined || exec === null) {
    if (certificate !== undefined && privateKey === undefined)
      return { entry: 'user', field: 'client-key', problem: 'is missing; a client-certificate needs its client-key (or client-key-data)' };
    if (certificate === undefined && privateKey !== undefined)
      return { entry: 'user', field: 'client-certificate', problem: 'is missing; a client-key needs its client-certificate (or client-certificate-data)' };
  }
  if (certificate !== undefined && privateKey !== undefined && !certificate.checkPrivateKey(privateKey)) {
    return { entry: 'user', field: key.field, problem: `${key.named}does not belong to the ${cert.field} (their public keys differ)` };
  }
  return undefined;
}

export function serverProblem(server: string | undefined): string | undefined {
  if (server === undefined || server.trim() === '') return `is empty; ${SERVER_ALLOWED}`;
  // kubectl would guess https:// (or http://); client-node does not, so it is said.
  if (!/^[a-z][a-z0-9+.-]*:\//i.test(server)) return `"${short(server)}" has no scheme; ${SERVER_ALLOWED}`;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    // An https or http URL that does not parse lacks a usable host ("https://", "https://:6443").
    return `"${short(server)}" ${/^https?:/i.test(server) ? 'has no valid host' : 'is not a URL'}; ${SERVER_ALLOWED}`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${short(server)}" uses the scheme ${url.protocol.slice(0, -1)}; ${SERVER_ALLOWED}`;
  if (url.hostname === '') return `"${short(server)}" has no host; ${SERVER_ALLOWED}`;
  return undefined;
}

type Material = { field: string; named: string; bytes: Buffer | undefined } | { field: string; problem: string };

// A field's bytes: the file wins over the data, as in client-node and kubectl. `named` starts the
// problem: the file's path for a file, nothing for data (the field names it).
function material(file: string | undefined, data: string | undefined, field: string, read: MaterialReader): Material {
  if (file !== undefined && file !== '') {
    try {
      return { field, named: `${file} `, bytes: read(file) };
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason;
      return { field, problem: `${file} ${typeof reason === 'string' ? reason : firstLine(error)}; it must name a readable PEM file (or use ${field}-data)` };
    }
  }
  if (data !== undefined && data !== '') return { field: `${field}-data`, named: '', bytes: Buffer.from(data, 'base64') };
  return { field, named: '', bytes: undefined };
}

function certificatesProblem(bytes: Buffer): string | undefined {
  const blocks = bytes.toString('latin1').match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) return 'is not PEM (no -----BEGIN CERTIFICATE----- block)';
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `holds a certificate that does not parse (${firstLine(error)})`;
    }
  }
  return undefined;
}

function parseKey(bytes: Buffer): KeyObject | string {
  const text = bytes.toString('latin1');
  const block = KEY_BLOCK.exec(text);
  if (block === null) return 'is not PEM (no -----BEGIN ... PRIVATE KEY----- block); it must hold the unencrypted PEM private key of the client certificate';
  if (block[1]?.includes('ENCRYPTED') === true || /Proc-Type: 4,ENCRYPTED/.test(text))
    return 'is encrypted; it must be an unencrypted PEM private key, as kubectl needs too';
  try {
    return createPrivateKey(text);
  } catch (error) {
    return `holds a private key that does not parse (${firstLine(error)})`;
  }
}

function short(text: string): string {
  return text.length <= 120 ? text : `${text.slice(0, 120)}…`;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0] ?? message;
}
