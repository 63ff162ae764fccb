// Certificates as Node's X509Certificate sees them: parsed from PEM bundles (caBundle, ca.crt) and
// from the DER chains the TLS probe returns, and described one line per fact for evidence.
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export interface ParsedBundle {
  certs: X509Certificate[];
  // Blocks that looked like certificates but did not parse.
  errors: string[];
}

/** Every certificate of a PEM bundle, in order; unparsable blocks are named, never dropped silently. */
export function parsePemBundle(text: string): ParsedBundle {
  const certs: X509Certificate[] = [];
  const errors: string[] = [];
  for (const [index, block] of (text.match(PEM_BLOCK) ?? []).entries()) {
    try {
      certs.push(new X509Certificate(block));
    } catch (error) {
      errors.push(`certificate ${index + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { certs, errors };
}

// The system's root certificates, parsed on first use. A process-wide constant, not run state:
// node:tls's rootCertificates are fixed for the life of the process, so every run in it shares one parse.
const SYSTEM_ROOTS: { certs?: X509Certificate[] } = {};

/** What a client that names no CA trusts: the system roots (as the API server does for an empty caBundle). */
export function systemRoots(): X509Certificate[] {
  SYSTEM_ROOTS.certs ??= parsePemBundle(rootCertificates.join('\n')).certs;
  return SYSTEM_ROOTS.certs;
}

/** A chain from the TLS probe: DER certificates in base64, leaf first. */
export function parseDerChain(chain: readonly string[]): X509Certificate[] {
  return chain.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
}

/** A caBundle field (base64 of PEM), as admission webhooks and APIServices carry it. */
export function parseCaBundleField(field: string | undefined): ParsedBundle {
  if (field === undefined || field === '') return { certs: [], errors: [] };
  return parsePemBundle(Buffer.from(field, 'base64').toString('utf8'));
}

const DAY_MS = 86_400_000;

/** Whole days until the certificate expires (negative once it has), rounded down. */
export function daysLeft(cert: X509Certificate, now: Date): number {
  return Math.floor((cert.validToDate.getTime() - now.getTime()) / DAY_MS);
}

export function selfSigned(cert: X509Certificate): boolean {
  return cert.checkIssued(cert) && cert.verify(cert.publicKey);
}

/** The subject as one line: "CN=kube-apiserver" or "O=system:nodes, CN=system:node:n1". */
// A distinguished name on one line; an empty one (Node gives undefined) is ''.
export function nameLine(name: string | undefined): string {
  return (name ?? '')
    .split('\n')
    .filter((part) => part !== '')
    .join(', ');
}

// What a certificate is called: its subject, or its SANs when the subject is empty (allowed when the
// SANs name it: cert-manager's webhook certificate has no subject at all).
export function certName(cert: X509Certificate): string {
  const subject = nameLine(cert.subject);
  if (subject !== '') return subject;
  const sans = sanList(cert);
  return sans.length === 0 ? '(empty subject, no SANs)' : `(empty subject) ${sans.join(', ')}`;
}

// Who issued it: the issuer name, or (for a self-signed certificate with an empty subject) its own name.
export function issuerLine(cert: X509Certificate): string {
  const issuer = nameLine(cert.issuer);
  return issuer !== '' ? issuer : cert.checkIssued(cert) ? `itself, ${certName(cert)}` : '(empty issuer)';
}

export function sanList(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter((entry) => entry !== '')
    .map((entry) => entry.replace(/^IP Address:/, 'IP:'));
}

/** The facts a person needs about one certificate, as one line. */
export function describeCert(cert: X509Certificate, now: Date): string {
  const sans = sanList(cert);
  return [
    `subject ${certName(cert)}`,
    `issuer ${issuerLine(cert)}`,
    `serial ${cert.serialNumber}`,
    `not before ${cert.validFromDate.toISOString()}`,
    `not after ${cert.validToDate.toISOString()} (${daysLeft(cert, now)} days left)`,
    ...(cert.ca ? ['CA'] : []),
    `SANs ${sans.length === 0 ? '(none)' : sans.join(' ')}`,
    `sha256 ${cert.fingerprint256}`,
  ].join('; ');
}

/** A chain or bundle, one numbered certificate a line. */
export function describeCerts(certs: readonly X509Certificate[], now: Date): string {
  if (certs.length === 0) return '(no certificate)';
  return certs.map((cert, index) => `[${index}] ${describeCert(cert, now)}`).join('\n');
}
