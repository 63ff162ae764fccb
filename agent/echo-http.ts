// The HTTP echo served on every HTTP port: any path answers with who answered and what arrived.
// Extras for the suites: /healthz follows readiness, /status/NNN answers NNN, /delay/MS waits first.
//
// A client cannot make it hold more than a bounded amount: Node stops reading pipelined requests
// while their answers wait for the client to read, but an answer that is not written yet (a
// /delay, a probe batch) holds no bytes, so a client pipelining those would be read on without end;
// a connection with more than MAX_REQUESTS_IN_FLIGHT unanswered requests is destroyed. Answers are
// bounded by what they echo (headers, at most Node's 16 KiB). Connections that send nothing, or
// dribble a request, or idle between requests are closed (HttpLimits).
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { flattenHeaders } from './http-headers.ts';
import { sendJson } from './http-io.ts';
import type { EchoBody, Identity } from './protocol.ts';

const MAX_DELAY_MS = 30_000;

/**
 * Requests one connection may have unanswered at once. Our clients (probers, fetch, undici) send
 * one request at a time and the HTTP/1.1 clients that pipeline send a handful; 32 /delay requests
 * cost a few hundred KiB, the bound a misbehaving connection gets.
 */
export const MAX_REQUESTS_IN_FLIGHT = 32;

export interface HttpLimits {
  /** A request's headers must arrive within this; a connection that sends nothing is closed after it. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** An idle connection between two requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** How often the two request deadlines above are checked. */
  checkIntervalMs: number;
}

export const HTTP_LIMITS: HttpLimits = {
  // Headers come in the first packet or two of a request; 20 s is for a path that drops and retransmits.
  headersTimeoutMs: 20_000,
  // The largest request, a 4 MiB probe batch through the API server's proxy, takes a second or two.
  requestTimeoutMs: 60_000,
  // Node's default: the runner's keep-alive clients open a new connection when one is gone.
  keepAliveTimeoutMs: 5_000,
  // Node's default of 30 s would let a silent connection live 50 s instead of 20.
  checkIntervalMs: 2_000,
};

export interface Readiness {
  ready: boolean;
}

/** Handles a request and returns true, or returns false to leave it to the echo. */
export type Route = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface HttpEchoOptions {
  identity: Identity;
  readiness: Readiness;
  /** Served before the echo: the API, on the first port only. */
  api?: Route;
  /** Overrides HTTP_LIMITS (tests). */
  limits?: Partial<HttpLimits>;
}

export function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?', 1)[0] ?? '/';
}

function stripMappedPrefix(address: string): string {
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function echoBody(identity: Identity, request: IncomingMessage): EchoBody {
  const { socket } = request;
  return {
    ...identity,
    port: socket.localPort ?? 0,
    clientIP: stripMappedPrefix(socket.remoteAddress ?? ''),
    clientPort: socket.remotePort ?? 0,
    method: request.method ?? '',
    path: request.url ?? '',
    host: request.headers.host ?? '',
    headers: flattenHeaders(request.headers),
  };
}

function answerStatus(options: HttpEchoOptions, request: IncomingMessage, response: ServerResponse, text: string): void {
  const status = Number(text);
  if (status < 200 || status > 599) sendJson(response, 400, { error: `status ${text} is outside 200-599` });
  else sendJson(response, status, echoBody(options.identity, request));
}

function answerLater(options: HttpEchoOptions, request: IncomingMessage, response: ServerResponse, text: string): void {
  const timer = setTimeout(() => sendJson(response, 200, echoBody(options.identity, request)), Math.min(Number(text), MAX_DELAY_MS));
  response.on('close', () => clearTimeout(timer));
}

function handle(options: HttpEchoOptions, request: IncomingMessage, response: ServerResponse): void {
  if (options.api?.(request, response) === true) return;
  const path = pathOf(request);
  const status = /^\/status\/(\d{1,3})$/.exec(path)?.[1];
  const delay = /^\/delay\/(\d{1,9})$/.exec(path)?.[1];
  if (path === '/healthz') sendJson(response, options.readiness.ready ? 200 : 503, { ready: options.readiness.ready });
  else if (status !== undefined) answerStatus(options, request, response, status);
  else if (delay !== undefined) answerLater(options, request, response, delay);
  else sendJson(response, 200, echoBody(options.identity, request));
}

/** Counts a connection's unanswered requests; false (and the connection destroyed) past the bound. */
function admitted(inFlight: WeakMap<Socket, number>, request: IncomingMessage, response: ServerResponse): boolean {
  const { socket } = request;
  const count = (inFlight.get(socket) ?? 0) + 1;
  if (count > MAX_REQUESTS_IN_FLIGHT) {
    socket.destroy();
    return false;
  }
  inFlight.set(socket, count);
  response.on('close', () => inFlight.set(socket, (inFlight.get(socket) ?? 1) - 1));
  return true;
}

export function createHttpEcho(options: HttpEchoOptions): Server {
  const limits = { ...HTTP_LIMITS, ...options.limits };
  const inFlight = new WeakMap<Socket, number>();
  return createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    (request, response) => {
      if (admitted(inFlight, request, response)) handle(options, request, response);
    },
  );
}
