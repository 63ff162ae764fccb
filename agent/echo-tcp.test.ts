import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTcpEcho } from './echo-tcp.ts';
import { startListening } from './listen.ts';
import { LOOPBACK } from './testing/loopback.ts';
import type { EchoChildStats } from './testing/tcp-echo-child.ts';

const MiB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('./testing/tcp-echo-child.ts', import.meta.url));

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends `text` and collects what comes back until the echo ends the connection. */
async function exchange(port: number, text: string): Promise<string> {
  const socket = connect(port, LOOPBACK);
  socket.setEncoding('utf8');
  let received = '';
  socket.on('data', (chunk: string) => (received += chunk));
  socket.end(text);
  await once(socket, 'end');
  return received;
}

/** The first line a fresh connection gets back for `line`, within `ms`. */
async function firstLine(port: number, line: string, ms: number): Promise<string> {
  const socket = connect(port, LOOPBACK);
  socket.setEncoding('utf8');
  let received = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      socket.on('error', reject);
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (received.includes('\n')) {
          clearTimeout(timer);
          resolve(received.slice(0, received.indexOf('\n')));
        }
      });
      socket.write(`${line}\n`);
    });
  } finally {
    socket.destroy();
  }
}

interface EchoChild {
  port: number;
  stats(): Promise<EchoChildStats>;
  stop(): Promise<void>;
}

async function startEchoChild(): Promise<EchoChild> {
  const child: ChildProcess = fork(CHILD, [], { execArgv: [], env: { ...process.env, ECHO_POD: 'flood-pod' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  return {
    port: ready.port,
    stats: async () => {
      const reply = once(child, 'message') as Promise<[EchoChildStats]>;
      child.send('stats');
      return (await reply)[0];
    },
    stop: async () => {
      const exited = once(child, 'exit');
      child.disconnect();
      await Promise.race([exited, sleep(2000).then(() => child.kill())]);
    },
  };
}

describe('createTcpEcho', () => {
  it('echoes every line, including CRLF lines and lines split across packets, prefixed with the pod name', async () => {
    const echo = await startListening(createTcpEcho('pod-x'), 0, LOOPBACK);
    const socket = connect(echo.port, LOOPBACK);
    socket.setEncoding('utf8');
    let received = '';
    socket.on('data', (chunk: string) => (received += chunk));
    socket.write('one\ntwo\r\nthr');
    setTimeout(() => socket.end('ee\n'), 20);
    await new Promise((resolve) => socket.on('end', resolve));
    await echo.close();
    expect(received).toBe('pod-x|one\npod-x|two\npod-x|three\n');
  });

  it('answers a bulk line (payload|# and dots) with the payload and the bytes it received, not the whole line', async () => {
    const echo = await startListening(createTcpEcho('pod-y'), 0, LOOPBACK);
    try {
      expect(await exchange(echo.port, `big|#${'.'.repeat(20_000)}\nnot|#bulk\n`)).toBe('pod-y|big|#20005\npod-y|not|#bulk\n');
    } finally {
      await echo.close();
    }
  });

  it('answers every line of a long stream from a client that sends first and reads at the end', async () => {
    const echo = await startListening(createTcpEcho('pod-z'), 0, LOOPBACK);
    try {
      const lines = Array.from({ length: 50_000 }, (_, i) => `line-${i}`);
      const received = await exchange(echo.port, `${lines.join('\n')}\n`);
      expect(received).toBe(lines.map((line) => `pod-z|${line}\n`).join(''));
    } finally {
      await echo.close();
    }
  });

  it('holds back a client that sends 30 MiB of short lines and never reads, and answers others meanwhile', async () => {
    const echo = await startEchoChild();
    const flood = connect(echo.port, LOOPBACK);
    flood.on('error', () => {});
    try {
      await once(flood, 'connect');
      const before = await echo.stats();
      // 64-byte lines, 30 MiB in all, written as fast as this side's buffer takes them; never read.
      const chunk = `${'x'.repeat(63)}\n`.repeat(16 * 1024);
      for (let sent = 0; sent < 30 * MiB; sent += chunk.length) flood.write(chunk);
      // Until the echo reads no more (held back) or has read everything (not held back).
      let last = -1;
      let stats = before;
      for (let polls = 0; polls < 100 && stats.bytesRead !== last && stats.bytesRead < 30 * MiB; polls++) {
        last = stats.bytesRead;
        await sleep(150);
        stats = await echo.stats();
      }
      const grownMiB = (stats.rss - before.rss) / MiB;
      const figures = `read ${(stats.bytesRead / MiB).toFixed(1)} of 30 MiB, rss grew ${grownMiB.toFixed(1)} MiB`;
      expect(stats.bytesRead, figures).toBeLessThan(30 * MiB);
      expect(grownMiB, figures).toBeLessThan(32);
      expect(await firstLine(echo.port, 'still there?', 1000)).toBe('flood-pod|still there?');
      // Held back, not cut off: its answers wait for it.
      flood.setEncoding('utf8');
      const cut = new Promise((resolve) => flood.on('close', resolve)).then(() => expect.fail('the flooding client was cut off'));
      const answered = new Promise<string>((resolve) => {
        let text = '';
        flood.on('data', (chunk: string) => (text += chunk).length >= 100 && resolve(text));
      });
      expect((await Promise.race([answered, cut])).startsWith(`flood-pod|${'x'.repeat(63)}\n`)).toBe(true);
    } finally {
      flood.destroy();
      await echo.stop();
    }
  });

  it('destroys a connection that holds more than its cap of unanswered bytes', async () => {
    const echo = await startListening(createTcpEcho('pod-c', { maxBufferedBytes: 4096 }), 0, LOOPBACK);
    const socket = connect(echo.port, LOOPBACK);
    socket.on('error', () => {});
    try {
      // Never read: once the kernel's buffers between the two are full, answers queue in the echo.
      socket.pause();
      const chunk = `${'y'.repeat(63)}\n`.repeat(16 * 1024);
      for (let sent = 0; sent < 16 * MiB; sent += chunk.length) socket.write(chunk);
      // The echo's reset surfaces here as an error, then the close.
      await Promise.race([new Promise((resolve) => socket.on('close', resolve)), sleep(2000).then(() => expect.fail('the connection was not destroyed'))]);
    } finally {
      socket.destroy();
      await echo.close();
    }
  });

  it('closes a connection that stays silent for the idle timeout, and only then', async () => {
    const echo = await startListening(createTcpEcho('pod-i', { idleTimeoutMs: 200 }), 0, LOOPBACK);
    const socket = connect(echo.port, LOOPBACK);
    try {
      await once(socket, 'connect');
      const start = performance.now();
      socket.resume();
      await Promise.race([once(socket, 'close'), sleep(2000).then(() => expect.fail('the silent connection was not closed'))]);
      expect(performance.now() - start).toBeGreaterThanOrEqual(150);
    } finally {
      socket.destroy();
      await echo.close();
    }
  });
});
