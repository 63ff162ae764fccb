// Whether a certificate covers the names and addresses clients use, as a TLS client checks them
// (SANs only; the subject CN is not a host name since Go 1.15).
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export function covers(cert: X509Certificate, name: string): boolean {
  return isIP(name) === 0 ? cert.checkHost(name, { subject: 'never' }) !== undefined : cert.checkIP(name) !== undefined;
}

/** The names the certificate does not cover. */
export function uncovered(cert: X509Certificate, names: readonly string[]): string[] {
  return [...new Set(names)].filter((name) => name !== '' && !covers(cert, name));
}
