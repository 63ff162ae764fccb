// The watch against a plain-HTTP stand-in for the API server: each list and each watch request is
// answered by the next script of its kind, so a test says exactly what the server does and sees
// exactly what the watch asks (the resourceVersion it resumes from) and when it lets go.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { openKubeSession } from '../kube/session.ts';
import { startFakeApiServer } from '../kube/testing/fake-apiserver.ts';
import { collections, openWatch, waitGone, watchObject, type WatchApi } from './watch.ts';

type Script = (res: ServerResponse, req: IncomingMessage) => void;

interface Fake {
  api: WatchApi;
  // Every request's path and query, in order.
  paths: string[];
  // Watch requests still open on the server side.
  open: () => number;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function fake(lists: Script[], watches: Script[]): Promise<Fake> {
  const paths: string[] = [];
  let open = 0;
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const watching = new URL(req.url ?? '/', 'http://x').searchParams.get('watch') === '1';
    const script = (watching ? watches : lists).shift();
    if (watching) {
      open++;
      res.once('close', () => open--);
    }
    // Out of script: a list answers nothing; a watch stays open, silent.
    if (script === undefined) return watching ? void res.writeHead(200).write('') : void res.writeHead(500).end('{"message":"no script"}');
    script(res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dispatcher = new Agent();
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await dispatcher.close().catch(() => {});
  });
  const api: WatchApi = { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dispatcher, authHeaders: () => Promise.resolve({}) };
  return { api, paths, open: () => open };
}

interface Claim {
  metadata: { name: string; namespace: string; resourceVersion: string };
  status: { phase: string };
}
const claim = (name: string, phase: string, rv: string): Claim => ({ metadata: { name, namespace: 'ns', resourceVersion: rv }, status: { phase } });
const list =
  (rv: string, ...items: Claim[]): Script =>
  (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ metadata: { resourceVersion: rv }, items }));
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;
const ends =
  (...lines: string[]): Script =>
  (res) =>
    res.writeHead(200).end(lines.join(''));
const later =
  (ms: number, ...lines: string[]): Script =>
  (res) => {
    res.writeHead(200);
    setTimeout(() => res.write(lines.join('')), ms);
  };
const bound = (c: Claim) => c.status.phase === 'Bound';
const target = { path: collections.claims('ns'), name: 'c1' };
const query = (path: string | undefined) => new URL(path ?? '/', 'http://x').searchParams;

