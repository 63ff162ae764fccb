// Starting and stopping stream servers (HTTP and TCP echo) without waiting on open connections.
import type { AddressInfo, Server, Socket } from 'node:net';

export interface Listening {
  port: number;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

/** Listens on `port` at `host`, or on all addresses (IPv6 and IPv4) when host is undefined. */
export async function startListening(server: Server, port: number, host: string | undefined): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return { port: (server.address() as AddressInfo).port, close };
}
