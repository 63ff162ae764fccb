// The HTTP echo served on every HTTP port: any path answers with who answered and what arrived.
// Extras for the suites: /healthz follows readiness, /status/NNN answers NNN, /delay/MS waits first.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { flattenHeaders } from './http-headers.ts';
import { sendJson } from './http-io.ts';
import type { EchoBody, Identity } from './protocol.ts';

const MAX_DELAY_MS = 30_000;

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

export function createHttpEcho(options: HttpEchoOptions): Server {
  return createServer((request, response) => handle(options, request, response));
}
