// TCP echo: answers every line with `POD|line`, so the caller learns which backend it reached.
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { echoPrefix } from './echo-line.ts';

const MAX_LINE_CHARS = 64 * 1024;

function echoLines(socket: Socket, prefix: string): void {
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) socket.write(`${prefix}${line.replace(/\r$/, '')}\n`);
    if (pending.length > MAX_LINE_CHARS) socket.destroy();
  });
  // A client that resets the connection is routine here, not a reason to stop.
  socket.on('error', () => socket.destroy());
}

export function createTcpEcho(pod: string): Server {
  const prefix = echoPrefix(pod);
  return createServer((socket) => echoLines(socket, prefix));
}
