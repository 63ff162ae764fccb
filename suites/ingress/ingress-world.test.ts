// The objects the suite applies, as data: Ingresses of a class with the suite's TLS Secret, an
// HTTPRoute on the chosen Gateway listener, the suite's own HTTPS Gateway; and which Gateway a
// route may attach to.
import { describe, expect, it } from 'vitest';
import { GATEWAY_ROUTES, NGINX_INGRESSES, ROUTING_INGRESSES, runDomain } from './ingress-cases.ts';
import { attachableGateway, httpRouteObject, ingressObject, TLS_SECRET, tlsGatewayObject } from './ingress-world.ts';

const runId = 'sd-20261203-abcdef';
const domain = runDomain(runId);

describe('ingress world objects', () => {
  it('an Ingress carries the class, host, paths, annotations, TLS and the run label', () => {
    const tls = ingressObject(ROUTING_INGRESSES.find((i) => i.name === 'tls') ?? ROUTING_INGRESSES[0]!, 'traefik', 'ns', domain, runId);
    expect(tls.spec?.ingressClassName).toBe('traefik');
    expect(tls.spec?.tls).toEqual([{ hosts: [`tls.${domain}`], secretName: TLS_SECRET }]);
    expect(tls.metadata?.labels?.['shakedown.dev/run-id']).toBe(runId);
    const rewrite = ingressObject(NGINX_INGRESSES[0]!, 'nginx', 'ns', domain, runId);
    expect(rewrite.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target']).toBe('/$2');
    expect(rewrite.spec?.rules?.[0]?.http?.paths[0]).toEqual({
      path: '/something(/|$)(.*)',
      pathType: 'ImplementationSpecific',
      backend: { service: { name: 'be-a', port: { number: 80 } } },
    });
    const wild = ingressObject(
      ROUTING_INGRESSES.find((i) => i.name === 'host-wild')!,
      'traefik',
      'ns',
      domain,
      runId,
    );
    expect(wild.spec?.rules?.[0]?.host).toBe(`*.wild.${domain}`);
  });

  it('an HTTPRoute attaches to the listener and keeps rules without a backend (redirects)', () => {
    const route = httpRouteObject(GATEWAY_ROUTES[0]!, { namespace: 'traefik', name: 'traefik', sectionName: 'web' }, 'ns', domain, runId) as {
      spec: { parentRefs: unknown[]; hostnames: string[]; rules: { backendRefs?: unknown[]; filters?: unknown[] }[] };
    };
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'traefik', namespace: 'traefik', sectionName: 'web' }]);
    expect(route.spec.hostnames).toEqual([`gw.${domain}`]);
    expect(route.spec.rules.filter((r) => r.backendRefs === undefined)).toHaveLength(2);
    expect(route.spec.rules.at(-1)?.filters).toBeUndefined();
  });

  it('the suite’s own Gateway terminates TLS for its host with the Secret', () => {
    const gw = tlsGatewayObject('traefik', 8443, 'ns', domain, runId) as {
      spec: { listeners: { port: number; hostname: string; tls: { certificateRefs: { name: string }[] } }[] };
    };
    expect(gw.spec.listeners[0]).toMatchObject({ port: 8443, hostname: `tls-gw.${domain}`, tls: { certificateRefs: [{ name: TLS_SECRET }] } });
  });

  it('attaches only to an HTTP listener without hostname that admits routes from all namespaces', () => {
    const gateways = [
      {
        metadata: { name: 'other', namespace: 'a' },
        spec: { gatewayClassName: 'other', listeners: [{ name: 'web', protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
      },
      {
        metadata: { name: 'same', namespace: 'b' },
        spec: { gatewayClassName: 'traefik', listeners: [{ name: 'web', protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }] },
      },
      {
        metadata: { name: 'traefik', namespace: 'traefik' },
        spec: {
          gatewayClassName: 'traefik',
          listeners: [
            { name: 'tls', protocol: 'HTTPS' },
            { name: 'web', protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } },
          ],
        },
      },
    ];
    expect(attachableGateway(gateways, 'traefik')).toEqual({ namespace: 'traefik', name: 'traefik', sectionName: 'web' });
    expect(attachableGateway(gateways.slice(0, 2), 'traefik')).toBeUndefined();
  });
});
