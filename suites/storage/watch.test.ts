// Watches against the fake API server: a watch that the server closes is opened again and sees the
// state change; an object already gone is seen gone by its read, without waiting out the watch.
import { afterEach, describe, expect, it } from 'vitest';
import { openKubeSession, type KubeSession } from '../../helpers/kube/session.ts';
import { startFakeApiServer, type FakeApiServer, type RecordedRequest } from '../../helpers/kube/testing/fake-apiserver.ts';
import { paths, waitGone, watchUntil } from './watch.ts';

let server: FakeApiServer | undefined;
let session: KubeSession | undefined;

afterEach(async () => {
  await session?.close();
  await server?.close();
  session = undefined;
  server = undefined;
});

async function open(handler: (request: RecordedRequest) => { status: number; body: unknown } | undefined): Promise<KubeSession> {
  server = await startFakeApiServer({ handler });
  session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 1000 });
  return session;
}

const claim = (phase: string) => ({ kind: 'PersistentVolumeClaim', metadata: { name: 'c1', namespace: 'ns' }, status: { phase } });
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

describe('watchUntil', () => {
  it('opens the watch again after the server closes it, and resolves on the accepted state', async () => {
    let watches = 0;
    const s = await open((request) => {
      if (!request.path.startsWith('/api/v1/namespaces/ns/persistentvolumeclaims?')) return undefined;
      expect(request.path).toContain('fieldSelector=metadata.name%3Dc1');
      watches += 1;
      return { status: 200, body: watches === 1 ? line('ADDED', claim('Pending')) : line('ADDED', claim('Pending')) + line('MODIFIED', claim('Bound')) };
    });
    const watched = await watchUntil<ReturnType<typeof claim>>(s.kc, paths.claims('ns'), 'c1', (c) => c.status.phase === 'Bound', { timeoutMs: 10_000, signal: new AbortController().signal });
    expect(watched).toMatchObject({ ok: true, deleted: false, value: { status: { phase: 'Bound' } } });
    expect(watches).toBe(2);
  });

  it('gives up at the timeout with the last state seen', async () => {
    const s = await open((request) => (request.path.includes('persistentvolumeclaims') ? { status: 200, body: line('ADDED', claim('Pending')) } : undefined));
    const watched = await watchUntil<ReturnType<typeof claim>>(s.kc, paths.claims('ns'), 'c1', (c) => c.status.phase === 'Bound', { timeoutMs: 800, signal: new AbortController().signal });
    expect(watched).toMatchObject({ ok: false, value: { status: { phase: 'Pending' } } });
  });
});

describe('waitGone', () => {
  it('an object already gone is gone at once', async () => {
    const s = await open(() => undefined);
    const gone = await waitGone(s.kc, paths.volumes(), 'pv1', () => s.clients.core.readPersistentVolume({ name: 'pv1' }), { timeoutMs: 10_000, signal: new AbortController().signal });
    expect(gone.gone).toBe(true);
    expect(gone.elapsedMs).toBeLessThan(2000);
  });

  it('a deletion seen by the watch', async () => {
    const pv = { kind: 'PersistentVolume', metadata: { name: 'pv1' }, status: { phase: 'Released' } };
    const s = await open((request) => {
      if (request.path === '/api/v1/persistentvolumes/pv1') return { status: 200, body: pv };
      if (request.path.startsWith('/api/v1/persistentvolumes?')) return { status: 200, body: line('ADDED', pv) + line('DELETED', pv) };
      return undefined;
    });
    const gone = await waitGone(s.kc, paths.volumes(), 'pv1', () => s.clients.core.readPersistentVolume({ name: 'pv1' }), { timeoutMs: 10_000, signal: new AbortController().signal });
    expect(gone.gone).toBe(true);
  });
});
