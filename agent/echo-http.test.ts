import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpEcho } from './echo-http.ts';
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
