// The stub upstream DNS server the harness starts in its own network namespace: CoreDNS forwards
// every name outside the cluster here, so nothing ever asks this machine's resolver. Authoritative
// for the zone in upstream-zone.ts; NXDOMAIN for anything else. UDP answers that do not fit in
// 512 bytes are truncated (TC set) so clients retry over TCP, as real resolvers must.
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import dnsPacket from 'dns-packet';
import { upstreamZone, zoneRecords, type ZoneRecord } from './upstream-zone.ts';

const udpLimit = 512;
const rcodes = { NOERROR: 0, FORMERR: 1, NXDOMAIN: 3 } as const;

// Who asked: the source address and port the query came from, as this server sees them.
export interface Client {
  address: string;
  port: number;
}

// "whoami" (alone or in the zone) is answered with the client's own address: A or AAAA as its
// family, TXT as address:port. A pod asking it learns the source address its traffic leaves with
// (routed: its pod address; masqueraded: its node's).
export const whoamiNames = ['whoami', `whoami.${upstreamZone}`];

function whoamiRecords(name: string, client: Client | undefined): ZoneRecord[] {
  if (client === undefined || !whoamiNames.includes(name)) return [];
  const address = client.address.replace(/^::ffff:(?=\d+\.)/, '');
  return [
    { name, type: isIPv6(address) ? 'AAAA' : 'A', data: address },
    { name, type: 'TXT', data: `${isIPv6(address) ? `[${address}]` : address}:${client.port}` },
  ];
}

export function answer(query: Buffer, transport: 'udp' | 'tcp', client?: Client): Buffer {
  const q = dnsPacket.decode(query);
  const question = q.questions?.[0];
  const base = {
    id: q.id,
    type: 'response' as const,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | ((q.flags ?? 0) & dnsPacket.RECURSION_DESIRED),
    questions: q.questions ?? [],
  };
  if (!question) return dnsPacket.encode({ ...base, flags: base.flags | rcodes.FORMERR } as dnsPacket.Packet);
  const name = question.name.toLowerCase().replace(/\.$/, '');
  const known = [...zoneRecords.filter((r) => r.name === name), ...whoamiRecords(name, client)];
  const matching = known.filter((r) => r.type === question.type || r.type === 'CNAME');
  const answers = matching.map((r) => ({ name: r.name, type: r.type, ttl: 30, class: 'IN' as const, data: r.type === 'TXT' ? [r.data] : r.data }));
  // dns-packet encodes the rcode from the low bits of flags, not from a field of its own.
  const flags = base.flags | (known.length > 0 || name === upstreamZone ? rcodes.NOERROR : rcodes.NXDOMAIN);
  const full = dnsPacket.encode({ ...base, flags, answers } as dnsPacket.Packet);
  if (transport === 'udp' && full.length > udpLimit) {
    return dnsPacket.encode({ ...base, flags: flags | dnsPacket.TRUNCATED_RESPONSE, answers: [] } as dnsPacket.Packet);
  }
  return full;
}

export function serve(host: string, port: number): Promise<() => Promise<void>> {
  const udp = createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    try {
      udp.send(answer(msg, 'udp', { address: rinfo.address, port: rinfo.port }), rinfo.port, rinfo.address);
    } catch {
      // a malformed datagram gets no answer
    }
  });
  const tcp = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        try {
          const reply = answer(buf.subarray(2, 2 + len), 'tcp', { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 });
          const framed = Buffer.alloc(2 + reply.length);
          framed.writeUInt16BE(reply.length, 0);
          reply.copy(framed, 2);
          sock.write(framed);
        } catch {
          sock.destroy();
          return;
        }
        buf = buf.subarray(2 + len);
      }
    });
    sock.on('error', () => sock.destroy());
  });
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => {
      tcp.once('error', (err) => {
        udp.close();
        reject(err);
      });
      tcp.listen(port, host, () =>
        resolve(async () => {
          udp.close();
          await new Promise<void>((r) => tcp.close(() => r()));
        }),
      );
    });
  });
}

if (import.meta.main) {
  const [host = '127.0.0.1', port = '53'] = process.argv.slice(2);
  serve(host, Number(port)).then(
    () => console.log(`stub upstream DNS for ${upstreamZone} on ${host}:${port}`),
    (err: unknown) => {
      console.error(`stub upstream DNS could not start: ${String(err)}`);
      process.exitCode = 1;
    },
  );
}
