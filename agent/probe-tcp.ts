// TCP prober: connect, send one line (a bulk line of `size` bytes when asked), read one line back;
// or, with connectOnly, the handshake alone.
import { connect } from 'node:net';
import { DEFAULT_PAYLOAD, echoExchange, echoFinding } from './echo-line.ts';
import { runProbeScope } from './probe-scope.ts';
import type { ProbeContext } from './probe-scope.ts';
import type { ProbeResult, TcpTarget } from './protocol.ts';

const MAX_REPLY_CHARS = 64 * 1024;

export function probeTcp(target: TcpTarget, context: ProbeContext = {}): Promise<ProbeResult> {
  const { sent, expect } = echoExchange(target.payload ?? DEFAULT_PAYLOAD, target.size);
  return runProbeScope(
    target,
    (scope) => {
      const socket = connect({ host: target.host, port: target.port, lookup: scope.lookup });
      scope.onEnd(() => socket.destroy());
      socket.setEncoding('utf8');
      let received = '';
      socket.on('connect', () => {
        if (target.connectOnly === true) scope.finish({ outcome: 'ok', detail: `connected to ${target.host}:${target.port}` });
        else socket.write(`${sent}\n`);
      });
      socket.on('data', (chunk: string) => {
        received += chunk;
        const newline = received.indexOf('\n');
        if (newline >= 0) scope.finish(echoFinding(received.slice(0, newline), expect));
        else if (received.length > MAX_REPLY_CHARS) scope.finish({ outcome: 'protocol-error', detail: 'reply line too long' });
      });
      socket.on('end', () => scope.finish({ outcome: 'protocol-error', detail: 'connection closed before a reply line' }));
      socket.on('error', (error) => scope.fail(error));
    },
    context,
  );
}
