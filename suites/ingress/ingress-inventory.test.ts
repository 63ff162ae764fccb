// The inventory judged from plain objects: controllers found by image and arguments, one default
// class, a class whose controller is down, GatewayClasses not Accepted, a retired controller, and
// which dialects follow.
import type { V1Deployment, V1Ingress, V1IngressClass } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { detectControllers, imageRepository, judgeInventory, workloadsOf } from './ingress-inventory.ts';

const deployment = (name: string, image: string, args: string[], ready: number): V1Deployment => ({
  metadata: { name, namespace: name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { spec: { containers: [{ name, image, args }] } } },
  status: { readyReplicas: ready },
});
const cls = (name: string, controller: string, isDefault = false): V1IngressClass => ({
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller },
});
const traefikArgs = ['--providers.kubernetesIngress=true', '--providers.kubernetesIngressNGINX=true', '--providers.kubernetesGateway=true'];
const controllers = (ready: number, extra: V1Deployment[] = []) =>
  detectControllers(
    workloadsOf({
      deployments: [deployment('traefik', 'registry.local:5000/traefik:v3.7.10', traefikArgs, ready), ...extra],
      daemonSets: [],
      statefulSets: [],
    }),
  );
const accepted = { name: 'traefik', controllerName: 'traefik.io/gateway-controller', accepted: { status: 'True' } };

describe('ingress inventory', () => {
  it('reads the repository and tag of an image, without its registry', () => {
    expect(imageRepository('registry.local:5000/traefik:v3.7.10')).toEqual({ path: 'traefik', tag: 'v3.7.10' });
    expect(imageRepository('registry.k8s.io/ingress-nginx/controller:v1.12.1@sha256:abc')).toEqual({ path: 'ingress-nginx/controller', tag: 'v1.12.1' });
    expect(imageRepository('traefik')).toEqual({ path: 'traefik', tag: '' });
  });

  it('finds Traefik serving its class, the ingress-nginx class and its GatewayClass; all dialects present', () => {
    const inv = judgeInventory({
      classes: [cls('traefik', 'traefik.io/ingress-controller', true), cls('nginx', 'k8s.io/ingress-nginx')],
      ingresses: [],
      controllers: controllers(1),
      gatewayClasses: [accepted],
    });
    expect(inv.controllers[0]?.serves).toEqual(['traefik.io/ingress-controller', 'k8s.io/ingress-nginx', 'traefik.io/gateway-controller']);
    expect(inv.controllers[0]?.version).toBe('v3.7.10');
    expect(inv.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(inv.dialects.ingress?.name).toBe('traefik');
    expect(inv.dialects.ingressNginx?.name).toBe('nginx');
    expect(inv.dialects.gatewayApi?.name).toBe('traefik');
  });

  it('a controller scaled to zero fails naming it, and keeps its dialects so the routes are checked', () => {
    const inv = judgeInventory({
      classes: [cls('traefik', 'traefik.io/ingress-controller', true)],
      ingresses: [],
      controllers: controllers(0),
      gatewayClasses: [accepted],
    });
    const fails = inv.findings.filter((f) => f.severity === 'fail').map((f) => f.text);
    expect(fails.some((t) => t.includes('IngressClass traefik') && t.includes('Deployment traefik/traefik, 0/1 ready') && t.includes('no ready pod'))).toBe(
      true,
    );
    expect(fails.some((t) => t.includes('GatewayClass traefik'))).toBe(true);
    expect(inv.dialects.ingress?.name).toBe('traefik');
  });

  it('two defaults fail; no default warns, with Ingresses that name no class', () => {
    const two = judgeInventory({
      classes: [cls('a', 'traefik.io/ingress-controller', true), cls('b', 'traefik.io/ingress-controller', true)],
      ingresses: [],
      controllers: controllers(1),
      gatewayClasses: undefined,
    });
    expect(two.findings.some((f) => f.severity === 'fail' && f.text.includes('2 IngressClasses are marked default'))).toBe(true);
    const ing: V1Ingress = { metadata: { name: 'web', namespace: 'shop' }, spec: {} };
    const none = judgeInventory({
      classes: [cls('a', 'traefik.io/ingress-controller')],
      ingresses: [ing],
      controllers: controllers(1),
      gatewayClasses: undefined,
    });
    expect(
      none.findings
        .filter((f) => f.severity === 'warn')
        .map((f) => f.text)
        .join('\n'),
    ).toMatch(/no IngressClass is marked default[\s\S]*shop\/web/);
    expect(none.absent.gatewayApi).toContain('not installed');
  });

  it('ingress-nginx is a warning naming its retirement; an unaccepted GatewayClass fails with its reason', () => {
    const nginx = deployment('ingress-nginx', 'registry.k8s.io/ingress-nginx/controller:v1.12.1', [], 1);
    const inv = judgeInventory({
      classes: [cls('nginx', 'k8s.io/ingress-nginx', true)],
      ingresses: [],
      controllers: detectControllers(workloadsOf({ deployments: [nginx], daemonSets: [], statefulSets: [] })),
      gatewayClasses: [
        {
          name: 'eg',
          controllerName: 'gateway.envoyproxy.io/gatewayclass-controller',
          accepted: { status: 'False', reason: 'InvalidParameters', message: 'bad ref' },
        },
      ],
    });
    expect(inv.findings.some((f) => f.severity === 'warn' && f.text.includes('retired') && f.text.includes('March 2026'))).toBe(true);
    expect(inv.findings.some((f) => f.severity === 'fail' && f.text.includes('InvalidParameters'))).toBe(true);
    expect(inv.dialects.ingressNginx?.name).toBe('nginx');
    expect(inv.dialects.ingress?.name).toBe('nginx');
    expect(inv.absent.gatewayApi).toBe('no GatewayClass is Accepted');
  });

  it('a class no controller in the cluster serves is a warning, and no dialect', () => {
    const inv = judgeInventory({ classes: [cls('alb', 'ingress.k8s.aws/alb')], ingresses: [], controllers: [], gatewayClasses: [] });
    expect(inv.findings.some((f) => f.severity === 'warn' && f.text.includes('IngressClass alb'))).toBe(true);
    expect(inv.dialects.ingress).toBeUndefined();
    expect(inv.absent.ingressNginx).toContain('not spoken');
  });
});

describe('gatewayHttpsPort', () => {
  it('is the port of a Traefik entry point with TLS, else 443', async () => {
    const { gatewayHttpsPort } = await import('./ingress-inventory.ts');
    const args = ['--entryPoints.web.address=:8000', '--entryPoints.websecure.address=:8443', '--entryPoints.websecure.http.tls=true', ...traefikArgs];
    expect(
      gatewayHttpsPort(detectControllers(workloadsOf({ deployments: [deployment('traefik', 'traefik:v3.7.10', args, 1)], daemonSets: [], statefulSets: [] }))),
    ).toBe(8443);
    expect(gatewayHttpsPort([])).toBe(443);
  });
});
