import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeSession } from '../../helpers/kube/session.ts';
import { watchPods } from './api.ts';

const pod = (name: string, rv: string, nodeName?: string) => ({ metadata: { name, resourceVersion: rv }, spec: { containers: [], ...(nodeName === undefined ? {} : { nodeName }) } });

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

// A plain-HTTP stand-in for the watch endpoint: each watch request gets the next script of events.
async function fakeWatch(scripts: ((res: ServerResponse) => void)[]): Promise<{ session: KubeSession; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
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
    clients: { core: { listNamespacedPod: () => Promise.resolve({ metadata: { resourceVersion: '10' }, items: [pod('old', '9')] }) } },
  } as unknown as KubeSession;
  return { session, paths };
}

const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

describe('watchPods', () => {
  it('starts from the list, sees events split across chunks, and resumes from the last resourceVersion', async () => {
    const { session, paths } = await fakeWatch([
      (res) => {
        res.writeHead(200);
        const text = line('ADDED', pod('node-0', '11')) + line('BOOKMARK', { metadata: { resourceVersion: '12' } });
        res.write(text.slice(0, 20));
        setTimeout(() => res.end(text.slice(20)), 20);
      },
      (res) => {
        res.writeHead(200);
        setTimeout(() => res.write(line('MODIFIED', pod('node-0', '13', 'node1'))), 20);
      },
    ]);
    const watch = await watchPods(session, 'ns');
    try {
      expect(watch.events.map((e) => e.pod.metadata?.name)).toEqual(['old']);
      const bound = await watch.waitFor((e) => e.pod.spec?.nodeName === 'node1', 5000);
      expect(bound?.type).toBe('MODIFIED');
      expect(watch.events.map((e) => `${e.type} ${e.pod.metadata?.name}`)).toEqual(['ADDED old', 'ADDED node-0', 'MODIFIED node-0']);
      expect(paths[0]).toContain('resourceVersion=10');
      expect(paths[1]).toContain('resourceVersion=12');
      expect(await watch.waitFor((e) => e.pod.metadata?.name === 'never', 50)).toBeUndefined();
    } finally {
      watch.stop();
    }
  });

  it('stops on an expired resourceVersion and says so', async () => {
    const { session } = await fakeWatch([(res) => res.writeHead(200).end(line('ERROR', { code: 410, message: 'too old resource version' }))]);
    const watch = await watchPods(session, 'ns');
    try {
      await expect.poll(() => watch.error).toMatch(/too old resource version \(410\)/);
    } finally {
      watch.stop();
    }
  });
});
