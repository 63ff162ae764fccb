// Chain verification against the CA that should trust a served chain, with Node's X509Certificate
// (signatures and issuer names; dates checked against the given now). The served chain may carry
// intermediates; the trust anchor must come from the CA bundle, as a TLS client would require.
import type { X509Certificate } from 'node:crypto';
import { certName, issuerLine } from '../lib/x509.ts';

export type VerifyFailure = 'no-certificate' | 'unknown-authority' | 'expired' | 'not-yet-valid';

export interface Verdict {
  ok: boolean;
  failure?: VerifyFailure;
  // One line: why the chain does not verify, or which CA it verified against.
  message: string;
  // The served certificates used, leaf first, and the bundle certificate that signed the last one.
  path: X509Certificate[];
  anchor?: X509Certificate;
}

const MAX_DEPTH = 8;

const signedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

export function verifyChain(served: readonly X509Certificate[], trusted: readonly X509Certificate[], now: Date): Verdict {
  const [leaf] = served;
  if (leaf === undefined) return { ok: false, failure: 'no-certificate', message: 'no certificate was served', path: [] };
  const path: X509Certificate[] = [leaf];
  let anchor: X509Certificate | undefined;
  for (let current = leaf; path.length <= MAX_DEPTH;) {
    anchor = trusted.find((ca) => signedBy(current, ca) || current.fingerprint256 === ca.fingerprint256);
    if (anchor !== undefined) break;
    const next = served.find((cert) => cert.ca && !path.includes(cert) && signedBy(current, cert));
    if (next === undefined) break;
    path.push(next);
    current = next;
  }
  if (anchor === undefined) {
    const top = path[path.length - 1] ?? leaf;
    const held = trusted.length === 0 ? 'the bundle is empty' : `the bundle holds ${trusted.map(certName).join('; ')}`;
    return { ok: false, failure: 'unknown-authority', message: `signed by unknown authority: the chain ends at ${issuerLine(top)}, and ${held}`, path };
  }
  for (const cert of [...path, anchor]) {
    const subject = certName(cert);
    if (now.getTime() > cert.validToDate.getTime()) {
      return { ok: false, failure: 'expired', message: `${subject} expired at ${cert.validToDate.toISOString()}`, path, anchor };
    }
    if (now.getTime() < cert.validFromDate.getTime()) {
      return {
        ok: false,
        failure: 'not-yet-valid',
        message: `${subject} is not valid before ${cert.validFromDate.toISOString()} (a clock behind, or a certificate from the future)`,
        path,
        anchor,
      };
    }
  }
  return { ok: true, message: `verified against ${certName(anchor)} (sha256 ${anchor.fingerprint256})`, path, anchor };
}
