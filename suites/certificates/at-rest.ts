// Certificates at rest: CA bundles in ConfigMaps (kube-root-ca.crt, the client and front-proxy CAs
// in kube-system/extension-apiserver-authentication) and TLS Secrets (opt-in); each against the
// expiry thresholds, each named by where it is stored. cert-manager's objects: cert-manager.ts.
import type { Finding } from './findings.ts';
import { expiryFinding } from './judge.ts';
import type { Thresholds } from './thresholds.ts';
import { parsePemBundle } from '../lib/x509.ts';

export interface Stored {
  // "ConfigMap kube-system/extension-apiserver-authentication key requestheader-client-ca-file (front-proxy CA)".
  where: string;
  pem: string;
}

export function judgeStored(stored: readonly Stored[], now: Date, thresholds: Thresholds): { findings: Finding[]; count: number } {
  const findings: Finding[] = [];
  let count = 0;
  for (const { where, pem } of stored) {
    const parsed = parsePemBundle(pem);
    count += parsed.certs.length;
    for (const error of parsed.errors) findings.push({ level: 'warn', classification: 'error', where, message: `does not parse: ${error}` });
    if (parsed.certs.length === 0 && parsed.errors.length === 0)
      findings.push({ level: 'warn', classification: 'missing', where, message: 'holds no certificate' });
    for (const cert of parsed.certs) {
      const finding = expiryFinding(where, cert, now, thresholds, { chain: [cert] });
      if (finding !== undefined) findings.push(finding);
    }
  }
  return { findings, count };
}
