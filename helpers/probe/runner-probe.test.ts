// The runner's requests and handshakes on loopback: the Host header, extra headers and the TLS
// server name are sent per request, the response's status, headers and echo come back, redirects
// are reported (not followed), the served chain is read for a server name, for none and for an
// unknown one, and a refused port, a silent one and a cancelled request end as results, never throws.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshakeFromRunner, probeTargetFromRunner, requestFromRunner, requestUrl } from './runner-probe.ts';
import { CA_CERT, FALLBACK_CERT, FALLBACK_KEY, LEAF_CERT, LEAF_KEY } from './testing/tls-chain.ts';

let http: Server;
let https: HttpsServer;
let httpPort: number;
let httpsPort: number;

const ca = new X509Certificate(CA_CERT);
const leaf = new X509Certificate(LEAF_CERT);
const fallback = new X509Certificate(FALLBACK_CERT);

// Answers like a probe agent: an echo of the request, or a redirect for /go.
function handler(req: IncomingMessage, res: ServerResponse): void {
  if (req.url === '/go') return void res.writeHead(302, { location: '/there' }).end();
  res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'loopback' });
  res.end(
    JSON.stringify({
      pod: 'p0',
      namespace: 'ns',
      node: 'n',
      podIP: '127.0.0.1',
      port: 8080,
      clientIP: req.socket.remoteAddress,
      clientPort: req.socket.remotePort,
      method: req.method,
      path: req.url,
      host: req.headers.host,
      headers: req.headers,
    }),
  );
}

const listen = (server: Server) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
const close = (server: Server) => new Promise((resolve) => server.close(resolve));

beforeAll(async () => {
  http = createServer(handler);
  https = createHttpsServer(
    {
      cert: FALLBACK_CERT,
      key: FALLBACK_KEY,
      SNICallback: (name, done) => done(null, name === 'shop.test' ? createSecureContext({ cert: LEAF_CERT + CA_CERT, key: LEAF_KEY }) : undefined),
    },
    handler,
  );
  [httpPort, httpsPort] = await Promise.all([listen(http), listen(https)]);
});

afterAll(async () => {
  await Promise.all([close(http), close(https)]);
});

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await close(server);
  return port;
}

describe('requestFromRunner', () => {
  it('sends the Host header and extra headers, and reads the status, headers and echo', async () => {
    const result = await requestFromRunner({
      address: '127.0.0.1',
      port: httpPort,
      path: '/a?b=1',
      host: 'Shop.test',
      headers: { 'x-probe': 'p1' },
      timeoutMs: 2000,
    });
    expect(result).toMatchObject({
      outcome: 'ok',
      http: {
        status: 200,
        headers: { 'x-served-by': 'loopback' },
        echo: { pod: 'p0', port: 8080, path: '/a?b=1', host: 'Shop.test', headers: { 'x-probe': 'p1' } },
      },
    });
  });

  it('reports a redirect with its Location, without following it', async () => {
    const result = await requestFromRunner({ address: '127.0.0.1', port: httpPort, path: '/go', host: 'shop.test', timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'http-status', http: { status: 302, headers: { location: '/there' } } });
  });

  it('over HTTPS sends the server name of the Host, without verifying the served certificate', async () => {
    const result = await requestFromRunner({ address: '127.0.0.1', port: httpsPort, scheme: 'https', path: '/tls', host: 'shop.test:443', timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'ok', http: { status: 200, echo: { path: '/tls', host: 'shop.test:443' } } });
  });

  it('ends a refused port, a silent one and a cancelled request as results', async () => {
    expect(await requestFromRunner({ address: '127.0.0.1', port: await closedPort(), path: '/', host: 'x', timeoutMs: 2000 })).toMatchObject({
      outcome: 'refused',
      code: 'ECONNREFUSED',
    });
    const silent = createServer(() => undefined);
    const port = await listen(silent);
    try {
      expect(await requestFromRunner({ address: '127.0.0.1', port, path: '/', host: 'x', timeoutMs: 200 })).toMatchObject({
        outcome: 'timeout',
        code: 'ETIMEDOUT',
      });
      const cancelled = await requestFromRunner({ address: '127.0.0.1', port, path: '/', host: 'x', timeoutMs: 5000, signal: AbortSignal.timeout(50) });
      expect(cancelled).toMatchObject({ outcome: 'error', code: 'ABORT_ERR' });
    } finally {
      silent.closeAllConnections();
      await close(silent);
    }
  });

  it('writes an IPv6 address in brackets', () => {
    expect(requestUrl('http', 'fd00::1', 80, '/x')).toBe('http://[fd00::1]:80/x');
    expect(requestUrl('https', '10.0.0.1', 443, '')).toBe('https://10.0.0.1:443/');
  });
});

describe('handshakeFromRunner', () => {
  it('reads the served chain for a server name, for none and for an unknown one', async () => {
    const named = await handshakeFromRunner({ address: '127.0.0.1', port: httpsPort, serverName: 'shop.test', timeoutMs: 2000 });
    expect(named.chain.map((c) => c.fingerprint256)).toEqual([leaf.fingerprint256, ca.fingerprint256]);
    expect(named.result.outcome).toBe('ok');
    const none = await handshakeFromRunner({ address: '127.0.0.1', port: httpsPort, serverName: undefined, timeoutMs: 2000 });
    expect(none.chain[0]?.subject).toBe('CN=FALLBACK');
    const unknown = await handshakeFromRunner({ address: '127.0.0.1', port: httpsPort, serverName: 'other.test', timeoutMs: 2000 });
    expect(unknown.chain[0]?.fingerprint256).toBe(fallback.fingerprint256);
  });

  it('a refused port is a result with no chain', async () => {
    const refused = await handshakeFromRunner({ address: '127.0.0.1', port: await closedPort(), serverName: 'x', timeoutMs: 2000 });
    expect(refused).toMatchObject({ chain: [], result: { outcome: 'refused' } });
  });
});

let echoServer: Server;
let echoPort: number;

beforeAll(async () => {
  echoServer = createServer((req, res) => {
    if (req.url === '/missing') return void res.writeHead(404).end('no');
    res.end(JSON.stringify({ pod: 'probe-0', port: 8081, clientIP: req.socket.remoteAddress, path: req.url }));
  });
  await new Promise<void>((resolve) => echoServer.listen(0, '127.0.0.1', resolve));
  echoPort = (echoServer.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => echoServer.close(() => resolve())));

describe('probeTargetFromRunner: a reachability cell asked from the runner', () => {
  it('reads the echo of the pod that answered', async () => {
    const result = await probeTargetFromRunner({ id: 'a', kind: 'http', url: `http://127.0.0.1:${echoPort}/`, timeoutMs: 2000 });
    expect(result).toMatchObject({ id: 'a', outcome: 'ok', http: { status: 200, echo: { pod: 'probe-0', port: 8081 } } });
  });

  it('reports a status other than 2xx as http-status', async () => {
    const result = await probeTargetFromRunner({ id: 'b', kind: 'http', url: `http://127.0.0.1:${echoPort}/missing`, timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'http-status', http: { status: 404, body: 'no' } });
  });

  it('classifies a closed port as refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await probeTargetFromRunner({ id: 'c', kind: 'http', url: `http://127.0.0.1:${free}/`, timeoutMs: 2000 });
    expect(result).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('classifies no answer within the deadline as a timeout', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      const result = await probeTargetFromRunner({ id: 'd', kind: 'http', url: `http://127.0.0.1:${silentPort}/`, timeoutMs: 300 });
      expect(result).toMatchObject({ outcome: 'timeout', code: 'ETIMEDOUT' });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
