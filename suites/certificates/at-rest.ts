// Certificates at rest: CA bundles in ConfigMaps (kube-root-ca.crt, the client and front-proxy CAs
// in kube-system/extension-apiserver-authentication), TLS Secrets (opt-in) and cert-manager
// Certificates; each against the expiry thresholds, each named by where it is stored.
import type { Finding } from './findings.ts';
import { expiryFinding } from './judge.ts';
import type { Thresholds } from './thresholds.ts';
import { parsePemBundle } from './x509.ts';

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
    if (parsed.certs.length === 0 && parsed.errors.length === 0) findings.push({ level: 'warn', classification: 'missing', where, message: 'holds no certificate' });
    for (const cert of parsed.certs) {
      const finding = expiryFinding(where, cert, now, thresholds, { chain: [cert] });
      if (finding !== undefined) findings.push(finding);
    }
  }
  return { findings, count };
}

export interface CertManagerCertificate {
  metadata: { name: string; namespace?: string };
  spec?: { secretName?: string; dnsNames?: string[] };
  status?: {
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    notAfter?: string;
    renewalTime?: string;
    failedIssuanceAttempts?: number;
  };
}

export function judgeCertManager(certificates: readonly CertManagerCertificate[], now: Date, thresholds: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const cert of certificates) {
    const where = `cert-manager Certificate ${cert.metadata.namespace ?? ''}/${cert.metadata.name} (Secret ${cert.spec?.secretName ?? '?'})`;
    const ready = cert.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') {
      findings.push({ level: 'fail', classification: 'missing', where, message: `not Ready: ${ready?.reason ?? 'no Ready condition'}${ready?.message === undefined ? '' : ` (${ready.message})`}` });
    }
    const renewal = cert.status?.renewalTime === undefined ? Number.NaN : Date.parse(cert.status.renewalTime);
    if (renewal < now.getTime() - 3_600_000) {
      findings.push({ level: 'warn', classification: 'expired', where, message: `its renewal time ${cert.status?.renewalTime ?? ''} passed more than an hour ago and it was not renewed` });
    }
    if ((cert.status?.failedIssuanceAttempts ?? 0) > 0) {
      findings.push({ level: 'warn', classification: 'error', where, message: `${cert.status?.failedIssuanceAttempts} failed issuance attempt(s)` });
    }
    const notAfter = cert.status?.notAfter === undefined ? Number.NaN : Date.parse(cert.status.notAfter);
    if (!Number.isNaN(notAfter)) {
      const days = Math.floor((notAfter - now.getTime()) / 86_400_000);
      const level = days < thresholds.failDays ? 'fail' : days < thresholds.warnDays ? 'warn' : undefined;
      if (level !== undefined) findings.push({ level, classification: 'expired', where, message: `expires in ${days} day(s), at ${cert.status?.notAfter ?? ''}` });
    }
  }
  return findings;
}
