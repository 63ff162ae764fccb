import { createServer } from 'node:net';
import { AUTHORITATIVE_ANSWER, RECURSION_DESIRED, TRUNCATED_RESPONSE, decode, encode } from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startListening } from './listen.ts';
import type { Listening } from './listen.ts';
import { probeDns } from './probe-dns.ts';
import type { DnsTarget } from './protocol.ts';
import { LOOPBACK, closedUdpPort, udpServer } from './testing/loopback.ts';
import type { UdpServer } from './testing/loopback.ts';

const NXDOMAIN = 3;
const UDP_LIMIT = 512;

const ZONE: Readonly<Record<string, Answer[]>> = {
  'A web.test': [{ name: 'web.test', type: 'A', ttl: 30, data: '10.0.0.7' }],
  'CNAME alias.test': [{ name: 'alias.test', type: 'CNAME', ttl: 60, data: 'web.test' }],
  'SRV _http._tcp.web.test': [{ name: '_http._tcp.web.test', type: 'SRV', ttl: 5, data: { priority: 0, weight: 50, port: 8080, target: 'web.test' } }],
  'PTR 7.0.0.10.in-addr.arpa': [{ name: '7.0.0.10.in-addr.arpa', type: 'PTR', ttl: 30, data: 'web.test' }],
  'TXT note.test': [{ name: 'note.test', type: 'TXT', ttl: 30, data: ['v=1 ', 'ok'] }],
  'A big.test': Array.from({ length: 40 }, (_, index) => ({ name: 'big.test', type: 'A' as const, ttl: 30, data: `10.9.0.${index}` })),
};

/**
 * Answers from ZONE; over UDP, an answer above 512 bytes (or above the EDNS0 size the query
 * advertises) is cut to the header with TC set, as real servers do.
 */
function respond(query: Buffer, overUdp: boolean): Buffer {
  const request: DecodedPacket = decode(query);
  const opt = request.additionals?.find((a) => a.type === 'OPT');
  const limit = opt?.type === 'OPT' ? opt.udpPayloadSize : UDP_LIMIT;
  const question = request.questions?.[0];
  const answers = ZONE[`${question?.type} ${question?.name}`];
  const flags = AUTHORITATIVE_ANSWER | (request.flag_rd ? RECURSION_DESIRED : 0) | (answers === undefined ? NXDOMAIN : 0);
  const reply = { type: 'response' as const, id: request.id, flags, questions: request.questions, answers: answers ?? [] };
  const full = encode(reply);
  if (!overUdp || full.length <= limit) return full;
  return encode({ ...reply, flags: flags | TRUNCATED_RESPONSE, answers: [] });
}

function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

