// The route tables are data: every request names a host some object of its dialect serves (or
// waits for one that is), every expected backend exists, and hosts never leave the run's domain.
import { describe, expect, it } from 'vitest';
import {
  BACKENDS,
  GATEWAY_REWRITES,
  GATEWAY_ROUTES,
  NGINX_INGRESSES,
  NGINX_REWRITES,
  requestHost,
  ROUTING,
  ROUTING_INGRESSES,
  runDomain,
  TABLES,
} from './ingress-cases.ts';

const served = (pattern: string, host: string) =>
  pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && !host.slice(0, -pattern.length + 1).includes('.') : pattern === host;

describe('ingress cases', () => {
  const hostsOf = {
    [ROUTING.id]: ROUTING_INGRESSES.map((i) => i.host),
    [NGINX_REWRITES.id]: NGINX_INGRESSES.map((i) => i.host),
    [GATEWAY_REWRITES.id]: GATEWAY_ROUTES.map((r) => r.host),
  };
  const backends = new Set<string>(BACKENDS.map((b) => b.name));

  for (const table of TABLES) {
    it(`${table.id}: requests target served hosts and real backends`, () => {
      const hosts = hostsOf[table.id] ?? [];
      for (const kase of table.requests) {
        const label = kase.host.toLowerCase();
        const routed = hosts.some((h) => served(h, label));
        if (kase.expect.kind === 'backend') {
          expect(routed, `${kase.host}${kase.path}`).toBe(true);
          expect(backends.has(kase.expect.backend)).toBe(true);
        }
        if (!routed)
          expect(kase.after === undefined || hosts.some((h) => served(h, kase.after ?? '')), `${kase.host} waits for ${kase.after ?? ''}`).toBe(true);
        expect(kase.why.length).toBeGreaterThan(5);
      }
    });
  }

  it('names hosts under the run domain, upper case where a case asks for it', () => {
    const domain = runDomain('sd-20261203-abcdef');
    expect(requestHost({ host: 'exact', path: '/', expect: { kind: 'not-routed' }, why: 'x', level: 'spec' }, domain)).toBe(
      'exact.sd-20261203-abcdef.ingress.shakedown.test',
    );
    expect(requestHost({ host: 'EXACT', path: '/', expect: { kind: 'not-routed' }, why: 'x', level: 'spec' }, domain)).toBe(
      'EXACT.SD-20261203-ABCDEF.INGRESS.SHAKEDOWN.TEST',
    );
  });

  it('every Ingress path and HTTPRoute rule points at a declared backend', () => {
    for (const ing of [...ROUTING_INGRESSES, ...NGINX_INGRESSES]) for (const p of ing.paths) expect(backends.has(p.backend)).toBe(true);
    for (const route of GATEWAY_ROUTES) for (const rule of route.rules) if (rule.backend !== undefined) expect(backends.has(rule.backend)).toBe(true);
  });
});
