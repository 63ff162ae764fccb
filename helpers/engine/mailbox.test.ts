import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createMailbox, post, receive, withhold, Withheld } from './mailbox.ts';

describe('the run-context mailbox', () => {
  it('hands a posted value to a receiver that waited for it, and to one that comes later', async () => {
    const mailbox = createMailbox();
    const early = receive<{ runId: string; nodes: string[] }>(mailbox);
    let settled = false;
    void early.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    post(mailbox, { runId: 'sd-1', nodes: ['node1', 'nöde2'] });
    await expect(early).resolves.toEqual({ runId: 'sd-1', nodes: ['node1', 'nöde2'] });
    await expect(receive(mailbox)).resolves.toEqual({ runId: 'sd-1', nodes: ['node1', 'nöde2'] });
  });

  it('tells every receiver why nothing will come', async () => {
    const mailbox = createMailbox();
    const waiting = receive(mailbox);
    withhold(mailbox, 'SD_FORBIDDEN: may not create pods');
    await expect(waiting).rejects.toThrow(new Withheld('SD_FORBIDDEN: may not create pods'));
  });

  it('is answered once', () => {
    const mailbox = createMailbox();
    post(mailbox, 1);
    expect(() => withhold(mailbox, 'late')).toThrow(/already used/);
  });

  it('reaches a worker thread that waits on it (shared, not copied)', async () => {
    const mailbox = createMailbox();
    const url = new URL('./mailbox.ts', import.meta.url).href;
    const source = `import { workerData, parentPort } from 'node:worker_threads';
      import { receive } from ${JSON.stringify(url)};
      parentPort.postMessage(await receive(workerData));`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), { workerData: mailbox });
    const answer = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    post(mailbox, { fleet: Array.from({ length: 2000 }, (_, i) => `probe-${i}`) });
    await expect(answer).resolves.toMatchObject({ fleet: expect.arrayContaining(['probe-0', 'probe-1999']) });
    await worker.terminate();
  });
});
