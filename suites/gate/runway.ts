// Certificate runway: every certificate the gate can read cheaply (the cluster CA in
// kube-root-ca.crt, the client and front-proxy CAs, the API server's serving chain as served to the
// runner, webhook and APIService caBundles) against --cert-runway-days. Pure: the certificates
// parsing of suites/lib/x509.ts (shared with the certificates suite) is reused, the threshold is the gate's own.
import type { X509Certificate } from 'node:crypto';
import { certName, daysLeft, parsePemBundle, selfSigned } from '../lib/x509.ts';

export interface Held {
  where: string;
  certs: readonly X509Certificate[];
}

export function heldFromPem(where: string, pem: string | undefined): Held {
  return { where, certs: pem === undefined ? [] : parsePemBundle(pem).certs };
}

export interface RunwayFinding {
  where: string;
  days: number;
  text: string;
}

export function judgeRunway(held: readonly Held[], now: Date, runwayDays: number): { short: RunwayFinding[]; lines: string[] } {
  const short: RunwayFinding[] = [];
  const lines: string[] = [];
  for (const { where, certs } of held) {
    for (const cert of certs) {
      const days = daysLeft(cert, now);
      const kind = cert.ca || selfSigned(cert) ? 'CA' : 'certificate';
      const text = `${where}: ${kind} ${certName(cert)} ${days < 0 ? `EXPIRED ${-days} day(s) ago` : `expires in ${days} day(s)`} (${cert.validToDate.toISOString().slice(0, 10)})`;
      lines.push(text);
      if (days < runwayDays) short.push({ where, days, text });
    }
  }
  return { short: short.sort((a, b) => a.days - b.days), lines };
}
