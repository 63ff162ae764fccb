// Requests from the runner to the ingress entry point, through the engine's runner probes
// (helpers/probe/runner-probe.ts): the Host header and, over HTTPS, the TLS server name are set
// per request (never /etc/hosts), redirects are never followed (their status and Location are what
// is judged), and the served certificate is read from the handshake. A request never throws: it
// ends as a Seen (an answer, or the classified error).
import type { X509Certificate } from 'node:crypto';
import type { ProbeResult } from '../../agent/protocol.ts';
import { handshakeFromRunner, requestFromRunner } from '../../helpers/probe/runner-probe.ts';
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

// A failure as the route tables print it: the kernel's short names, else the code and the message.
export function errorText(result: Pick<ProbeResult, 'outcome' | 'code' | 'detail'>): string {
  if (result.outcome === 'refused' || result.outcome === 'reset' || result.outcome === 'unreachable' || result.outcome === 'timeout') return result.outcome;
  return `${result.code ?? ''} ${result.detail}`.trim();
}

// What the tables judge of an HTTP answer: its status, its Location and the echo of the pod.
export function seenOf(result: ProbeResult): Seen {
  const http = result.http;
  if (http === undefined) return { error: errorText(result) };
  const location = http.headers['location'];
  const echo = http.echo;
  return {
    status: http.status,
    ...(location === undefined ? {} : { location }),
    ...(echo === undefined ? {} : { echo: { pod: echo.pod, port: echo.port, path: echo.path, host: echo.host, headers: echo.headers } }),
  };
}

export async function callEntry(entry: EntryPoint, call: Call): Promise<Seen> {
  const https = call.scheme === 'https';
  const port = https ? entry.httpsPort : entry.httpPort;
  if (port === undefined) return { error: 'no HTTPS port at this entry point' };
  return seenOf(
    await requestFromRunner({
      address: entry.address,
      port,
      scheme: https ? 'https' : 'http',
      path: call.path,
      host: call.host,
      ...(call.headers === undefined ? {} : { headers: call.headers }),
      timeoutMs: call.timeoutMs,
      ...(call.signal === undefined ? {} : { signal: call.signal }),
    }),
  );
}

export interface Served {
  // The chain as served, leaf first.
  chain: X509Certificate[];
  error?: string;
}

// The handshake only: which certificate is served for this server name (none: no SNI at all).
export async function servedCertificate(address: string, port: number, sni: string | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Served> {
  const { result, chain } = await handshakeFromRunner({ address, port, serverName: sni, timeoutMs, ...(signal === undefined ? {} : { signal }) });
  return { chain, ...(result.outcome === 'ok' || chain.length > 0 ? {} : { error: errorText(result) }) };
}

export function describeCert(cert: X509Certificate | undefined): string {
  if (cert === undefined) return 'no certificate';
  const subject = cert.subject.replaceAll('\n', ', ');
  const issuer = cert.issuer.replaceAll('\n', ', ');
  return `${subject} (issuer ${issuer}; SAN ${cert.subjectAltName ?? 'none'}; until ${new Date(cert.validTo).toISOString().slice(0, 10)}; sha256 ${cert.fingerprint256.slice(0, 23)}…)`;
}