describe('probeDns', () => {
  let udp: UdpServer;
  let tcp: Listening;
  let garbage: UdpServer;
  let silent: UdpServer;
  // Answers over UDP only: a TCP retry finds nothing listening.
  let udpOnly: UdpServer;
  let tcpConnections = 0;
  beforeAll(async () => {
    udp = await udpServer((message, reply) => reply(respond(message, true)));
    // The same port over TCP, as a DNS server serves it.
    const tcpDns = createServer((socket) => {
      tcpConnections++;
      socket.on('data', (chunk) => socket.write(frame(respond(chunk.subarray(2), false))));
    });
    tcp = await startListening(tcpDns, udp.port, LOOPBACK);
    garbage = await udpServer((message, reply) => reply(Buffer.concat([message.subarray(0, 2), Buffer.from([0x80, 0, 0, 1, 0, 0])])));
    silent = await udpServer(() => {});
    udpOnly = await udpServer((message, reply) => reply(respond(message, true)));
  });
  afterAll(() => Promise.all([udp.close(), tcp.close(), garbage.close(), silent.close(), udpOnly.close()]));

  function target(name: string, type: DnsTarget['type'], extra: Partial<DnsTarget> = {}): DnsTarget {
    return { kind: 'dns', id: `${type} ${name}`, timeoutMs: 300, server: LOOPBACK, port: udp.port, name, type, transport: 'udp', ...extra };
  }

  it.each([
    ['A', 'web.test', { name: 'web.test', type: 'A', ttl: 30, data: '10.0.0.7' }],
    ['CNAME', 'alias.test', { name: 'alias.test', type: 'CNAME', ttl: 60, data: 'web.test' }],
    ['SRV', '_http._tcp.web.test', { name: '_http._tcp.web.test', type: 'SRV', ttl: 5, data: '0 50 8080 web.test' }],
    ['PTR', '7.0.0.10.in-addr.arpa', { name: '7.0.0.10.in-addr.arpa', type: 'PTR', ttl: 30, data: 'web.test' }],
    ['TXT', 'note.test', { name: 'note.test', type: 'TXT', ttl: 30, data: 'v=1 ok' }],
  ] as const)('resolves %s %s over UDP', async (type, name, answer) => {
    const result = await probeDns(target(name, type));
    expect(result).toMatchObject({ outcome: 'ok', detail: 'NOERROR, 1 answer', dns: { rcode: 'NOERROR', answers: [answer] } });
    expect(result.dns?.flags).toEqual({ aa: true, tc: false, rd: true, ra: false, ad: false, cd: false });
  });

  it('resolves over TCP and clears RD when asked', async () => {
    const result = await probeDns(target('web.test', 'A', { transport: 'tcp', recursionDesired: false }));
    expect(result).toMatchObject({ outcome: 'ok', dns: { rcode: 'NOERROR', flags: { rd: false }, answers: [{ data: '10.0.0.7' }] } });
  });

  it('reports dns-error with the rcode for a name that does not exist', async () => {
    const result = await probeDns(target('missing.test', 'A'));
    expect(result).toMatchObject({ outcome: 'dns-error', code: 'NXDOMAIN', detail: 'NXDOMAIN, 0 answers', dns: { rcode: 'NXDOMAIN', answers: [] } });
  });

  it('reports a truncated UDP answer as such, and the full answer over TCP', async () => {
    const overUdp = await probeDns(target('big.test', 'A'));
    expect(overUdp).toMatchObject({ outcome: 'ok', detail: 'NOERROR, 0 answers, truncated', dns: { flags: { tc: true }, answers: [] } });
    const overTcp = await probeDns(target('big.test', 'A', { transport: 'tcp' }));
    expect(overTcp.dns?.flags.tc).toBe(false);
    expect(overTcp.dns?.answers.map((answer) => answer.data)).toEqual(Array.from({ length: 40 }, (_, index) => `10.9.0.${index}`));
  });

  it('retries a truncated UDP answer over TCP when asked, as a resolver does, and says so', async () => {
    const before = tcpConnections;
    const result = await probeDns(target('big.test', 'A', { tcpOnTruncation: true, timeoutMs: 2000 }));
    expect(tcpConnections).toBe(before + 1);
    expect(result).toMatchObject({ outcome: 'ok', dns: { rcode: 'NOERROR', flags: { tc: false }, truncatedOverUdp: { answers: 0 } } });
    expect(result.dns?.answers).toHaveLength(40);
    expect(result.detail).toMatch(/^truncated over UDP \(0 answers, \d+ms\), then over TCP: NOERROR, 40 answers$/);
    expect(result.ms).toBeGreaterThanOrEqual(result.dns?.truncatedOverUdp?.ms ?? Infinity);
  });

  it('does not retry an answer that was not truncated', async () => {
    const before = tcpConnections;
    const result = await probeDns(target('web.test', 'A', { tcpOnTruncation: true }));
    expect(tcpConnections).toBe(before);
    expect(result).toMatchObject({ outcome: 'ok', dns: { answers: [{ data: '10.0.0.7' }] } });
    expect(result.dns?.truncatedOverUdp).toBeUndefined();
  });

  it('reports the TCP failure after a truncated UDP answer, naming both steps', async () => {
    const result = await probeDns(target('big.test', 'A', { port: udpOnly.port, tcpOnTruncation: true }));
    expect(result).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
    expect(result.dns).toBeUndefined();
    expect(result.detail).toMatch(/^truncated over UDP \(0 answers, \d+ms\), then over TCP: /);
  });

  it('advertises an EDNS0 size: a large answer then comes whole over UDP, with its size', async () => {
    const result = await probeDns(target('big.test', 'A', { udpSize: 4096 }));
    expect(result.dns?.flags.tc).toBe(false);
    expect(result.dns?.answers.filter((a) => a.type === 'A')).toHaveLength(40);
    expect(result.dns?.size).toBeGreaterThan(512);
    const small = await probeDns(target('web.test', 'A'));
    expect(small.dns?.size).toBeLessThan(100);
  });

  it('reports protocol-error for an answer that does not decode', async () => {
    const result = await probeDns(target('web.test', 'A', { port: garbage.port }));
    expect(result.outcome).toBe('protocol-error');
    expect(result.detail).toMatch(/^undecodable DNS message/);
  });

  it('reports timeout when the server never answers', async () => {
    const result = await probeDns(target('web.test', 'A', { port: silent.port }));
    expect(result).toMatchObject({ outcome: 'timeout', code: 'ETIMEDOUT' });
    expect(result.ms).toBeGreaterThanOrEqual(295);
  });

  it('reports refused when nothing listens on the port', async () => {
    const port = await closedUdpPort();
    expect(await probeDns(target('web.test', 'A', { port }))).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
    expect(await probeDns(target('web.test', 'A', { port, transport: 'tcp' }))).toMatchObject({ outcome: 'refused', code: 'ECONNREFUSED' });
  });
});
