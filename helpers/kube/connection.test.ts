import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onStopSignal, stopRequested } from '../run/signals.ts';
import { fakeKubeconfig, startFakeApiServer } from './testing/fake-apiserver.ts';
import { STOP_GRACE_MS, openApiConnection, unlessStopped } from './connection.ts';
import { loadKube } from './kubeconfig.ts';

describe('unlessStopped', () => {
  it("gives the work, or the stop's reason once the stop came the grace ago, and lets work begun after the stop run", async () => {
    const stop = new AbortController();
    expect(await unlessStopped(stop.signal, 50, async () => 'done')).toBe('done');
    const never = unlessStopped(stop.signal, 50, () => new Promise<string>(() => {}));
    const quick = unlessStopped(stop.signal, 200, () => new Promise<string>((resolve) => setTimeout(() => resolve('created'), 50)));
    const reason = new Error('interrupted by SIGINT');
    const stoppedAt = Date.now();
    stop.abort(reason);
    // Work that ends within the grace is not abandoned: its caller learns what it did.
    expect(await quick).toBe('created');
    await expect(never).rejects.toBe(reason);
    expect(Date.now() - stoppedAt).toBeLessThan(500);
    expect(await unlessStopped(stop.signal, 50, async () => 'cleanup')).toBe('cleanup');
  });

  it('leaves no unhandled rejection when abandoned work fails later', async () => {
    const stop = new AbortController();
    let fail: (error: Error) => void = () => {};
    const abandoned = unlessStopped(stop.signal, 0, () => new Promise<string>((_resolve, reject) => (fail = reject)));
    stop.abort(new Error('stop'));
    await expect(abandoned).rejects.toThrow('stop');
    fail(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 10));
  });
});

// A TCP server on loopback that accepts and never answers: a TLS handshake with it never ends.
async function silentServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('a connection when the process is told to stop', () => {
  const closers: (() => unknown)[] = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('abandons a request still connecting after the grace and drops its socket, and sends the requests made after the stop', async () => {
    const silent = await silentServer();
    closers.push(() => silent.close());
    const dir = mkdtempSync(join(tmpdir(), 'sd-conn-'));
    writeFileSync(join(dir, 'kubeconfig'), fakeKubeconfig(`https://127.0.0.1:${silent.port}`));
    const connection = await openApiConnection(loadKube({ paths: [join(dir, 'kubeconfig')], origin: 'flag' }).kc);
    const api = await startFakeApiServer();
    closers.push(() => api.close());
    const after = await openApiConnection(loadKube({ paths: [api.kubeconfigPath], origin: 'flag' }).kc);
    closers.push(() => after.close());

    const dispose = onStopSignal(() => {});
    const hanging = connection.send({ method: 'GET', path: '/version' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    process.emit('SIGINT');
    dispose();
    await expect(hanging).rejects.toMatchObject({ code: 'SD_INTERRUPTED' });
    await connection.close();
    expect(Date.now() - started).toBeLessThan(STOP_GRACE_MS + 500);
    expect(stopRequested().aborted).toBe(true);
    // The cleanup's requests, sent after the stop, go through.
    expect((await after.send({ method: 'GET', path: '/version' })).status).toBe(200);
  });
});
