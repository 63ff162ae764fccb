// Requests and handshakes from the runner itself (this machine, outside the cluster) with the probe
// agent's own probers, so a request asked from the runner and the same one asked from a probe pod
// are sent, timed and classified alike: the Host header and the TLS server name set per request
// (never /etc/hosts), extra request headers, redirects reported and never followed, the response's
// status, headers and the echo of the pod that answered; for a handshake, the chain as served for
// a server name, or for none. Each ends as a ProbeResult and never throws (a cancelled one ends as
// an error at once, its socket closed).
import { X509Certificate } from 'node:crypto';
import { probeHttp } from '../../agent/probe-http.ts';
import { probeTls } from '../../agent/probe-tls.ts';
import type { HttpTarget, ProbeResult } from '../../agent/protocol.ts';

export interface RunnerRequest {
  // Where to connect: an address (or name) and port, not the host asked for.
  address: string;
  port: number;
  scheme?: 'http' | 'https';
  // The request target, query string included.
  path: string;
  // Sent as the Host header and, over HTTPS, as the TLS server name (without its port). The
  // served certificate is not verified here: it is judged apart (handshakeFromRunner).
  host: string;
  headers?: Readonly<Record<string, string>>;
  method?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  id?: string;
}

export function requestUrl(scheme: 'http' | 'https', address: string, port: number, path: string): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return `${scheme}://${host}:${port}${path.startsWith('/') ? path : `/${path}`}`;
}

export function requestFromRunner(request: RunnerRequest): Promise<ProbeResult> {
  const scheme = request.scheme ?? 'http';
  return probeHttp(
    {
      id: request.id ?? 'runner',
      kind: 'http',
      url: requestUrl(scheme, request.address, request.port, request.path),
      hostHeader: request.host,
      timeoutMs: request.timeoutMs,
      ...(request.method === undefined ? {} : { method: request.method }),
      ...(request.headers === undefined ? {} : { headers: { ...request.headers } }),
      ...(scheme === 'https' ? { tlsInsecure: true } : {}),
    },
    request.signal === undefined ? {} : { signal: request.signal },
  );
}

// A probe pod's HTTP target (a reachability cell whose source is the runner), asked from here.
export function probeTargetFromRunner(target: HttpTarget, signal?: AbortSignal): Promise<ProbeResult> {
  return probeHttp(target, signal === undefined ? {} : { signal });
}

export interface RunnerHandshake {
  address: string;
  port: number;
  // The server name sent (SNI); undefined sends none.
  serverName: string | undefined;
  timeoutMs: number;
  signal?: AbortSignal;
  id?: string;
}

export interface Handshake {
  result: ProbeResult;
  // The chain as served, leaf first (empty when the handshake failed).
  chain: X509Certificate[];
}

export async function handshakeFromRunner(handshake: RunnerHandshake): Promise<Handshake> {
  const result = await probeTls(
    {
      id: handshake.id ?? 'runner',
      kind: 'tls',
      host: handshake.address,
      port: handshake.port,
      timeoutMs: handshake.timeoutMs,
      ...(handshake.serverName === undefined ? {} : { servername: handshake.serverName }),
    },
    handshake.signal === undefined ? {} : { signal: handshake.signal },
  );
  return { result, chain: (result.tls?.chain ?? []).map((der) => new X509Certificate(Buffer.from(der, 'base64'))) };
}