describe('watchObject', () => {
  it('sees an object already in its state from the first list, without a stream', async () => {
    const f = await fake([list('5', claim('c1', 'Bound', '4'))], []);
    const watched = await watchObject<Claim>(f.api, target, bound, { timeoutMs: 5000 });
    expect(watched).toMatchObject({ ok: true, gone: false, value: { status: { phase: 'Bound' } } });
    expect(f.paths).toHaveLength(1);
    expect(query(f.paths[0]).get('fieldSelector')).toBe('metadata.name=c1');
  });

  it('watches from the list, opens a dropped stream again from the last resourceVersion (bookmarks too), and resolves on the state', async () => {
    const f = await fake(
      [list('5', claim('c1', 'Pending', '4'))],
      [
        ends(line('MODIFIED', claim('c1', 'Pending', '6')), line('BOOKMARK', { metadata: { resourceVersion: '8' } })),
        later(20, line('MODIFIED', claim('c1', 'Bound', '9'))),
      ],
    );
    const watched = await watchObject<Claim>(f.api, target, bound, { timeoutMs: 5000, retryMs: 50 });
    expect(watched).toMatchObject({ ok: true, value: { metadata: { resourceVersion: '9' } } });
    const watches = f.paths.filter((p) => query(p).get('watch') === '1');
    expect(watches.map((p) => query(p).get('resourceVersion'))).toEqual(['5', '8']);
    expect(query(watches[0]).get('allowWatchBookmarks')).toBe('true');
    await expect.poll(f.open).toBe(0);
  });

  it('reads events split across chunks', async () => {
    const text = line('MODIFIED', claim('c1', 'Bound', '6'));
    const f = await fake(
      [list('5', claim('c1', 'Pending', '4'))],
      [
        (res) => {
          res.writeHead(200).write(text.slice(0, 17));
          setTimeout(() => res.write(text.slice(17)), 20);
        },
      ],
    );
    expect(await watchObject<Claim>(f.api, target, bound, { timeoutMs: 5000 })).toMatchObject({ ok: true });
  });

  it('gives up at the timeout with the last state seen, and lets go of the stream', async () => {
    const f = await fake([list('5', claim('c1', 'Pending', '4'))], []);
    const watched = await watchObject<Claim>(f.api, target, bound, { timeoutMs: 300 });
    expect(watched).toMatchObject({ ok: false, gone: false, value: { status: { phase: 'Pending' } } });
    expect(watched.elapsedMs).toBeGreaterThanOrEqual(290);
    await expect.poll(f.open).toBe(0);
    const asked = f.paths.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(f.paths).toHaveLength(asked);
  });

  it('ends at once, not ok and saying why, when the watch is refused (403)', async () => {
    const f = await fake(
      [list('5', claim('c1', 'Pending', '4'))],
      [(res) => res.writeHead(403).end(JSON.stringify({ kind: 'Status', message: 'persistentvolumeclaims is forbidden: cannot watch' }))],
    );
    const watched = await watchObject<Claim>(f.api, target, bound, { timeoutMs: 10_000 });
    expect(watched.ok).toBe(false);
    expect(watched.error).toBe('watch /api/v1/namespaces/ns/persistentvolumeclaims: HTTP 403: persistentvolumeclaims is forbidden: cannot watch');
    expect(watched.elapsedMs).toBeLessThan(2000);
  });

  it('tries a failing first list again, and a list that is refused not at all', async () => {
    const f = await fake([(res) => res.writeHead(503).end('{"message":"unavailable"}'), list('5', claim('c1', 'Bound', '4'))], []);
    expect(await watchObject<Claim>(f.api, target, bound, { timeoutMs: 5000, retryMs: 20 })).toMatchObject({ ok: true });
    const refused = await fake([(res) => res.writeHead(403).end('{"message":"cannot list"}')], []);
    const watched = await watchObject<Claim>(refused.api, target, bound, { timeoutMs: 5000, retryMs: 20 });
    expect(watched).toMatchObject({ ok: false, error: 'list /api/v1/namespaces/ns/persistentvolumeclaims: HTTP 403: cannot list' });
    expect(refused.paths).toHaveLength(1);
  });

  it('rejects with the signal’s reason when aborted, and closes the stream', async () => {
    const f = await fake([list('5', claim('c1', 'Pending', '4'))], []);
    const controller = new AbortController();
    const watching = watchObject<Claim>(f.api, target, bound, { timeoutMs: 60_000, signal: controller.signal });
    await expect.poll(f.open).toBe(1);
    controller.abort(new Error('check ended'));
    await expect(watching).rejects.toThrow('check ended');
    await expect.poll(f.open).toBe(0);
  });
});

describe('waitGone', () => {
  it('an object already gone is gone at once', async () => {
    const f = await fake([list('5')], []);
    const gone = await waitGone(f.api, { path: collections.volumes(), name: 'pv1' }, { timeoutMs: 5000 });
    expect(gone).toMatchObject({ ok: true, gone: true });
    expect(gone.elapsedMs).toBeLessThan(2000);
  });

  it('a deletion seen by the watch', async () => {
    const pv = claim('pv1', 'Released', '4');
    const f = await fake([list('5', pv)], [later(20, line('DELETED', pv))]);
    expect(await waitGone(f.api, { path: collections.volumes(), name: 'pv1' }, { timeoutMs: 5000 })).toMatchObject({ ok: true, gone: true, value: undefined });
  });
});

