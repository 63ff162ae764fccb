// Live against at rest: a TLS Secret that holds a newer certificate for the name a server answers
// to, while the server still serves an older one, was renewed but never reloaded; it breaks when
// the old one expires although the Secret looks fine.
import type { X509Certificate } from 'node:crypto';
import type { Finding } from './findings.ts';
import { covers } from './names.ts';

export interface StoredCert {
  // "Secret ns/name".
  where: string;
  cert: X509Certificate;
}

export function staleFindings(where: string, served: X509Certificate, name: string, stored: readonly StoredCert[]): Finding[] {
  return stored
    .filter(({ cert }) => covers(cert, name) && cert.serialNumber !== served.serialNumber && cert.validFromDate.getTime() > served.validFromDate.getTime())
    .map(({ where: secret, cert }) => ({
      level: 'warn',
      classification: 'mismatch',
      where,
      message: `renewed but not reloaded: ${secret} holds serial ${cert.serialNumber} (not before ${cert.validFromDate.toISOString()}), the server still serves serial ${served.serialNumber} (until ${served.validToDate.toISOString()})`,
      chain: [served],
      checkedAgainst: { label: secret, certs: [cert] },
      likelyCause: 'the Secret was renewed but the server reads its certificate only at start: restart it, or make it reload the file',
    }));
}
