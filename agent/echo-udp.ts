// UDP echo: one datagram in, `POD|datagram` out; a bulk datagram (echo-line.ts) gets the short
// `POD|payload|#BYTES`.
//
// A reply must leave from the address the request was sent to, or the client's connected socket
// (and any NAT on the way) drops it. A socket bound to the wildcard address lets the kernel pick
// the source address by route, which differs on hosts with several addresses (hostNetwork pods,
// secondary interfaces). Node cannot read the destination of a datagram (no IP_PKTINFO), so we
// bind one socket per local address, where the reply source is fixed, and keep wildcard sockets
// for addresses that appear later. The kernel delivers to the most specific bound socket.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { BULK_MARK, bulkAnswer, echoPrefix } from './echo-line.ts';

export interface UdpEcho {
  port: number;
  /** Addresses with their own socket. */
  addresses: string[];
  /** Local addresses that could not be bound, with the reason; their traffic is left to the wildcard sockets. */
  skipped: string[];
  close(): Promise<void>;
}

/**
 * Answers a socket may have queued for sending (the kernel's buffer full) before a datagram is
 * dropped unanswered, as a congested network would drop it, instead of queueing without bound for
 * a sender faster than the way back: 16 of the largest datagrams, or thousands of small ones.
 */
export const MAX_UDP_QUEUE_BYTES = 1024 * 1024;

// kube-ipvs0 holds every ClusterIP of the cluster on IPVS nodes; IPVS rewrites traffic to those
// addresses before it reaches a socket, so binding them would only cost a socket per Service.
const BULK_BYTES = Buffer.from(BULK_MARK);

const IGNORED_INTERFACES = new Set(['kube-ipvs0']);

function localAddresses(): string[] {
  return Object.entries(networkInterfaces())
    .filter(([name]) => !IGNORED_INTERFACES.has(name))
    .flatMap(([, infos]) => infos ?? [])
    .filter((info) => !info.address.toLowerCase().startsWith('fe80:'))
    .map((info) => info.address);
}

function wildcards(addresses: readonly string[]): string[] {
  return addresses.some((address) => isIPv6(address)) ? ['0.0.0.0', '::'] : ['0.0.0.0'];
}

async function bindEcho(pod: string, address: string, port: number, shared: boolean): Promise<Socket> {
  const socket = isIPv6(address) ? createSocket({ type: 'udp6', reuseAddr: shared, ipv6Only: true }) : createSocket({ type: 'udp4', reuseAddr: shared });
  const prefix = Buffer.from(echoPrefix(pod));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  // Clients that vanish before the reply are routine; a failed send must not stop the echo.
  socket.on('error', () => {});
  socket.on('message', (message, peer) => {
    if (socket.getSendQueueSize() > MAX_UDP_QUEUE_BYTES) return;
    // Bytes are echoed as they came; only a bulk message (ASCII by construction) is answered short.
    const bulk = message.length > 2 && message.includes(BULK_BYTES) ? bulkAnswer(message.toString('latin1'), message.length) : undefined;
    socket.send(
      bulk === undefined ? Buffer.concat([prefix, message]) : Buffer.concat([prefix, Buffer.from(bulk, 'latin1')]),
      peer.port,
      peer.address,
      () => {},
    );
  });
  return socket;
}

function closeAll(sockets: readonly Socket[]): Promise<void> {
  return Promise.all(sockets.map((socket) => new Promise<void>((resolve) => socket.close(() => resolve())))).then(() => {});
}

/** Binds `listenAddress` only, or every local address plus the wildcards when it is undefined. */
export async function startUdpEcho(pod: string, port: number, listenAddress: string | undefined): Promise<UdpEcho> {
  if (listenAddress !== undefined) {
    const socket = await bindEcho(pod, listenAddress, port, false);
    return { port: socket.address().port, addresses: [listenAddress], skipped: [], close: () => closeAll([socket]) };
  }
  const locals = localAddresses();
  const sockets: Socket[] = [];
  try {
    for (const wildcard of wildcards(locals)) {
      sockets.push(await bindEcho(pod, wildcard, sockets[0]?.address().port ?? port, true));
    }
  } catch (error) {
    await closeAll(sockets);
    throw error;
  }
  const boundPort = sockets[0]?.address().port ?? port;
  const addresses: string[] = [];
  const skipped: string[] = [];
  for (const address of locals) {
    try {
      sockets.push(await bindEcho(pod, address, boundPort, true));
      addresses.push(address);
    } catch (error) {
      skipped.push(`${address}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { port: boundPort, addresses, skipped, close: () => closeAll(sockets) };
}
