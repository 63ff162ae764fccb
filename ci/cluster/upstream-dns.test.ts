import { createConnection } from 'node:net';
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, serve } from './upstream-dns.ts';
import { upstreamZone, zoneRecords } from './upstream-zone.ts';

const query = (name: string, type: dnsPacket.RecordType): Buffer =>
  dnsPacket.encode({ type: 'query', id: 42, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] });
type Decoded = dnsPacket.Packet & { rcode?: string; flag_tc?: boolean };
const decode = (b: Buffer): Decoded => dnsPacket.decode(b) as Decoded;

describe('stub upstream DNS answers', () => {
  it('answers a known name with its records and the query id', () => {
    const r = decode(answer(query(`external.${upstreamZone}`, 'A'), 'udp'));
    expect(r.id).toBe(42);
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers?.map((a) => (a as { data: string }).data)).toEqual(
      zoneRecords.filter((z) => z.name === `external.${upstreamZone}` && z.type === 'A').map((z) => z.data),
    );
  });

  it('says NXDOMAIN for an unknown name, in the zone or not', () => {
    expect(decode(answer(query(`nope.${upstreamZone}`, 'A'), 'udp')).rcode).toBe('NXDOMAIN');
    expect(decode(answer(query('example.invalid', 'A'), 'udp')).rcode).toBe('NXDOMAIN');
  });

  it('answers a CNAME for an alias', () => {
    const r = decode(answer(query(`alias.${upstreamZone}`, 'A'), 'udp'));
    expect(r.answers?.[0]).toMatchObject({ type: 'CNAME', data: `external.${upstreamZone}` });
  });

  it('truncates an answer too big for UDP and gives it whole over TCP', () => {
    const udp = answer(query(`big.${upstreamZone}`, 'TXT'), 'udp');
    expect(udp.length).toBeLessThanOrEqual(512);
    expect(decode(udp).flag_tc).toBe(true);
    const tcp = decode(answer(query(`big.${upstreamZone}`, 'TXT'), 'tcp'));
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(zoneRecords.filter((z) => z.name === `big.${upstreamZone}`).length);
  });
});

describe('stub upstream DNS whoami', () => {
  const client = { address: '10.244.1.7', port: 41234 };

  it("answers whoami, alone or in the zone, with the client's address as A and address:port as TXT", () => {
    for (const name of ['whoami', `whoami.${upstreamZone}`]) {
      expect(decode(answer(query(name, 'A'), 'udp', client)).answers).toMatchObject([{ name, type: 'A', data: '10.244.1.7' }]);
      expect(decode(answer(query(name, 'TXT'), 'udp', client)).answers?.map((a) => (a as { data: Buffer[] }).data.map(String))).toEqual([['10.244.1.7:41234']]);
    }
  });

  it('answers an IPv6 client with AAAA, and an IPv4-mapped one with A', () => {
    expect(decode(answer(query('whoami', 'AAAA'), 'udp', { address: 'fd00::7', port: 5 })).answers).toMatchObject([{ type: 'AAAA', data: 'fd00::7' }]);
    expect(decode(answer(query('whoami', 'A'), 'tcp', { address: '::ffff:10.217.0.11', port: 5 })).answers).toMatchObject([{ type: 'A', data: '10.217.0.11' }]);
  });

  it('knows no whoami without a client', () => {
    expect(decode(answer(query('whoami', 'A'), 'udp')).rcode).toBe('NXDOMAIN');
  });
});

describe('stub upstream DNS server on loopback', () => {
  let stop: () => Promise<void>;
  let port = 0;
  // One port for UDP and TCP alike, below the kernel's ephemeral range (32768 and up), where a busy
  // machine's outgoing connections take ports; another test may still hold one, so try a few.
  beforeAll(async () => {
    for (let attempt = 0; ; attempt++) {
      port = 20000 + Math.floor(Math.random() * 12000);
      try {
        stop = await serve('127.0.0.1', port);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 9) throw err;
      }
    }
  });
  afterAll(async () => {
    await stop();
  });

  it('serves UDP', async () => {
    const sock = createSocket('udp4');
    const reply = await new Promise<Buffer>((resolve) => {
      sock.on('message', (m) => resolve(m));
      sock.send(query(`external.${upstreamZone}`, 'A'), port, '127.0.0.1');
    });
    sock.close();
    expect(decode(reply).answers).toHaveLength(1);
  });

  it('tells a UDP client the address and port it sent from', async () => {
    const sock = createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    const reply = await new Promise<Buffer>((resolve) => {
      sock.on('message', (m) => resolve(m));
      sock.send(query('whoami', 'TXT'), port, '127.0.0.1');
    });
    const own = sock.address().port;
    sock.close();
    expect(decode(reply).answers?.map((a) => (a as { data: Buffer[] }).data.map(String))).toEqual([[`127.0.0.1:${own}`]]);
  });

  it('serves TCP with length-prefixed messages', async () => {
    const q = query(`big.${upstreamZone}`, 'TXT');
    const framed = Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const c = createConnection(port, '127.0.0.1', () => c.write(framed));
      c.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          c.end();
          resolve(buf.subarray(2));
        }
      });
      c.on('error', reject);
    });
    expect(decode(reply).answers?.length).toBeGreaterThan(10);
  });
});
