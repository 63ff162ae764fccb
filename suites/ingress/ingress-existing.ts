// The cluster's own TLS hosts, judged from the handshake alone (no Secret is read, no request is
// sent): the certificate served for each host's SNI must cover the host (else the controller serves
// a fallback, such as Traefik's "TRAEFIK DEFAULT CERT" or ingress-nginx's "Kubernetes Ingress
// Controller Fake Certificate"), must not be expired, and a short remaining life is a warning. Pure.
import { describeCert, type Served } from './ingress-probe.ts';
import type { Finding } from './ingress-inventory.ts';

export interface ExistingHost {
  ingress: string;
  host: string;
  // The server name sent: the host, or a name under a wildcard host.
  sni: string;
  secret: string;
  served: Served;
}

const KNOWN_FALLBACKS = [/TRAEFIK DEFAULT CERT/i, /Kubernetes Ingress Controller Fake Certificate/i, /NGINXIngressController/i];

export function existingTlsFindings(hosts: readonly ExistingHost[], warnDays: number, now: Date): Finding[] {
  const findings: Finding[] = [];
  for (const h of hosts) {
    const leaf = h.served.chain[0];
    const where = `Ingress ${h.ingress} host ${h.host} (Secret ${h.secret || 'none named'})`;
    if (leaf === undefined) {
      findings.push({ severity: 'fail', text: `${where}: no certificate served (${h.served.error ?? 'no handshake'})` });
      continue;
    }
    const fallback = KNOWN_FALLBACKS.some((re) => re.test(leaf.subject));
    if (leaf.checkHost(h.sni) === undefined) {
      findings.push({
        severity: 'fail',
        text: `${where}: the certificate served is ${describeCert(leaf)}${fallback ? ', the controller’s fallback certificate' : ''}, which does not cover ${h.host}`,
      });
      continue;
    }
    const daysLeft = (new Date(leaf.validTo).getTime() - now.getTime()) / 86_400_000;
    if (daysLeft <= 0) findings.push({ severity: 'fail', text: `${where}: the certificate served expired on ${new Date(leaf.validTo).toISOString()}` });
    else if (daysLeft < warnDays)
      findings.push({ severity: 'warn', text: `${where}: the certificate served expires in ${daysLeft.toFixed(1)} days (below ${warnDays})` });
  }
  return findings;
}
