// cert-manager Certificates behind the cluster's Ingress TLS Secrets: not Ready fails with its
// reason, a missed renewal or a close notAfter warns, Certificates no Ingress uses are ignored.
import { describe, expect, it } from 'vitest';
import { certificateFindings, certificateViews } from './ingress-certmanager.ts';

const now = new Date('2026-12-03T12:00:00Z');
const cert = (name: string, ready: boolean, notAfter: string, renewalTime: string) => ({
  metadata: { name, namespace: 'shop' },
  spec: { secretName: `${name}-tls` },
  status: {
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'Ready' : 'Failed', message: ready ? '' : 'order failed' }],
    notAfter,
    renewalTime,
  },
});

describe('cert-manager Certificates', () => {
  it('judges only the Certificates whose Secret an Ingress names', () => {
    const views = certificateViews([
      cert('web', false, '2027-01-01T00:00:00Z', '2026-12-20T00:00:00Z'),
      cert('api', true, '2026-12-05T00:00:00Z', '2026-11-05T00:00:00Z'),
      cert('unused', false, '2027-01-01T00:00:00Z', '2026-12-20T00:00:00Z'),
    ]);
    const findings = certificateFindings(views, new Set(['shop/web-tls', 'shop/api-tls']), 14, now);
    expect(findings.map((f) => `${f.severity} ${f.text}`)).toEqual([
      'fail cert-manager Certificate shop/web (Secret shop/web-tls) is not Ready (Failed: order failed)',
      'warn cert-manager Certificate shop/api: its renewal time 2026-11-05T00:00:00Z has passed and it was not renewed',
    ]);
  });
  it('a notAfter within the threshold warns', () => {
    const findings = certificateFindings(
      certificateViews([cert('web', true, '2026-12-10T00:00:00Z', '2026-12-08T00:00:00Z')]),
      new Set(['shop/web-tls']),
      14,
      now,
    );
    expect(findings).toEqual([{ severity: 'warn', text: 'cert-manager Certificate shop/web: notAfter 2026-12-10T00:00:00Z is within 14 days' }]);
  });
});
