import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTcpEcho } from './echo-tcp.ts';
import { startListening } from './listen.ts';
import { LOOPBACK } from './testing/loopback.ts';

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
    const socket = connect(echo.port, LOOPBACK);
    socket.setEncoding('utf8');
    let received = '';
    socket.on('data', (chunk: string) => (received += chunk));
    socket.end(`big|#${'.'.repeat(20_000)}\nnot|#bulk\n`);
    await new Promise((resolve) => socket.on('end', resolve));
    await echo.close();
    expect(received).toBe('pod-y|big|#20005\npod-y|not|#bulk\n');
  });
});
