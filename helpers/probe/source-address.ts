// The address this machine sends from toward a destination: a connected UDP socket asks the
// kernel's routing table without sending a single packet.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export function sourceAddressToward(destination: string, port = 9): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(destination) ? 'udp6' : 'udp4');
    const done = (address: string | undefined) => {
      socket.close();
      resolve(address);
    };
    socket.on('error', () => done(undefined));
    socket.connect(port, destination, () => done(socket.address().address));
  });
}
