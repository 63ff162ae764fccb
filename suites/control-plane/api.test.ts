import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { watchPods } from './api.ts';

const pod = (name: string, rv: string, nodeName?: string) => ({
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  spec: { containers: [], ...(nodeName === undefined ? {} : { nodeName }) },
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

// A plain-HTTP stand-in for the pods of namespace ns: a list, then each watch request gets the next script of events.
async function fakeApi(scripts: ((res: ServerResponse) => void)[]): Promise<{ session: KubeSession; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    if (!(req.url ?? '').includes('watch=1'))
      return void res.writeHead(200).end(JSON.stringify({ metadata: { resourceVersion: '10' }, items: [pod('old', '9')] }));
    const script = scripts.shift();
    if (script === undefined) return void res.writeHead(200).write('');
    script(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dispatcher = new Agent();
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await dispatcher.close().catch(() => {});
  });
  const session = {
    connection: { server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, dispatcher, authHeaders: () => Promise.resolve({}) },
  } as unknown as KubeSession;
  return { session, paths };
}

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

describe('watchPods', () => {
  it("lists the namespace's pods, then watches them from the list's resourceVersion with the session's connection", async () => {
    const { session, paths } = await fakeApi([
      (res) => res.writeHead(200).write(line('ADDED', pod('node-0', '11')) + line('MODIFIED', pod('node-0', '12', 'node1'))),
    ]);
    const watch = await watchPods(session, 'ns');
    try {
      expect(watch.get('old')?.metadata?.resourceVersion).toBe('9');
      const bound = await watch.waitFor((e) => e.object.spec?.nodeName === 'node1', { timeoutMs: 5000 });
      expect(bound?.type).toBe('MODIFIED');
      expect(watch.events.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED old', 'ADDED node-0', 'MODIFIED node-0']);
      expect(paths[0]).toMatch(/^\/api\/v1\/namespaces\/ns\/pods$/);
      expect(paths[1]).toMatch(/^\/api\/v1\/namespaces\/ns\/pods\?watch=1&.*resourceVersion=10/);
    } finally {
      watch.stop();
      await watch.closed;
    }
  });

  it('is ended by its signal, and rejects when that signal ends the first list', async () => {
    const { session } = await fakeApi([]);
    const controller = new AbortController();
    const watch = await watchPods(session, 'ns', controller.signal);
    controller.abort(new Error('the check ended'));
    await watch.closed;
    expect(watch.ended).toBe(true);
    await expect(watchPods(session, 'ns', AbortSignal.abort(new Error('bound passed')))).rejects.toThrow('bound passed');
  });
});
