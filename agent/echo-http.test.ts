import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUESTS_IN_FLIGHT, createHttpEcho } from './echo-http.ts';
import type { Readiness } from './echo-http.ts';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import { LOOPBACK, callJson } from './testing/loopback.ts';

const identity = { pod: 'echo-pod', namespace: 'echo-ns', node: 'echo-node', podIP: '10.1.2.3' };

describe('createHttpEcho', () => {
  const readiness: Readiness = { ready: true };
  let server: Listening;
  let base: string;
  beforeAll(async () => {
    server = await startListening(createHttpEcho({ identity, readiness }), 0, LOOPBACK);
    base = `http://${LOOPBACK}:${server.port}`;
  });
  afterAll(() => server.close());

  it('echoes who answered and what arrived, for any path', async () => {
    const response = await fetch(`${base}/some/path?x=1&y=%20`, { method: 'PATCH', headers: { 'X-Trace': 'abc' } });
    const body = (await response.json()) as Record<string, unknown>;
    expect(response.status).toBe(200);
    expect(body).toMatchObject({
      ...identity,
      port: server.port,
      clientIP: LOOPBACK,
      method: 'PATCH',
      path: '/some/path?x=1&y=%20',
      host: `${LOOPBACK}:${server.port}`,
      headers: { 'x-trace': 'abc' },
    });
    expect(body.clientPort).toEqual(expect.any(Number));
    expect(body.clientPort).not.toBe(server.port);
  });

  it('answers /healthz according to readiness', async () => {
    expect(await callJson('GET', `${base}/healthz`)).toEqual({ status: 200, body: { ready: true } });
    readiness.ready = false;
    expect(await callJson('GET', `${base}/healthz`)).toEqual({ status: 503, body: { ready: false } });
    readiness.ready = true;
  });

  it('answers /status/NNN with that status and the echo', async () => {
    const reply = await callJson('GET', `${base}/status/418?why=teapot`);
    expect(reply.status).toBe(418);
    expect(reply.body).toMatchObject({ pod: 'echo-pod', path: '/status/418?why=teapot' });
    expect((await fetch(`${base}/status/204`)).status).toBe(204);
  });

  it('rejects a status outside 200-599', async () => {
    expect(await callJson('GET', `${base}/status/99`)).toEqual({ status: 400, body: { error: 'status 99 is outside 200-599' } });
  });

  it('waits on /delay/MS before echoing', async () => {
    const start = performance.now();
    const reply = await callJson('GET', `${base}/delay/150`);
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);
    expect(reply).toMatchObject({ status: 200, body: { path: '/delay/150' } });
  });
});

describe('createHttpEcho against misbehaving clients', () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const closed = (socket: ReturnType<typeof connect>) => new Promise((resolve) => socket.on('close', resolve));

  it('answers a client that pipelines a few requests, in order', async () => {
    const server = await startListening(createHttpEcho({ identity, readiness: { ready: true } }), 0, LOOPBACK);
    const socket = connect(server.port, LOOPBACK);
    try {
      socket.setEncoding('utf8');
      let received = '';
      socket.on('data', (chunk: string) => (received += chunk));
      socket.write(['/delay/30', '/a', '/b'].map((path, i) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === 2 ? 'Connection: close\r\n' : ''}\r\n`).join(''));
      await closed(socket);
      expect([...received.matchAll(/"path":"([^"]*)"/g)].map((match) => match[1])).toEqual(['/delay/30', '/a', '/b']);
    } finally {
      await server.close();
    }
  });

  it(`destroys a connection that pipelines more than ${MAX_REQUESTS_IN_FLIGHT} unanswered requests, having read no more`, async () => {
    let handled = 0;
    // Sees every request the echo goes on to handle, and leaves it to the echo.
    const counter = () => (handled++, false);
    const server = await startListening(createHttpEcho({ identity, readiness: { ready: true }, api: counter }), 0, LOOPBACK);
    const socket = connect(server.port, LOOPBACK);
    socket.on('error', () => {});
    try {
      // Each waits 30 s: nothing is answered, so nothing would hold the echo back from reading on.
      socket.write('GET /delay/30000 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(20_000));
      await Promise.race([closed(socket), sleep(2000).then(() => expect.fail('the connection was not destroyed'))]);
      expect(handled).toBe(MAX_REQUESTS_IN_FLIGHT);
    } finally {
      socket.destroy();
      await server.close();
    }
  });

  it('closes a connection that sends no request within the headers timeout', async () => {
    const limits = { headersTimeoutMs: 200, requestTimeoutMs: 400, checkIntervalMs: 50 };
    const server = await startListening(createHttpEcho({ identity, readiness: { ready: true }, limits }), 0, LOOPBACK);
    const socket = connect(server.port, LOOPBACK);
    socket.on('error', () => {});
    try {
      await once(socket, 'connect');
      const start = performance.now();
      socket.resume();
      await Promise.race([closed(socket), sleep(2000).then(() => expect.fail('the silent connection was not closed'))]);
      expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});
