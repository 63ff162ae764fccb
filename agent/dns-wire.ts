// DNS messages: the query we send and the finding we read from an answer.
import { RECURSION_DESIRED, decode, encode } from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import type { Finding } from './probe-scope.ts';
import type { DnsAnswer, DnsData, DnsTarget } from './protocol.ts';

// decode() sets rcode, but @types/dns-packet does not declare it.
type Decoded = DecodedPacket & { rcode?: string };

export function encodeQuery(target: DnsTarget, id: number): Buffer {
  return encode({
    type: 'query',
    id,
    flags: target.recursionDesired === false ? 0 : RECURSION_DESIRED,
    questions: [{ type: target.type, name: target.name, class: 'IN' }],
    // EDNS0 (RFC 6891): the largest UDP answer we take; without it a server stops at 512 bytes.
    additionals:
      target.udpSize === undefined
        ? []
        : [{ type: 'OPT', name: '.', udpPayloadSize: target.udpSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
}

function txtData(data: string | Buffer | Array<string | Buffer>): string {
  return (Array.isArray(data) ? data : [data]).map((part) => part.toString()).join('');
}

function answerData(answer: Answer): string {
  switch (answer.type) {
    case 'A':
    case 'AAAA':
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return answer.data;
    case 'SRV':
      return `${answer.data.priority ?? 0} ${answer.data.weight ?? 0} ${answer.data.port} ${answer.data.target}`;
    case 'MX':
      return `${answer.data.preference ?? 0} ${answer.data.exchange}`;
    case 'TXT':
      return txtData(answer.data);
    case 'SOA': {
      const soa = answer.data;
      return `${soa.mname} ${soa.rname} ${soa.serial ?? 0} ${soa.refresh ?? 0} ${soa.retry ?? 0} ${soa.expire ?? 0} ${soa.minimum ?? 0}`;
    }
    case 'OPT':
      return '';
    default:
      return Buffer.isBuffer(answer.data) ? answer.data.toString('hex') : JSON.stringify(answer.data);
  }
}

function toAnswer(answer: Answer): DnsAnswer {
  return { name: answer.name, type: answer.type, ttl: 'ttl' in answer ? (answer.ttl ?? 0) : 0, data: answerData(answer) };
}

function dnsData(packet: Decoded, size: number): DnsData {
  return {
    size,
    rcode: packet.rcode ?? 'UNKNOWN',
    flags: {
      aa: packet.flag_aa,
      tc: packet.flag_tc,
      rd: packet.flag_rd,
      ra: packet.flag_ra,
      ad: packet.flag_ad,
      cd: packet.flag_cd,
    },
    answers: (packet.answers ?? []).map(toAnswer),
  };
}

function describe(dns: DnsData): string {
  const truncated = dns.flags.tc ? ', truncated' : '';
  return `${dns.rcode}, ${dns.answers.length} answer${dns.answers.length === 1 ? '' : 's'}${truncated}`;
}

/** Reads an answer to query `id`; undefined when the message answers some other query. */
export function answerFinding(message: Buffer, id: number): Finding | undefined {
  let packet: Decoded;
  try {
    packet = decode(message);
  } catch (error) {
    return { outcome: 'protocol-error', detail: `undecodable DNS message: ${String(error)}` };
  }
  if (packet.id !== id || !packet.flag_qr) return undefined;
  const dns = dnsData(packet, message.length);
  if (dns.rcode === 'NOERROR') return { outcome: 'ok', detail: describe(dns), dns };
  return { outcome: 'dns-error', code: dns.rcode, detail: describe(dns), dns };
}
