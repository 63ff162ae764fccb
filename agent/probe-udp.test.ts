import { afterEach, describe, expect, it } from 'vitest';
import { startUdpEcho } from './echo-udp.ts';
import { probeUdp } from './probe-udp.ts';
import type { UdpTarget } from './protocol.ts';
import { LOOPBACK, closedUdpPort, udpServer } from './testing/loopback.ts';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

function target(port: number, extra: Partial<UdpTarget> = {}): UdpTarget {
  return { kind: 'udp', id: 'udp-1', timeoutMs: 300, host: LOOPBACK, port, ...extra };
}

describe('probeUdp', () => {
  it('reads the echo datagram and learns which pod answered', async () => {
    const echo = await startUdpEcho('backend-3', 0, LOOPBACK);
    closers.push(echo.close);
    const result = await probeUdp(target(echo.port, { payload: 'multi\nline' }));
    expect(result).toMatchObject({ outcome: 'ok', detail: 'echoed by backend-3', reply: { pod: 'backend-3', text: 'multi\nline' } });
  });

  it('reports timeout when nothing answers', async () => {
    const silent = await udpServer(() => {});
    closers.push(silent.close);
    const result = await probeUdp(target(silent.port));
    expect(result).toMatchObject({ outcome: 'timeout', code: 'ETIMEDOUT' });
    expect(result.ms).toBeGreaterThanOrEqual(295);
  });

  it('reports refused when the port is closed (ICMP port unreachable)', async () => {
    const result = await probeUdp(target(await closedUdpPort()));
    expect(result).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('reports protocol-error for a datagram that is not the echo', async () => {
    const liar = await udpServer((_message, reply) => reply('someone else'));
    closers.push(liar.close);
    expect(await probeUdp(target(liar.port))).toMatchObject({ outcome: 'protocol-error', detail: 'not an echo: "someone else"' });
  });

  it('sends one datagram of exactly the size asked; the echo answers short with the bytes it got', async () => {
    const seen: number[] = [];
    const echo = await startUdpEcho('backend-4', 0, LOOPBACK);
    closers.push(echo.close);
    const spy = await udpServer((message, reply) => {
      seen.push(message.length);
      reply(`spy|large|#${message.length}`);
    });
    closers.push(spy.close);
    expect(await probeUdp(target(echo.port, { payload: 'large', size: 1472 }))).toMatchObject({
      outcome: 'ok',
      reply: { pod: 'backend-4', text: 'large|#1472' },
    });
    expect(await probeUdp(target(spy.port, { payload: 'large', size: 1472 }))).toMatchObject({ outcome: 'ok', reply: { pod: 'spy' } });
    expect(seen).toEqual([1472]);
  });
});
