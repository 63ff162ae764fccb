import { afterEach, describe, expect, it } from 'vitest';
import { createTcpEcho } from './echo-tcp.ts';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import { probeTcp } from './probe-tcp.ts';
import type { TcpTarget } from './protocol.ts';
import { LOOPBACK, closedTcpPort, tcpServer } from './testing/loopback.ts';

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(server: Promise<Listening>): Promise<number> {
  const listening = await server;
  servers.push(listening);
  return listening.port;
}

function target(port: number, extra: Partial<TcpTarget> = {}): TcpTarget {
  return { kind: 'tcp', id: 'tcp-1', timeoutMs: 300, host: LOOPBACK, port, ...extra };
}

describe('probeTcp', () => {
  it('reads the echo and learns which pod answered', async () => {
    const port = await serve(startListening(createTcpEcho('backend-7'), 0, LOOPBACK));
    const result = await probeTcp(target(port, { payload: 'hello there' }));
    expect(result).toMatchObject({ id: 'tcp-1', kind: 'tcp', outcome: 'ok', detail: 'echoed by backend-7', reply: { pod: 'backend-7', text: 'hello there' } });
    expect(result.ms).toBeGreaterThan(0);
    expect(result.ms).toBeLessThan(300);
  });

  it('reports refused for a port nothing listens on', async () => {
    const result = await probeTcp(target(await closedTcpPort()));
    expect(result).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('reports timeout when the server accepts but never answers', async () => {
    const port = await serve(tcpServer(() => {}));
    const result = await probeTcp(target(port));
    expect(result).toMatchObject({ outcome: 'timeout', code: 'ETIMEDOUT', detail: 'no answer within 300 ms' });
    expect(result.ms).toBeGreaterThanOrEqual(295);
  });

  it('reports reset when the server resets the connection', async () => {
    const port = await serve(tcpServer((socket) => socket.resetAndDestroy()));
    const result = await probeTcp(target(port));
    expect(result.outcome).toBe('reset');
    expect(['ECONNRESET', 'EPIPE']).toContain(result.code);
  });

  it('reports protocol-error for a reply that is not the echo', async () => {
    const port = await serve(tcpServer((socket) => socket.end('SSH-2.0-OpenSSH_9.6\r\n')));
    const result = await probeTcp(target(port));
    expect(result).toMatchObject({ outcome: 'protocol-error', detail: 'not an echo: "SSH-2.0-OpenSSH_9.6\\r"' });
  });

  it('reports protocol-error when the server closes without a reply', async () => {
    const port = await serve(tcpServer((socket) => socket.end()));
    expect(await probeTcp(target(port))).toMatchObject({ outcome: 'protocol-error', detail: 'connection closed before a reply line' });
  });

  it('sends a bulk line of the size asked and expects the byte count back', async () => {
    const port = await serve(startListening(createTcpEcho('backend-8'), 0, LOOPBACK));
    const result = await probeTcp(target(port, { payload: 'large', size: 12_000 }));
    expect(result).toMatchObject({ outcome: 'ok', detail: 'echoed by backend-8', reply: { pod: 'backend-8', text: 'large|#12000' } });
  });

  it('reports protocol-error when a bulk line comes back with another byte count (cut on the way)', async () => {
    const port = await serve(tcpServer((socket) => socket.end('backend-8|large|#9000\n')));
    const result = await probeTcp(target(port, { payload: 'large', size: 12_000 }));
    expect(result).toMatchObject({ outcome: 'protocol-error' });
  });

  it('with connectOnly, reports ok once connected and sends nothing', async () => {
    let got = '';
    const port = await serve(tcpServer((socket) => socket.on('data', (d) => (got += String(d)))));
    const result = await probeTcp(target(port, { connectOnly: true }));
    expect(result).toMatchObject({ outcome: 'ok', detail: `connected to ${LOOPBACK}:${port}` });
    expect(result.reply).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(got).toBe('');
  });

  it('ends at once, its connection closed, when its signal aborts', async () => {
    let closed = false;
    const port = await serve(tcpServer((socket) => socket.on('close', () => (closed = true)).resume()));
    const client = new AbortController();
    setTimeout(() => client.abort(new Error('the client went away')), 50);
    const result = await probeTcp(target(port, { timeoutMs: 5000 }), { signal: client.signal });
    expect(result).toMatchObject({ outcome: 'error', code: 'ABORT_ERR', detail: 'cancelled: the client went away' });
    expect(result.ms).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('does not even connect when its signal has aborted already', async () => {
    let connections = 0;
    const port = await serve(tcpServer(() => connections++));
    const result = await probeTcp(target(port), { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ outcome: 'error', code: 'ABORT_ERR' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connections).toBe(0);
  });
});
