import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpEcho } from './echo-http.ts';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import { probeHttp } from './probe-http.ts';
import type { HttpTarget } from './protocol.ts';
import { LOOPBACK, closedTcpPort, tcpServer } from './testing/loopback.ts';
import { TEST_CERT, TEST_KEY } from './testing/tls.ts';

const identity = { pod: 'web-1', namespace: 'ns', node: 'node-a', podIP: '10.0.0.9' };

function target(url: string, extra: Partial<HttpTarget> = {}): HttpTarget {
  return { kind: 'http', id: 'http-1', timeoutMs: 300, url, ...extra };
}

describe('probeHttp', () => {
  const servers: Listening[] = [];
  let base: string;
  beforeAll(async () => {
    const echo = await startListening(createHttpEcho({ identity, readiness: { ready: true } }), 0, LOOPBACK);
    servers.push(echo);
    base = `http://${LOOPBACK}:${echo.port}`;
  });
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  async function rawServer(answer: (socket: Socket) => void): Promise<string> {
    const server = await tcpServer(answer);
    servers.push(server);
    return `${LOOPBACK}:${server.port}`;
  }

  it('returns the status, headers and parsed echo of the answering pod', async () => {
    const result = await probeHttp(target(`${base}/app?q=1`, { method: 'DELETE', headers: { 'x-probe': 'p1' }, hostHeader: 'shop.example' }));
    expect(result).toMatchObject({ id: 'http-1', kind: 'http', outcome: 'ok', detail: 'HTTP 200 from web-1' });
    expect(result.http?.status).toBe(200);
    expect(result.http?.headers['content-type']).toBe('application/json');
    expect(result.http?.echo).toMatchObject({ pod: 'web-1', method: 'DELETE', path: '/app?q=1', host: 'shop.example' });
    // No keep-alive: every probe opens its own connection and may reach another backend.
    expect(result.http?.echo?.headers).toMatchObject({ 'x-probe': 'p1', connection: 'close' });
    expect(result.http?.body).toBeUndefined();
  });

  it('reports http-status for a status other than expected', async () => {
    const result = await probeHttp(target(`${base}/status/503`));
    expect(result).toMatchObject({ outcome: 'http-status', detail: 'HTTP 503 from web-1, not 2xx', http: { status: 503 } });
  });

  it('reports an error status with its status and echo for the runner to judge, never judging it itself', async () => {
    expect(await probeHttp(target(`${base}/status/404`))).toMatchObject({ outcome: 'http-status', http: { status: 404 } });
    expect(await probeHttp(target(`${base}/`))).toMatchObject({ outcome: 'ok', http: { status: 200, echo: { pod: 'web-1' } } });
  });

  it('keeps the start of a body that is not an echo', async () => {
    const address = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'));
    const result = await probeHttp(target(`http://${address}/`));
    expect(result).toMatchObject({ outcome: 'ok', detail: 'HTTP 200', http: { status: 200, body: 'hello' } });
    expect(result.http?.echo).toBeUndefined();
  });

  it('reports a request Node refuses to send as error instead of throwing', async () => {
    const result = await probeHttp(target(`${base}/`, { headers: { 'x-bad': 'a\nb' } }));
    expect(result).toMatchObject({ id: 'http-1', outcome: 'error', code: 'ERR_INVALID_CHAR' });
  });

  it('reports refused for a closed port', async () => {
    expect(await probeHttp(target(`http://${LOOPBACK}:${await closedTcpPort()}/`))).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('reports timeout when the answer is slower than the deadline', async () => {
    const result = await probeHttp(target(`${base}/delay/2000`));
    expect(result).toMatchObject({ outcome: 'timeout', code: 'ETIMEDOUT' });
    expect(result.ms).toBeGreaterThanOrEqual(295);
    expect(result.ms).toBeLessThan(1000);
  });

  it('reports reset when the server resets the connection', async () => {
    const address = await rawServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    expect(await probeHttp(target(`http://${address}/`))).toMatchObject({ outcome: 'reset', code: 'ECONNRESET' });
  });

  it('reports protocol-error when the answer is not HTTP', async () => {
    const address = await rawServer((socket) => socket.once('data', () => socket.end('garbage\r\n\r\n')));
    const result = await probeHttp(target(`http://${address}/`));
    expect(result.outcome).toBe('protocol-error');
    expect(result.code).toMatch(/^HPE_/);
  });

  async function tlsServer(): Promise<string> {
    const server = createHttpsServer({ key: TEST_KEY, cert: TEST_CERT }, (request, response) => {
      response.end(JSON.stringify({ servername: (request.socket as TLSSocket).servername }));
    });
    const listening = await startListening(server, 0, LOOPBACK);
    servers.push(listening);
    return `https://${LOOPBACK}:${listening.port}`;
  }

  it('speaks TLS, sending the Host header as the server name', async () => {
    const result = await probeHttp(target(`${await tlsServer()}/`, { tlsInsecure: true, hostHeader: 'shop.example:443' }));
    expect(result).toMatchObject({ outcome: 'ok', http: { status: 200, body: '{"servername":"shop.example"}' } });
  });

  it('reports tls-error for a certificate that does not verify', async () => {
    const result = await probeHttp(target(`${await tlsServer()}/`, { hostHeader: 'shop.example' }));
    expect(result).toMatchObject({ outcome: 'tls-error', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  });

  it('reports tls-error when the server does not speak TLS', async () => {
    const result = await probeHttp(target(`${base.replace('http:', 'https:')}/`, { tlsInsecure: true, hostHeader: 'shop.example' }));
    expect(result.outcome).toBe('tls-error');
    expect(result.detail).toMatch(/wrong version number/);
  });
});
