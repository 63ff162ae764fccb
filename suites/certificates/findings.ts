// A check's findings: each names the certificate and where it is served or stored, carries the
// chain as seen and the CA it was checked against, and is a failure or a warning. A check ends on
// its worst finding, with every finding in its evidence.
import type { X509Certificate } from 'node:crypto';
import type { Classification, Evidence } from '../../helpers/result.ts';
import { describeCerts } from '../lib/x509.ts';

export interface Finding {
  level: 'fail' | 'warn';
  classification: Classification;
  // Where: "API server 10.217.0.11:6443 (kubeconfig server) from the runner".
  where: string;
  message: string;
  chain?: readonly X509Certificate[];
  checkedAgainst?: { label: string; certs: readonly X509Certificate[] };
  likelyCause?: string;
}

export function findingLine(finding: Finding): string {
  return `${finding.level.toUpperCase()} ${finding.where}: ${finding.message}`;
}

export function findingEvidence(finding: Finding, now: Date): Evidence[] {
  const evidence: Evidence[] = [];
  if (finding.chain !== undefined) evidence.push({ label: `${finding.where}: chain as seen`, text: describeCerts(finding.chain, now) });
  if (finding.checkedAgainst !== undefined) {
    evidence.push({ label: `${finding.where}: checked against ${finding.checkedAgainst.label}`, text: describeCerts(finding.checkedAgainst.certs, now) });
  }
  return evidence;
}

export interface Ending {
  status: 'pass' | 'warn' | 'fail';
  classification?: Classification;
  message: string;
  evidence: Evidence[];
  likelyCause?: string;
}

/** Findings that say the same thing of the same certificate (one leaf served at several addresses) become one, naming every place. */
export function merged(findings: readonly Finding[]): Finding[] {
  const byKey = new Map<string, { first: Finding; wheres: string[] }>();
  for (const finding of findings) {
    const key = `${finding.level}|${finding.classification}|${finding.message}`;
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, { first: finding, wheres: [finding.where] });
    else if (!seen.wheres.includes(finding.where)) seen.wheres.push(finding.where);
  }
  return [...byKey.values()].map(({ first, wheres }) => ({
    ...first,
    where: wheres.length <= 4 ? wheres.join(', ') : `${wheres.slice(0, 4).join(', ')} and ${wheres.length - 4} more`,
  }));
}

/** How a check ends given its findings: the worst level, the first failure's classification. */
export function ending(all: readonly Finding[], now: Date, passMessage: string): Ending {
  const findings = merged(all);
  const fails = findings.filter((f) => f.level === 'fail');
  const warns = findings.filter((f) => f.level === 'warn');
  if (fails.length === 0 && warns.length === 0) return { status: 'pass', message: passMessage, evidence: [] };
  const ordered = [...fails, ...warns];
  const first = ordered[0] as Finding;
  const summary = ordered.length === 1 ? findingLine(first) : `${ordered.length} findings; first: ${findingLine(first)}`;
  const causes = [...new Set(ordered.map((f) => f.likelyCause).filter((c): c is string => c !== undefined))];
  return {
    status: fails.length > 0 ? 'fail' : 'warn',
    ...(fails.length > 0 ? { classification: first.classification } : {}),
    message: summary,
    evidence: [{ label: 'findings', text: ordered.map(findingLine).join('\n') }, ...ordered.flatMap((f) => findingEvidence(f, now))],
    ...(causes.length > 0 ? { likelyCause: causes.join('; ') } : {}),
  };
}
