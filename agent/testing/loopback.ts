// Test fixtures on 127.0.0.1 only: throwaway servers with scripted bad behaviour, free ports, JSON calls.
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { startListening } from '../listen.ts';
import type { Listening } from '../listen.ts';

export const LOOPBACK = '127.0.0.1';

/** A TCP server on 127.0.0.1 that hands each connection to `onConnection`. */
export function tcpServer(onConnection: (socket: Socket) => void): Promise<Listening> {
  return startListening(
    createServer((socket) => {
      socket.on('error', () => {});
      onConnection(socket);
    }),
    0,
    LOOPBACK,
  );
}

/** A TCP port nothing listens on: bound once, then released. */
export async function closedTcpPort(): Promise<number> {
  const server = await tcpServer(() => {});
  await server.close();
  return server.port;
}

export interface UdpServer {
  port: number;
  socket: UdpSocket;
  close(): Promise<void>;
}

/** A UDP socket on 127.0.0.1 that hands each datagram to `onMessage` (which may never answer). */
export async function udpServer(onMessage: (message: Buffer, reply: (data: Buffer | string) => void) => void): Promise<UdpServer> {
  const socket = createSocket('udp4');
  socket.on('message', (message, peer) => onMessage(message, (data) => socket.send(data, peer.port, peer.address)));
  await new Promise<void>((resolve) => socket.bind(0, LOOPBACK, resolve));
  return {
    port: socket.address().port,
    socket,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** A UDP port nothing listens on: bound once, then released. */
export async function closedUdpPort(): Promise<number> {
  const server = await udpServer(() => {});
  await server.close();
  return server.port;
}

export interface JsonReply {
  status: number;
  body: unknown;
}

/** A token for tests, long enough for the agent to accept. */
export const TEST_TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvwxyz';

export const bearer = (token: string = TEST_TOKEN): Record<string, string> => ({ authorization: `Bearer ${token}` });

export async function callJson(method: string, url: string, body?: unknown, headers: Record<string, string> = bearer()): Promise<JsonReply> {
  const response = await fetch(url, {
    method,
    headers,
    body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}
