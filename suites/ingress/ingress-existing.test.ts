// The cluster's own TLS hosts judged from the served chain: the fallback certificate is named, an
// expired or nearly expired one is found.
import { describe, expect, it } from 'vitest';
import { existingTlsFindings } from './ingress-existing.ts';
import { issue, makeCa, makeLeaf } from './x509.ts';

describe('existing TLS hosts', () => {
  const now = new Date();
  const ca = makeCa('ca', now, 30);
  it('a fallback certificate that does not cover the host fails, naming it', () => {
    const fallback = issue({ commonName: 'TRAEFIK DEFAULT CERT', notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), isCa: false });
    const findings = existingTlsFindings(
      [{ ingress: 'shop/web', host: 'shop.example', sni: 'shop.example', secret: 'web-tls', served: { chain: [fallback.cert] } }],
      14,
      now,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe('fail');
    expect(findings[0]?.text).toContain('CN=TRAEFIK DEFAULT CERT');
    expect(findings[0]?.text).toContain('the controller’s fallback certificate');
    expect(findings[0]?.text).toContain('Secret web-tls');
  });
  it('a covering certificate passes; near expiry warns; no handshake fails', () => {
    const good = makeLeaf(ca, ['shop.example'], now, 20);
    const soon = makeLeaf(ca, ['*.apps.example'], now, 3);
    const findings = existingTlsFindings(
      [
        { ingress: 'a/b', host: 'shop.example', sni: 'shop.example', secret: 's', served: { chain: [good.cert] } },
        { ingress: 'a/c', host: '*.apps.example', sni: 'shakedown-probe.apps.example', secret: 's', served: { chain: [soon.cert] } },
        { ingress: 'a/d', host: 'x.example', sni: 'x.example', secret: 's', served: { chain: [], error: 'refused' } },
      ],
      14,
      now,
    );
    expect(findings.map((f) => f.severity)).toEqual(['warn', 'fail']);
    expect(findings[0]?.text).toMatch(/expires in 3\.0 days/);
  });
});