describe('openWatch', () => {
  it('after 410 Gone lists again, and what changed in between becomes events, then watches from the new list', async () => {
    const f = await fake(
      [list('5', claim('a', 'Pending', '3'), claim('b', 'Pending', '4')), list('20', claim('a', 'Bound', '12'), claim('c', 'Pending', '15'))],
      [ends(line('ERROR', { kind: 'Status', code: 410, message: 'too old resource version: 5 (10)' })), later(20, line('ADDED', claim('d', 'Pending', '21')))],
    );
    const watch = await openWatch<Claim>(f.api, { path: collections.claims('ns') }, { retryMs: 20 });
    try {
      expect(watch.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED a', 'ADDED b']);
      const d = await watch.waitFor((e) => e.object.metadata.name === 'd', { timeoutMs: 5000 });
      expect(d?.type).toBe('ADDED');
      expect(watch.events.map((e) => `${e.type} ${e.object.metadata.name}${e.relisted ? ' (relisted)' : ''}`)).toEqual([
        'ADDED a',
        'ADDED b',
        'MODIFIED a (relisted)',
        'ADDED c (relisted)',
        'DELETED b (relisted)',
        'ADDED d',
      ]);
      expect(watch.objects().map((c) => `${c.metadata.name} ${c.status.phase}`)).toEqual(['a Bound', 'c Pending', 'd Pending']);
      expect(watch.stats).toEqual({ lists: 2, streams: 2, relists: 1 });
      expect(query(f.paths.filter((p) => query(p).get('watch') === '1')[1]).get('resourceVersion')).toBe('20');
    } finally {
      watch.stop();
      await watch.closed;
    }
    await expect.poll(f.open).toBe(0);
  });

  it('also lists again on an HTTP 410 answer to the watch request', async () => {
    const f = await fake([list('5'), list('9', claim('a', 'Bound', '8'))], [(res) => res.writeHead(410).end('{"message":"gone"}')]);
    const watch = await openWatch<Claim>(f.api, { path: collections.claims('ns') }, { retryMs: 20 });
    try {
      expect(await watch.until(() => watch.get('a') !== undefined, { timeoutMs: 5000 })).toMatchObject({ ok: true });
      expect(watch.stats.relists).toBe(1);
    } finally {
      watch.stop();
    }
  });

  it('waitFor finds a past event at once and a future one when it comes; until judges the current state', async () => {
    const f = await fake(
      [list('5', claim('a', 'Pending', '3'))],
      [later(50, line('MODIFIED', claim('a', 'Bound', '6')), line('DELETED', claim('a', 'Bound', '7')))],
    );
    const watch = await openWatch<Claim>(f.api, { path: collections.claims('ns'), labelSelector: 'app=x' }, { retryMs: 20 });
    try {
      expect(query(f.paths[0]).get('labelSelector')).toBe('app=x');
      expect((await watch.waitFor((e) => e.object.metadata.name === 'a', { timeoutMs: 10 }))?.type).toBe('ADDED');
      expect((await watch.waitFor((e) => e.type === 'DELETED', { timeoutMs: 5000 }))?.object.status.phase).toBe('Bound');
      expect(watch.objects()).toEqual([]);
      expect(await watch.until(() => watch.objects().length === 1, { timeoutMs: 50 })).toMatchObject({ ok: false });
      expect(await watch.waitFor(() => false, { timeoutMs: 0 })).toBeUndefined();
    } finally {
      watch.stop();
      await watch.closed;
    }
    expect(watch.ended).toBe(true);
  });

  it('rejects with the signal’s reason when aborted before the first list answers', async () => {
    const f = await fake([(res) => setTimeout(() => list('5')(res, undefined as never), 5000)], []);
    const controller = new AbortController();
    const opening = openWatch<Claim>(f.api, { path: collections.claims('ns') }, { signal: controller.signal });
    await expect.poll(() => f.paths.length).toBe(1);
    controller.abort(new Error('interrupted'));
    await expect(opening).rejects.toThrow('interrupted');
  });
});

describe('over a session', () => {
  it('watches through the session’s own connection (TLS, the kubeconfig’s credentials, its rate limit)', async () => {
    let watches = 0;
    const server = await startFakeApiServer({
      handler: (request) => {
        if (!request.path.startsWith('/api/v1/namespaces/ns/persistentvolumeclaims?')) return undefined;
        if (!request.path.includes('watch=1')) return { status: 200, body: { metadata: { resourceVersion: '5' }, items: [claim('c1', 'Pending', '4')] } };
        watches++;
        return { status: 200, body: line('MODIFIED', claim('c1', watches === 1 ? 'Pending' : 'Bound', String(5 + watches))) };
      },
    });
    const session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 1000 });
    closers.push(async () => {
      await session.close();
      await server.close();
    });
    expect(await watchObject<Claim>(session.connection, target, bound, { timeoutMs: 5000, retryMs: 20 })).toMatchObject({
      ok: true,
      value: { metadata: { resourceVersion: '7' } },
    });
    expect(watches).toBe(2);
  });
});
