// The suite's own CA and serving certificates, made with Node's crypto alone (no openssl, no
// cert-manager): an EC P-256 key pair, and an X.509 v3 certificate written as DER by hand (a few
// ASN.1 types are all a certificate needs) and signed with ECDSA-SHA256. Node's X509Certificate
// reads them back; Go's crypto/tls (the controllers) loads them as kubernetes.io/tls Secrets.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const seq = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const bool = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0]));
const octets = (value: Buffer) => tlv(0x04, value);
const bits = (value: Buffer, unused = 0) => tlv(0x03, Buffer.from([unused]), value);
const utf8 = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);

export function integer(value: Buffer): Buffer {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const trimmed = value.subarray(start);
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const out = [40 * first + second];
  for (const part of rest) {
    // Base 128, most significant first, every byte but the last with its high bit set.
    let v = part;
    const chunk = [v % 128];
    while (v >= 128) {
      v = Math.floor(v / 128);
      chunk.unshift((v % 128) | 0x80);
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

// UTCTime before 2050, GeneralizedTime from then on (RFC 5280 4.1.2.5).
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(digits.slice(2))) : tlv(0x18, Buffer.from(digits));
}

const name = (cn: string) => seq(set(seq(oid('2.5.4.3'), utf8(cn))));
const ECDSA_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const extension = (id: string, critical: boolean, value: Buffer) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));

export interface Issued {
  certPem: string;
  keyPem: string;
  key: KeyObject;
  cert: X509Certificate;
}

export interface CertSpec {
  commonName: string;
  dnsNames?: readonly string[];
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  // Absent: self-signed.
  issuer?: Issued;
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export function issue(spec: CertSpec): Issued {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyId = createHash('sha1').update(spki).digest();
  const issuerName = spec.issuer === undefined ? spec.commonName : (spec.issuer.cert.subject.match(/CN=([^\n]*)/)?.[1] ?? '');
  const issuerKeyId =
    spec.issuer === undefined
      ? keyId
      : createHash('sha1')
          .update(spec.issuer.cert.publicKey.export({ type: 'spki', format: 'der' }))
          .digest();
  const extensions = [
    extension('2.5.29.19', true, spec.isCa ? seq(bool(true)) : seq()),
    // keyUsage: digitalSignature, plus keyCertSign and cRLSign for a CA.
    extension('2.5.29.15', true, spec.isCa ? bits(Buffer.from([0x86]), 1) : bits(Buffer.from([0x80]), 7)),
    extension('2.5.29.14', false, octets(keyId)),
    extension('2.5.29.35', false, seq(tlv(0x80, issuerKeyId))),
    ...(spec.isCa ? [] : [extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1')))]),
    ...(spec.dnsNames === undefined || spec.dnsNames.length === 0
      ? []
      : [extension('2.5.29.17', false, seq(...spec.dnsNames.map((dns) => tlv(0x82, Buffer.from(dns, 'ascii')))))]),
  ];
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ECDSA_SHA256,
    name(issuerName),
    seq(time(spec.notBefore), time(spec.notAfter)),
    name(spec.commonName),
    spki,
    explicit(3, seq(...extensions)),
  );
  const signer = spec.issuer?.key ?? privateKey;
  const der = seq(tbs, ECDSA_SHA256, bits(sign('sha256', tbs, signer)));
  const certPem = pem('CERTIFICATE', der);
  return { certPem, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), key: privateKey, cert: new X509Certificate(certPem) };
}

export const DAY_MS = 86_400_000;

// A CA valid from an hour ago for `days`, and leaves it signs.
export function makeCa(commonName: string, now: Date, days: number): Issued {
  return issue({ commonName, notBefore: new Date(now.getTime() - 3_600_000), notAfter: new Date(now.getTime() + days * DAY_MS), isCa: true });
}

export function makeLeaf(ca: Issued, dnsNames: readonly string[], now: Date, days: number): Issued {
  return issue({
    commonName: dnsNames[0] ?? 'leaf',
    dnsNames,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    isCa: false,
    issuer: ca,
  });
}
