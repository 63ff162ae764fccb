import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { startUdpEcho } from './echo-udp.ts';
import { LOOPBACK } from './testing/loopback.ts';

/** Sends from a connected socket, which the kernel only lets receive from the address it sent to. */
function exchange(port: number, payload: Buffer): Promise<{ data: Buffer; from: string }> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', (data, peer) => {
      socket.close();
      resolve({ data, from: `${peer.address}:${peer.port}` });
    });
    socket.connect(port, LOOPBACK, () => socket.send(payload));
  });
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
