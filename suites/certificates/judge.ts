// Judges one served chain: verified against the CA that should trust it, names covered, days
// left against the thresholds, and the CA not expiring before the leaf. Pure: findings only.
import type { X509Certificate } from 'node:crypto';
import type { Finding } from './findings.ts';
import { uncovered } from './names.ts';
import { ROTATION_DUE, ROTATION_OVERDUE, expiryLevel, isShortLived, rotationLevel, type Thresholds } from './thresholds.ts';
import { verifyChain, type Verdict } from './verify.ts';
import { certName, daysLeft, selfSigned } from '../lib/x509.ts';

export interface Trust {
  // "kube-root-ca.crt", "the kubeconfig CA", "caBundle of validatingwebhook x/y".
  label: string;
  certs: readonly X509Certificate[];
}

export interface ServedSpec {
  where: string;
  chain: readonly X509Certificate[];
  trust: Trust;
  // Names that must be covered (a failure when not), and names that should be (a warning).
  names: readonly string[];
  shouldNames?: readonly string[];
  now: Date;
  thresholds: Thresholds;
  // When the chain does not verify: a failure (default) or a warning (a kubelet's self-signed certificate).
  untrustedLevel?: 'fail' | 'warn';
  untrustedCause?: string;
}

export interface Judged {
  verdict: Verdict;
  findings: Finding[];
}

/** The certificate's expiry against the thresholds, as a finding (or none). */
export function expiryFinding(
  where: string,
  cert: X509Certificate,
  now: Date,
  thresholds: Thresholds,
  context: Pick<Finding, 'chain' | 'checkedAgainst'>,
): Finding | undefined {
  const days = daysLeft(cert, now);
  const when = days < 0 ? `expired ${-days} day(s) ago` : `expires in ${days} day(s)`;
  const named = `${certName(cert)} (serial ${cert.serialNumber}) ${when}, at ${cert.validToDate.toISOString()}`;
  const lifetimeMs = cert.validToDate.getTime() - cert.validFromDate.getTime();
  if (isShortLived(lifetimeMs, thresholds)) {
    const leftMs = cert.validToDate.getTime() - now.getTime();
    const level = rotationLevel(lifetimeMs, leftMs);
    if (level === 'ok') return undefined;
    const passed = Math.min(100, Math.round((1 - leftMs / lifetimeMs) * 100));
    return {
      level,
      classification: 'expired',
      where,
      message: `${named}: a short-lived certificate (${lifetimeText(lifetimeMs)} long) with ${passed} % of its life passed and not rotated (${level === 'fail' ? `overdue past ${Math.round(ROTATION_OVERDUE * 100)} %` : `due by ${Math.round(ROTATION_DUE * 100)} %`})`,
      ...context,
      likelyCause:
        "what rotates it (cert-manager, the kubelet, the component's own dynamic serving) has stopped, or the new certificate was issued but not reloaded by what serves it",
    };
  }
  const level = expiryLevel(days, thresholds);
  if (level === 'ok') return undefined;
  const limit = level === 'fail' ? `--cert-fail-days ${thresholds.failDays}` : `--cert-warn-days ${thresholds.warnDays}`;
  return {
    level,
    classification: 'expired',
    where,
    message: `${named} (below ${limit})`,
    ...context,
    likelyCause: 'the certificate is due for renewal: renew it and restart or reload what serves it',
  };
}

function lifetimeText(ms: number): string {
  const hours = ms / 3_600_000;
  return hours < 48 ? `${Math.round(hours)} hour(s)` : `${Math.round(hours / 24)} day(s)`;
}

export function judgeServed(spec: ServedSpec): Judged {
  const { where, chain, trust, now } = spec;
  const context = { chain, checkedAgainst: trust };
  const verdict = verifyChain(chain, trust.certs, now);
  const findings: Finding[] = [];
  const leaf = chain[0];
  if (leaf === undefined) {
    findings.push({ level: 'fail', classification: 'tls-error', where, message: 'no certificate was served', ...context });
    return { verdict, findings };
  }
  if (!verdict.ok) {
    const self = selfSigned(leaf) && verdict.failure === 'unknown-authority';
    findings.push({
      level: spec.untrustedLevel ?? 'fail',
      classification: verdict.failure === 'expired' || verdict.failure === 'not-yet-valid' ? 'expired' : 'tls-error',
      where,
      message: `${self ? 'self-signed certificate, not trusted by ' : 'does not verify against '}${trust.label}: ${verdict.message}`,
      ...context,
      likelyCause:
        spec.untrustedCause ??
        (verdict.failure === 'unknown-authority'
          ? `what is served was signed by another CA than ${trust.label} holds (a rotation that updated one side only): clients fail with "x509: certificate signed by unknown authority"`
          : 'a certificate outside its validity window, or a clock that is off'),
    });
  }
  const missing = uncovered(leaf, spec.names);
  if (missing.length > 0) {
    findings.push({
      level: 'fail',
      classification: 'mismatch',
      where,
      message: `the certificate does not cover ${missing.join(', ')} (its SANs: ${leaf.subjectAltName ?? 'none'})`,
      ...context,
      likelyCause: 'the certificate was issued without the names clients use: reissue it with these SANs',
    });
  }
  const shouldMissing = uncovered(leaf, spec.shouldNames ?? []);
  if (shouldMissing.length > 0) {
    findings.push({
      level: 'warn',
      classification: 'mismatch',
      where,
      message: `the certificate does not cover ${shouldMissing.join(', ')}, which some clients use`,
      ...context,
    });
  }
  // The served path's expiry; an anchor expiring is judged at rest and below.
  for (const cert of verdict.ok ? verdict.path : [leaf]) {
    const finding = expiryFinding(where, cert, now, spec.thresholds, context);
    if (finding !== undefined) findings.push(finding);
  }
  if (verdict.ok && verdict.anchor !== undefined) {
    const anchorExpiry = expiryFinding(`${where} (its CA in ${trust.label})`, verdict.anchor, now, spec.thresholds, context);
    if (anchorExpiry !== undefined) findings.push(anchorExpiry);
    if (verdict.anchor.validToDate.getTime() < leaf.validToDate.getTime()) {
      findings.push({
        level: 'warn',
        classification: 'expired',
        where,
        message: `the CA in ${trust.label} (${certName(verdict.anchor)}) expires at ${verdict.anchor.validToDate.toISOString()}, before the leaf (${leaf.validToDate.toISOString()}): the chain breaks then`,
        ...context,
        likelyCause: 'rotate the CA before it expires, or renew the leaf from a longer-lived CA',
      });
    }
  }
  return { verdict, findings };
}
