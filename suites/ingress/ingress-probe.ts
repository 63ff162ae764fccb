// Requests from the runner to the ingress entry point: the Host header and, over HTTPS, the TLS
// server name are set per request (never /etc/hosts), redirects are never followed (their status
// and Location are what is judged), and the served certificate is read from the handshake.
// A request never throws: it ends as a Seen (an answer, or the classified error).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Seen } from './ingress-table.ts';

export interface EntryPoint {
  address: string;
  httpPort: number;
  httpsPort?: number;
  // How it was found: "--ingress-address", "hostPort 80 of traefik/traefik-… on node2", …
  via: string;
}

export interface Call {
  host: string;
  path: string;
  headers?: Readonly<Record<string, string>>;
  scheme?: 'http' | 'https';
  timeoutMs: number;
  signal?: AbortSignal;
}

function errorText(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET') return 'reset';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'unreachable';
  if (code === 'ETIMEDOUT' || (error instanceof Error && error.name === 'TimeoutError')) return 'timeout';
  return error instanceof Error ? `${code === '' ? '' : `${code} `}${error.message}`.trim() : String(error);
}

function parseEcho(text: string): Seen['echo'] {
  try {
    const value = JSON.parse(text) as { pod?: unknown; port?: unknown; path?: unknown; host?: unknown; headers?: unknown } | null;
    if (typeof value?.pod !== 'string' || typeof value.port !== 'number' || typeof value.path !== 'string') return undefined;
    return { pod: value.pod, port: value.port, path: value.path, host: typeof value.host === 'string' ? value.host : '', headers: (value.headers ?? {}) as Record<string, string> };
  } catch {
    return undefined;
  }
}

export function serverName(host: string): string {
  return host.replace(/:\d+$/, '').toLowerCase();
}

export function callEntry(entry: EntryPoint, call: Call): Promise<Seen> {
  const https = call.scheme === 'https';
  const port = https ? entry.httpsPort : entry.httpPort;
  if (port === undefined) return Promise.resolve({ error: 'no HTTPS port at this entry point' });
  return new Promise<Seen>((resolve) => {
    const options = {
      host: entry.address,
      port,
      path: call.path,
      method: 'GET',
      agent: false as const,
      headers: { ...call.headers, host: call.host, connection: 'close' },
      signal: AbortSignal.any([AbortSignal.timeout(call.timeoutMs), ...(call.signal === undefined ? [] : [call.signal])]),
      ...(https ? { servername: serverName(call.host), rejectUnauthorized: false } : {}),
    };
    const req = (https ? httpsRequest : httpRequest)(options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        if (size < 65_536) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('end', () => {
        const echo = parseEcho(Buffer.concat(chunks).toString('utf8'));
        const location = response.headers.location;
        resolve({ status: response.statusCode ?? 0, ...(location === undefined ? {} : { location }), ...(echo === undefined ? {} : { echo }) });
      });
      response.on('error', (error) => resolve({ error: errorText(error) }));
    });
    req.on('error', (error) => resolve({ error: errorText(error) }));
    req.end();
  });
}

export interface Served {
  // The chain as served, leaf first.
  chain: X509Certificate[];
  error?: string;
}

function chainOf(peer: PeerCertificate | undefined): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let cert: PeerCertificate | undefined = peer; cert?.raw !== undefined && cert.raw.length > 0; cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate) {
    const x509 = new X509Certificate(cert.raw);
    if (seen.has(x509.fingerprint256)) break;
    seen.add(x509.fingerprint256);
    chain.push(x509);
  }
  return chain;
}

// The handshake only: which certificate is served for this server name (none: no SNI at all).
export function servedCertificate(address: string, port: number, sni: string | undefined, timeoutMs: number): Promise<Served> {
  return new Promise<Served>((resolve) => {
    const socket = connect({ host: address, port, rejectUnauthorized: false, ...(sni === undefined ? { servername: '' } : { servername: sni }) });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ chain: [], error: 'timeout' });
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const chain = chainOf(socket.getPeerCertificate(true));
      socket.end();
      resolve({ chain });
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      resolve({ chain: [], error: errorText(error) });
    });
  });
}

export function describeCert(cert: X509Certificate | undefined): string {
  if (cert === undefined) return 'no certificate';
  const subject = cert.subject.replaceAll('\n', ', ');
  const issuer = cert.issuer.replaceAll('\n', ', ');
  return `${subject} (issuer ${issuer}; SAN ${cert.subjectAltName ?? 'none'}; until ${new Date(cert.validTo).toISOString().slice(0, 10)}; sha256 ${cert.fingerprint256.slice(0, 23)}…)`;
}
