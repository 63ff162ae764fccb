// HTTP(S) prober: one request on a fresh connection (no keep-alive, so every probe picks a backend
// anew), the whole exchange under the target's deadline.
import { request as httpRequest } from 'node:http';
import type { IncomingMessage, RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { flattenHeaders } from './http-headers.ts';
import { runProbeScope } from './probe-scope.ts';
import type { Finding, ProbeContext } from './probe-scope.ts';
import type { EchoBody, HttpData, HttpTarget, ProbeResult } from './protocol.ts';

const MAX_BODY_BYTES = 64 * 1024;
const BODY_PREVIEW_CHARS = 1024;

/** The TLS server name for a Host header value; none for IP literals, which SNI does not allow. */
function serverName(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined;
  const name = hostHeader.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  return isIP(name) === 0 ? name : undefined;
}

function requestOptions(target: HttpTarget): RequestOptions & { rejectUnauthorized: boolean; servername?: string } {
  const headers = { ...target.headers, ...(target.hostHeader === undefined ? {} : { host: target.hostHeader }) };
  return {
    method: target.method ?? 'GET',
    headers,
    agent: false,
    rejectUnauthorized: target.tlsInsecure !== true,
    servername: serverName(target.hostHeader),
  };
}

function isEchoBody(value: unknown): value is EchoBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Partial<Record<keyof EchoBody, unknown>>;
  return typeof body.pod === 'string' && typeof body.port === 'number' && typeof body.path === 'string' && typeof body.clientIP === 'string';
}

function parseEcho(text: string): EchoBody | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isEchoBody(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

// The agent reports what it saw; whether a status was the one wanted is judged in the runner
// (helpers/probe/expectations.ts), so a non-2xx answer is an http-status outcome with its status.
function success(status: number): boolean {
  return status >= 200 && status < 300;
}

function httpFinding(target: HttpTarget, response: IncomingMessage, body: Buffer): Finding {
  const status = response.statusCode ?? 0;
  const text = body.toString('utf8');
  const echo = parseEcho(text);
  const http: HttpData = { status, headers: flattenHeaders(response.headers) };
  if (echo === undefined) http.body = text.slice(0, BODY_PREVIEW_CHARS);
  else http.echo = echo;
  const from = echo === undefined ? '' : ` from ${echo.pod}`;
  if (!success(status)) return { outcome: 'http-status', detail: `HTTP ${status}${from}, not 2xx`, http };
  return { outcome: 'ok', detail: `HTTP ${status}${from}`, http };
}

export function probeHttp(target: HttpTarget, context: ProbeContext = {}): Promise<ProbeResult> {
  return runProbeScope(
    target,
    (scope) => {
      const url = new URL(target.url);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const request = send(url, { ...requestOptions(target), lookup: scope.lookup });
      scope.onEnd(() => request.destroy());
      request.on('error', (error) => scope.fail(error));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => scope.finish(httpFinding(target, response, Buffer.concat(chunks)));
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          // Enough to judge the answer; the rest of a large body is not worth the wait.
          if (size >= MAX_BODY_BYTES) done();
        });
        response.on('end', done);
        response.on('error', (error) => scope.fail(error));
      });
      request.end();
    },
    context,
  );
}
