// The runner's requests on loopback, through the engine's runner probes: the Host header and the TLS server name are sent per request,
// redirects are reported (not followed), the served chain is read from the handshake for an SNI,
// for none and for an unknown one, and a refused port ends as a Seen, never a throw.
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as HttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callEntry, errorText, seenOf, servedCertificate, type EntryPoint } from './ingress-probe.ts';
import { issue, makeCa, makeLeaf } from './x509.ts';

const now = new Date();
const ca = makeCa('probe test CA', now, 1);
const leaf = makeLeaf(ca, ['shop.test'], now, 1);
const fallback = issue({ commonName: 'FALLBACK', notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), isCa: false });

let http: Server;
let https: HttpsServer;
let entry: EntryPoint;

const handler = (
  req: { url?: string; headers: Record<string, unknown> },
  res: { writeHead: (s: number, h?: Record<string, string>) => void; end: (b?: string) => void },
) => {
  if (req.url === '/go') {
    res.writeHead(302, { location: '/there' });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  // An agent's echo (helpers/probe reads only those): who answered, and the request it saw.
  res.end(
    JSON.stringify({
      pod: 'p0',
      namespace: 'ns',
      node: 'n',
      podIP: '127.0.0.1',
      port: 8080,
      clientIP: '127.0.0.1',
      clientPort: 1,
      method: 'GET',
      path: req.url,
      host: req.headers.host,
      headers: req.headers,
    }),
  );
};

beforeAll(async () => {
  http = createServer(handler);
  https = createTlsServer(
    {
      cert: fallback.certPem,
      key: fallback.keyPem,
      SNICallback: (name, done) => done(null, name === 'shop.test' ? createSecureContext({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem }) : undefined),
    },
    handler,
  );
  await Promise.all([new Promise<void>((r) => http.listen(0, '127.0.0.1', r)), new Promise<void>((r) => https.listen(0, '127.0.0.1', r))]);
  entry = { address: '127.0.0.1', httpPort: (http.address() as AddressInfo).port, httpsPort: (https.address() as AddressInfo).port, via: 'loopback' };
});

afterAll(async () => {
  await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => https.close(r))]);
});

describe('ingress probe', () => {
  it('sends the Host header and reads the echo; reports a redirect without following it', async () => {
    const seen = await callEntry(entry, { host: 'Shop.test', path: '/a?b=1', timeoutMs: 2000 });
    expect(seen).toMatchObject({ status: 200, echo: { pod: 'p0', path: '/a?b=1', host: 'Shop.test' } });
    expect(await callEntry(entry, { host: 'shop.test', path: '/go', timeoutMs: 2000 })).toMatchObject({ status: 302, location: '/there' });
  });

  it('over HTTPS sends the server name of the Host', async () => {
    const seen = await callEntry(entry, { host: 'shop.test', path: '/tls', scheme: 'https', timeoutMs: 2000 });
    expect(seen).toMatchObject({ status: 200, echo: { path: '/tls' } });
  });

  it('reads the served chain for an SNI, for none and for an unknown one', async () => {
    const named = await servedCertificate('127.0.0.1', entry.httpsPort ?? 0, 'shop.test', 2000);
    expect(named.chain.map((c) => c.fingerprint256)).toEqual([leaf.cert.fingerprint256, ca.cert.fingerprint256]);
    const none = await servedCertificate('127.0.0.1', entry.httpsPort ?? 0, undefined, 2000);
    expect(none.chain[0]?.subject).toBe('CN=FALLBACK');
    const unknown = await servedCertificate('127.0.0.1', entry.httpsPort ?? 0, 'other.test', 2000);
    expect(unknown.chain[0]?.fingerprint256).toBe(fallback.cert.fingerprint256);
  });

  it('prints a failure by its short name, else its code and message', () => {
    expect(errorText({ outcome: 'timeout', code: 'ETIMEDOUT', detail: 'no answer within 5000 ms' })).toBe('timeout');
    expect(errorText({ outcome: 'tls-error', code: 'EPROTO', detail: 'wrong version number' })).toBe('EPROTO wrong version number');
    expect(
      seenOf({ id: 'a', kind: 'http', outcome: 'http-status', ms: 1, detail: 'HTTP 301', http: { status: 301, headers: { location: '/x' }, body: '' } }),
    ).toEqual({ status: 301, location: '/x' });
  });

  it('a refused port is an answer, not a throw', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await callEntry({ ...entry, httpPort: port }, { host: 'x', path: '/', timeoutMs: 2000 })).toEqual({ error: 'refused' });
    expect((await servedCertificate('127.0.0.1', port, 'x', 2000)).error).toBe('refused');
  });
});
