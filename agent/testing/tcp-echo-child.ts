// A TCP echo in a process of its own, so that a test can measure what a client costs it: started
// with fork(), it sends {port} once listening on 127.0.0.1, then answers every 'stats' message with
// its resident set size and the bytes its connections have read.
import type { Socket } from 'node:net';
import { createTcpEcho } from '../echo-tcp.ts';
import { startListening } from '../listen.ts';
import { LOOPBACK } from './loopback.ts';

export interface EchoChildStats {
  rss: number;
  bytesRead: number;
}

const server = createTcpEcho(process.env.ECHO_POD ?? 'echo-child');
const sockets = new Set<Socket>();
let closedBytes = 0;
server.on('connection', (socket: Socket) => {
  sockets.add(socket);
  socket.on('close', () => {
    sockets.delete(socket);
    closedBytes += socket.bytesRead;
  });
});
const echo = await startListening(server, 0, LOOPBACK);
process.on('message', (message) => {
  if (message !== 'stats') return;
  const bytesRead = closedBytes + [...sockets].reduce((sum, socket) => sum + socket.bytesRead, 0);
  process.send?.({ rss: process.memoryUsage.rss(), bytesRead } satisfies EchoChildStats);
});
// The test going away (or closing the channel) ends the echo.
process.on('disconnect', () => void echo.close());
process.send?.({ port: echo.port });
