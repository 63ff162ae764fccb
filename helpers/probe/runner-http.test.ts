import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeHttpFromRunner } from './runner-http.ts';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/missing') return void res.writeHead(404).end('no');
    res.end(JSON.stringify({ pod: 'probe-0', port: 8081, clientIP: req.socket.remoteAddress, path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('probeHttpFromRunner', () => {
  it('reads the echo of the pod that answered', async () => {
    const result = await probeHttpFromRunner({ id: 'a', kind: 'http', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
    expect(result).toMatchObject({ id: 'a', outcome: 'ok', http: { status: 200, echo: { pod: 'probe-0', port: 8081 } } });
  });

  it('reports a status other than 2xx as http-status', async () => {
    const result = await probeHttpFromRunner({ id: 'b', kind: 'http', url: `http://127.0.0.1:${port}/missing`, timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'http-status', http: { status: 404, body: 'no' } });
  });

  it('classifies a closed port as refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await probeHttpFromRunner({ id: 'c', kind: 'http', url: `http://127.0.0.1:${free}/`, timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('classifies no answer within the deadline as a timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const result = await probeHttpFromRunner({ id: 'd', kind: 'http', url: `http://127.0.0.1:${silentPort}/`, timeoutMs: 300 });
      expect(result).toMatchObject({ outcome: 'timeout', code: 'ETIMEDOUT' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
