import { X509Certificate } from 'node:crypto';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import { probeTls } from './probe-tls.ts';
import type { TlsTarget } from './protocol.ts';
import { LOOPBACK, closedTcpPort, tcpServer } from './testing/loopback.ts';
import { TEST_CERT, TEST_KEY } from './testing/tls.ts';

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function target(port: number, extra: Partial<TlsTarget> = {}): TlsTarget {
  return { kind: 'tls', id: 'tls-1', timeoutMs: 1000, host: LOOPBACK, port, ...extra };
}

// Records the SNI while the handshake runs (the client may finish before the server's callback).
async function tlsServer(seen: { servername?: string }): Promise<number> {
  const server = createTlsServer(
    {
      key: TEST_KEY,
      cert: TEST_CERT,
      SNICallback: (name, callback) => {
        seen.servername = name;
        callback(null, undefined);
      },
    },
    (socket) => socket.end(),
  );
  server.on('tlsClientError', () => {});
  const listening = await startListening(server, 0, LOOPBACK);
  servers.push(listening);
  return listening.port;
}

describe('probeTls', () => {
  it('completes the handshake without verifying and returns the chain as served, with the SNI sent', async () => {
    const seen: { servername?: string } = {};
    const result = await probeTls(target(await tlsServer(seen), { servername: 'shop.example' }));
    expect(result).toMatchObject({
      id: 'tls-1',
      kind: 'tls',
      outcome: 'ok',
      detail: expect.stringMatching(/^handshake done \(TLSv1\.3\), 1 certificate\(s\) served$/),
    });
    expect(result.tls?.chain).toHaveLength(1);
    const served = new X509Certificate(Buffer.from(result.tls?.chain[0] ?? '', 'base64'));
    expect(served.fingerprint256).toBe(new X509Certificate(TEST_CERT).fingerprint256);
    expect(result.tls?.protocol).toBe('TLSv1.3');
    expect(seen.servername).toBe('shop.example');
  });

  it('sends no SNI for an IP address', async () => {
    const seen: { servername?: string } = {};
    await probeTls(target(await tlsServer(seen), { servername: '10.0.0.1' }));
    expect(seen.servername).toBeUndefined();
  });

  it('reports refused for a port nothing listens on', async () => {
    expect(await probeTls(target(await closedTcpPort()))).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('reports tls-error when the peer does not speak TLS', async () => {
    const listening = await tcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    servers.push(listening);
    const result = await probeTls(target(listening.port));
    expect(['tls-error', 'reset', 'error']).toContain(result.outcome);
    expect(result.outcome).not.toBe('ok');
  });

  it('reports timeout when the peer never answers the handshake', async () => {
    const listening = await tcpServer(() => {});
    servers.push(listening);
    expect(await probeTls(target(listening.port, { timeoutMs: 200 }))).toMatchObject({ outcome: 'timeout' });
  });
});
