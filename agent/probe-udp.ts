// UDP prober: one datagram out (a bulk datagram of `size` bytes when asked), one back. The socket is connected, so the kernel drops
// replies from any other address and reports ICMP port-unreachable as ECONNREFUSED.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { DEFAULT_PAYLOAD, echoExchange, echoFinding } from './echo-line.ts';
import { udpLookup } from './destinations.ts';
import { runProbeScope } from './probe-scope.ts';
import type { ProbeContext } from './probe-scope.ts';
import type { ProbeResult, UdpTarget } from './protocol.ts';

export function probeUdp(target: UdpTarget, context: ProbeContext = {}): Promise<ProbeResult> {
  const { sent, expect } = echoExchange(target.payload ?? DEFAULT_PAYLOAD, target.size);
  return runProbeScope(
    target,
    (scope) => {
      const socket = createSocket({ type: isIPv6(target.host) ? 'udp6' : 'udp4', ...(scope.lookup === undefined ? {} : { lookup: udpLookup(scope.lookup) }) });
      scope.onEnd(() => socket.close());
      socket.on('error', (error) => scope.fail(error));
      socket.on('message', (message) => scope.finish(echoFinding(message.toString('utf8'), expect)));
      socket.on('connect', () => socket.send(sent));
      socket.connect(target.port, target.host);
    },
    context,
  );
}
