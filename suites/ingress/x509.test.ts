// The suite's own certificates: Node reads them back, the leaf verifies against the CA, the SAN and
// the validity are what was asked, and the DER primitives encode as ASN.1 says.
import { describe, expect, it } from 'vitest';
import { integer, makeCa, makeLeaf, oid, time } from './x509.ts';

describe('x509', () => {
  it('encodes OIDs, integers and times as DER', () => {
    expect(oid('1.2.840.10045.4.3.2').toString('hex')).toBe('06082a8648ce3d040302');
    expect(integer(Buffer.from([0x80])).toString('hex')).toBe('02020080');
    expect(integer(Buffer.from([0, 0, 5])).toString('hex')).toBe('020105');
    expect(time(new Date('2026-12-03T18:00:00Z')).toString()).toContain('261203180000Z');
    expect(time(new Date('2051-01-01T00:00:00Z'))[0]).toBe(0x18);
  });

  it('makes a CA and a leaf that verify, with the SAN and validity asked for', () => {
    const now = new Date('2026-12-03T12:00:00Z');
    const ca = makeCa('test CA', now, 2);
    const leaf = makeLeaf(ca, ['tls.example.test', '*.wild.example.test'], now, 1);
    expect(ca.cert.ca).toBe(true);
    expect(leaf.cert.ca).toBe(false);
    expect(leaf.cert.checkIssued(ca.cert)).toBe(true);
    expect(leaf.cert.verify(ca.cert.publicKey)).toBe(true);
    expect(leaf.cert.checkHost('tls.example.test')).toBe('tls.example.test');
    expect(leaf.cert.checkHost('a.wild.example.test')).toBe('*.wild.example.test');
    expect(leaf.cert.checkHost('other.example.test')).toBeUndefined();
    expect(new Date(leaf.cert.validTo).getTime()).toBe(now.getTime() + 86_400_000);
    expect(leaf.cert.checkPrivateKey(leaf.key)).toBe(true);
    expect(leaf.keyPem).toContain('BEGIN PRIVATE KEY');
  });

  it('a leaf of another CA does not verify', () => {
    const now = new Date();
    const leaf = makeLeaf(makeCa('one', now, 1), ['a.test'], now, 1);
    expect(leaf.cert.verify(makeCa('two', now, 1).cert.publicKey)).toBe(false);
  });
});
