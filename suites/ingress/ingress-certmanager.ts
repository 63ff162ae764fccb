// cert-manager's Certificates, when cert-manager is installed: for each, Ready, notAfter and the
// renewal time it plans, and the Secret it writes (so a TLS host of an Ingress can be traced to the
// Certificate that should keep it fresh). Pure: the suite lists, this judges.
import type { Finding } from './ingress-inventory.ts';

export interface CertificateObject {
  metadata?: { name?: string; namespace?: string };
  spec?: { secretName?: string; dnsNames?: string[] };
  status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[]; notAfter?: string; renewalTime?: string };
}

export interface CertificateView {
  ref: string;
  secret: string;
  ready: boolean;
  reason?: string;
  notAfter?: string;
  renewalTime?: string;
}

export function certificateViews(items: readonly CertificateObject[]): CertificateView[] {
  return items.map((item) => {
    const ready = item.status?.conditions?.find((cond) => cond.type === 'Ready');
    return {
      ref: `${item.metadata?.namespace ?? ''}/${item.metadata?.name ?? ''}`,
      secret: `${item.metadata?.namespace ?? ''}/${item.spec?.secretName ?? ''}`,
      ready: ready?.status === 'True',
      ...(ready?.status === 'True' || ready === undefined ? {} : { reason: `${ready.reason ?? ''}${ready.message ? `: ${ready.message}` : ''}` }),
      ...(item.status?.notAfter === undefined ? {} : { notAfter: item.status.notAfter }),
      ...(item.status?.renewalTime === undefined ? {} : { renewalTime: item.status.renewalTime }),
    };
  });
}

// Certificates whose Secret an Ingress of the cluster names: not Ready fails, a renewal time
// already past (cert-manager should have renewed) or notAfter within warnDays warns.
export function certificateFindings(views: readonly CertificateView[], ingressSecrets: ReadonlySet<string>, warnDays: number, now: Date): Finding[] {
  const findings: Finding[] = [];
  for (const v of views.filter((view) => ingressSecrets.has(view.secret))) {
    if (!v.ready)
      findings.push({ severity: 'fail', text: `cert-manager Certificate ${v.ref} (Secret ${v.secret}) is not Ready${v.reason ? ` (${v.reason})` : ''}` });
    const notAfter = v.notAfter === undefined ? undefined : new Date(v.notAfter).getTime();
    const renewal = v.renewalTime === undefined ? undefined : new Date(v.renewalTime).getTime();
    if (renewal !== undefined && renewal < now.getTime() - 3_600_000)
      findings.push({ severity: 'warn', text: `cert-manager Certificate ${v.ref}: its renewal time ${v.renewalTime ?? ''} has passed and it was not renewed` });
    else if (notAfter !== undefined && (notAfter - now.getTime()) / 86_400_000 < warnDays)
      findings.push({ severity: 'warn', text: `cert-manager Certificate ${v.ref}: notAfter ${v.notAfter ?? ''} is within ${warnDays} days` });
  }
  return findings;
}

export function certificateText(views: readonly CertificateView[]): string {
  return views
    .map(
      (v) =>
        `${v.ref} -> Secret ${v.secret}: Ready=${v.ready}${v.reason ? ` (${v.reason})` : ''}, notAfter ${v.notAfter ?? '?'}, renewal ${v.renewalTime ?? '?'}`,
    )
    .join('\n');
}
