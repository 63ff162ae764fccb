import { Socket, createSocket } from 'node:dgram';
import { describe, expect, it, vi } from 'vitest';
import { MAX_UDP_QUEUE_BYTES, startUdpEcho } from './echo-udp.ts';
import { LOOPBACK } from './testing/loopback.ts';

/** Sends from a connected socket, which the kernel only lets receive from the address it sent to. */
function exchange(port: number, payload: Buffer, waitMs = 2000): Promise<{ data: Buffer; from: string }> {
  const socket = createSocket('udp4');
  return new Promise<{ data: Buffer; from: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${waitMs} ms`)), waitMs);
    socket.on('error', reject);
    socket.on('message', (data, peer) => {
      clearTimeout(timer);
      resolve({ data, from: `${peer.address}:${peer.port}` });
    });
    socket.connect(port, LOOPBACK, () => socket.send(payload));
  }).finally(() => socket.close());
}

describe('startUdpEcho', () => {
  it('binds every local address on one port and answers from the address it was sent to', async () => {
    const echo = await startUdpEcho('pod-u', 0, undefined);
    try {
      expect(echo.addresses).toContain(LOOPBACK);
      expect(echo.addresses.some((address) => address.startsWith('fe80:'))).toBe(false);
      const reply = await exchange(echo.port, Buffer.from([0x61, 0x00, 0xff]));
      expect(reply.from).toBe(`${LOOPBACK}:${echo.port}`);
      // Bytes are echoed as they came, not re-encoded as text.
      expect(reply.data).toEqual(Buffer.concat([Buffer.from('pod-u|'), Buffer.from([0x61, 0x00, 0xff])]));
    } finally {
      await echo.close();
    }
  });

  it('binds only the listen address when one is configured', async () => {
    const echo = await startUdpEcho('pod-v', 0, LOOPBACK);
    try {
      expect(echo.addresses).toEqual([LOOPBACK]);
      expect((await exchange(echo.port, Buffer.from('x'))).data.toString()).toBe('pod-v|x');
    } finally {
      await echo.close();
    }
  });
});

describe('startUdpEcho under a full send queue', () => {
  it('drops a datagram unanswered while its answers wait in the send queue past the bound', async () => {
    const echo = await startUdpEcho('pod-q', 0, LOOPBACK);
    const queue = vi.spyOn(Socket.prototype, 'getSendQueueSize').mockReturnValue(MAX_UDP_QUEUE_BYTES + 1);
    try {
      await expect(exchange(echo.port, Buffer.from('x'), 200)).rejects.toThrow('no answer within 200 ms');
      queue.mockReturnValue(MAX_UDP_QUEUE_BYTES);
      expect((await exchange(echo.port, Buffer.from('y'))).data.toString()).toBe('pod-q|y');
    } finally {
      queue.mockRestore();
      await echo.close();
    }
  });
});
