// TCP echo: answers every line with `POD|line`, so the caller learns which backend it reached;
// a bulk line (echo-line.ts) with the short `POD|payload|#BYTES`.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { bulkAnswer, echoPrefix } from './echo-line.ts';

const MAX_LINE_CHARS = 64 * 1024;

function echoLines(socket: Socket, prefix: string): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      socket.write(`${prefix}${bulkAnswer(line, Buffer.byteLength(line)) ?? line}\n`);
    }
    if (pending.length > MAX_LINE_CHARS) socket.destroy();
  });
  // A client that resets the connection is routine here, not a reason to stop.
  socket.on('error', () => socket.destroy());
}

export function createTcpEcho(pod: string): Server {
  const prefix = echoPrefix(pod);
  return createServer((socket) => echoLines(socket, prefix));
}
