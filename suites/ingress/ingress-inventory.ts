// The ingress inventory, judged from what the API server lists: IngressClasses (exactly one
// default, each one's controller running), GatewayClasses and their Accepted condition, the
// controllers found by their images and arguments (with their versions and ready replicas), the
// Ingresses that name no class, and which dialects the cluster therefore speaks. Pure: the suite
// lists, this judges; unit-tested with plain objects.
import type { V1DaemonSet, V1Deployment, V1Ingress, V1IngressClass, V1StatefulSet } from '@kubernetes/client-node';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
export const INGRESS_NGINX_CONTROLLER = 'k8s.io/ingress-nginx';

export interface KnownController {
  // A short name for reports.
  product: string;
  // The image's repository path (without registry) ends with one of these.
  images: readonly string[];
  // The IngressClass spec.controller / GatewayClass controllerName values it serves, given its args.
  ingressControllers: (args: readonly string[]) => string[];
  gatewayControllers: (args: readonly string[]) => string[];
  // Retired or end-of-life: a warning naming it.
  retired?: string;
}

const argOn = (args: readonly string[], flag: string): boolean =>
  args.some((arg) => arg.toLowerCase() === `--${flag.toLowerCase()}` || arg.toLowerCase() === `--${flag.toLowerCase()}=true`);
const argValue = (args: readonly string[], flag: string): string | undefined =>
  args
    .find((arg) => arg.toLowerCase().startsWith(`--${flag.toLowerCase()}=`))
    ?.split('=')
    .slice(1)
    .join('=');

export const KNOWN_CONTROLLERS: readonly KnownController[] = [
  {
    product: 'Traefik',
    images: ['traefik'],
    ingressControllers: (args) => [
      ...(argOn(args, 'providers.kubernetesIngress') ? ['traefik.io/ingress-controller'] : []),
      ...(argOn(args, 'providers.kubernetesIngressNGINX')
        ? [argValue(args, 'providers.kubernetesIngressNGINX.controllerClass') ?? INGRESS_NGINX_CONTROLLER]
        : []),
    ],
    gatewayControllers: (args) => (argOn(args, 'providers.kubernetesGateway') ? ['traefik.io/gateway-controller'] : []),
  },
  {
    product: 'ingress-nginx',
    images: ['ingress-nginx/controller', 'ingress-nginx/controller-chroot'],
    ingressControllers: (args) => [argValue(args, 'controller-class') ?? INGRESS_NGINX_CONTROLLER],
    gatewayControllers: () => [],
    retired:
      'ingress-nginx is retired: best-effort maintenance ended in March 2026, with no further releases or security fixes; its maintainers point users to a Gateway API implementation',
  },
  {
    product: 'NGINX Ingress Controller (NGINX Inc)',
    images: ['nginx/nginx-ingress', 'nginx-ic/nginx-ingress', 'nginx-plus-ingress'],
    ingressControllers: (args) => [argValue(args, 'ingress-class') === undefined ? 'nginx.org/ingress-controller' : 'nginx.org/ingress-controller'],
    gatewayControllers: () => [],
  },
  {
    product: 'Envoy Gateway',
    images: ['envoyproxy/gateway'],
    ingressControllers: () => [],
    gatewayControllers: () => ['gateway.envoyproxy.io/gatewayclass-controller'],
  },
  {
    product: 'HAProxy Ingress',
    images: ['haproxytech/kubernetes-ingress', 'jcmoraisjr/haproxy-ingress'],
    ingressControllers: () => ['haproxy.org/ingress-controller', 'haproxy-ingress.github.io/controller'],
    gatewayControllers: () => [],
  },
  {
    product: 'Contour',
    images: ['projectcontour/contour'],
    ingressControllers: () => ['projectcontour.io/ingress-controller'],
    gatewayControllers: () => ['projectcontour.io/gateway-controller'],
  },
];

export interface Workload {
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet';
  namespace: string;
  name: string;
  image: string;
  args: readonly string[];
  desired: number;
  ready: number;
  selector: Readonly<Record<string, string>>;
}

export interface Controller extends Workload {
  product: string;
  version: string;
  serves: string[];
  retired?: string;
}

export function workloadsOf(items: { deployments: V1Deployment[]; daemonSets: V1DaemonSet[]; statefulSets: V1StatefulSet[] }): Workload[] {
  const out: Workload[] = [];
  const add = (kind: Workload['kind'], item: V1Deployment | V1DaemonSet | V1StatefulSet, desired: number, ready: number) => {
    for (const container of item.spec?.template.spec?.containers ?? []) {
      out.push({
        kind,
        namespace: item.metadata?.namespace ?? '',
        name: item.metadata?.name ?? '',
        image: container.image ?? '',
        args: [...(container.command ?? []), ...(container.args ?? [])],
        desired,
        ready,
        selector: item.spec?.selector.matchLabels ?? {},
      });
    }
  };
  for (const d of items.deployments) add('Deployment', d, d.spec?.replicas ?? 1, d.status?.readyReplicas ?? 0);
  for (const d of items.daemonSets) add('DaemonSet', d, d.status?.desiredNumberScheduled ?? 0, d.status?.numberReady ?? 0);
  for (const s of items.statefulSets) add('StatefulSet', s, s.spec?.replicas ?? 1, s.status?.readyReplicas ?? 0);
  return out;
}

export function imageRepository(image: string): { path: string; tag: string } {
  const noDigest = image.split('@', 1)[0] ?? image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const tag = colon > slash ? noDigest.slice(colon + 1) : '';
  const repo = colon > slash ? noDigest.slice(0, colon) : noDigest;
  const parts = repo.split('/');
  // Drop a registry host (has a dot or a port, or is localhost).
  if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0] ?? '')) parts.shift();
  return { path: parts.join('/'), tag };
}

export function detectControllers(workloads: readonly Workload[]): Controller[] {
  const found: Controller[] = [];
  for (const w of workloads) {
    const { path, tag } = imageRepository(w.image);
    const known = KNOWN_CONTROLLERS.find((k) => k.images.some((suffix) => path === suffix || path.endsWith(`/${suffix}`)));
    if (known === undefined) continue;
    found.push({
      ...w,
      product: known.product,
      version: tag || 'unknown',
      serves: [...known.ingressControllers(w.args), ...known.gatewayControllers(w.args)],
      ...(known.retired === undefined ? {} : { retired: known.retired }),
    });
  }
  return found;
}

export interface GatewayClassView {
  name: string;
  controllerName: string;
  accepted: { status: string; reason?: string; message?: string } | undefined;
}

export type Severity = 'fail' | 'warn' | 'info';

export interface Finding {
  severity: Severity;
  text: string;
}

export interface ClassView {
  name: string;
  controller: string;
  isDefault: boolean;
  // The controllers found that serve it (none: unknown, perhaps outside the cluster).
  servedBy: Controller[];
}

export interface Inventory {
  classes: ClassView[];
  gatewayClasses: (GatewayClassView & { servedBy: Controller[] })[];
  controllers: Controller[];
  classless: string[];
  findings: Finding[];
  dialects: { ingress?: ClassView; ingressNginx?: ClassView; gatewayApi?: GatewayClassView };
  // Why a dialect is absent, for the skips.
  absent: { ingress?: string; ingressNginx?: string; gatewayApi?: string };
}

const isDefault = (c: V1IngressClass) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
const running = (c: ClassView | { servedBy: Controller[] }) => c.servedBy.some((ctl) => ctl.ready > 0);
const describeCtl = (ctl: Controller) => `${ctl.product} ${ctl.version} (${ctl.kind} ${ctl.namespace}/${ctl.name}, ${ctl.ready}/${ctl.desired} ready)`;

export function judgeInventory(input: {
  classes: V1IngressClass[];
  gatewayClasses: GatewayClassView[] | undefined;
  ingresses: V1Ingress[];
  controllers: Controller[];
}): Inventory {
  const findings: Finding[] = [];
  const classes: ClassView[] = input.classes.map((c) => ({
    name: c.metadata?.name ?? '',
    controller: c.spec?.controller ?? '',
    isDefault: isDefault(c),
    servedBy: input.controllers.filter((ctl) => ctl.serves.includes(c.spec?.controller ?? '')),
  }));
  const defaults = classes.filter((c) => c.isDefault);
  if (defaults.length > 1)
    findings.push({
      severity: 'fail',
      text: `${defaults.length} IngressClasses are marked default (${defaults.map((c) => c.name).join(', ')}): the API server refuses new Ingresses without a class`,
    });
  if (classes.length > 0 && defaults.length === 0)
    findings.push({
      severity: 'warn',
      text: `no IngressClass is marked default (${DEFAULT_CLASS_ANNOTATION}): an Ingress without ingressClassName is served by no controller`,
    });
  for (const c of classes) {
    if (c.servedBy.length === 0)
      findings.push({ severity: 'warn', text: `IngressClass ${c.name}: no controller for ${c.controller} was found in the cluster (it may run elsewhere)` });
    else if (!running(c))
      findings.push({ severity: 'fail', text: `IngressClass ${c.name}: its controller ${c.servedBy.map(describeCtl).join(', ')} has no ready pod` });
  }
  const classNames = new Set(classes.map((c) => c.name));
  const classless: string[] = [];
  for (const ing of input.ingresses) {
    const named = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
    const ref = `${ing.metadata?.namespace ?? ''}/${ing.metadata?.name ?? ''}`;
    if (named === undefined || named === '') classless.push(ref);
    else if (!classNames.has(named) && ing.metadata?.annotations?.['kubernetes.io/ingress.class'] === undefined)
      findings.push({ severity: 'warn', text: `Ingress ${ref} names IngressClass ${named}, which does not exist` });
  }
  if (classless.length > 0 && defaults.length !== 1)
    findings.push({
      severity: 'warn',
      text: `${classless.length} Ingress(es) name no class and there is no single default class: ${classless.slice(0, 10).join(', ')}`,
    });
  const gatewayClasses = (input.gatewayClasses ?? []).map((g) => ({
    ...g,
    servedBy: input.controllers.filter((ctl) => ctl.serves.includes(g.controllerName)),
  }));
  for (const g of gatewayClasses) {
    if (g.accepted?.status !== 'True')
      findings.push({
        severity: 'fail',
        text: `GatewayClass ${g.name} (${g.controllerName}) is not Accepted: ${g.accepted === undefined ? 'no Accepted condition (no controller has looked at it)' : `${g.accepted.reason ?? ''} ${g.accepted.message ?? ''}`.trim()}`,
      });
    else if (g.servedBy.length > 0 && !running(g))
      findings.push({ severity: 'fail', text: `GatewayClass ${g.name}: its controller ${g.servedBy.map(describeCtl).join(', ')} has no ready pod` });
  }
  for (const ctl of input.controllers) if (ctl.retired !== undefined) findings.push({ severity: 'warn', text: `${describeCtl(ctl)}: ${ctl.retired}` });
  for (const ctl of input.controllers)
    findings.push({ severity: 'info', text: `controller ${describeCtl(ctl)} serves ${ctl.serves.join(', ') || 'nothing it says'}` });

  // A dialect is present when a class names a controller found in the cluster (or is the default):
  // a controller that is found but down keeps its dialect, so the route checks run and fail naming it.
  const known = (c: ClassView) => c.servedBy.length > 0;
  const nginxClass = classes.find((c) => c.controller === INGRESS_NGINX_CONTROLLER && known(c));
  const ingressClass = defaults[0] ?? classes.find((c) => known(c) && c !== nginxClass) ?? nginxClass;
  const gatewayClass = gatewayClasses.find((g) => g.accepted?.status === 'True');
  const absent: Inventory['absent'] = {};
  if (ingressClass === undefined)
    absent.ingress =
      classes.length === 0
        ? 'the cluster has no IngressClass'
        : `no IngressClass is the default or has a controller found in the cluster (${classes.map((c) => `${c.name}: ${c.controller}`).join(', ')})`;
  if (nginxClass === undefined)
    absent.ingressNginx = classes.some((c) => c.controller === INGRESS_NGINX_CONTROLLER)
      ? `the IngressClass of ${INGRESS_NGINX_CONTROLLER} has no controller found in the cluster`
      : `no IngressClass is served by ${INGRESS_NGINX_CONTROLLER} (ingress-nginx annotations are not spoken here)`;
  if (gatewayClass === undefined)
    absent.gatewayApi =
      input.gatewayClasses === undefined
        ? 'the Gateway API is not installed (no gateway.networking.k8s.io CRDs)'
        : gatewayClasses.length === 0
          ? 'no GatewayClass exists'
          : 'no GatewayClass is Accepted';
  return {
    classes,
    gatewayClasses,
    controllers: input.controllers,
    classless,
    findings,
    dialects: {
      ...(ingressClass === undefined ? {} : { ingress: ingressClass }),
      ...(nginxClass === undefined ? {} : { ingressNginx: nginxClass }),
      ...(gatewayClass === undefined ? {} : { gatewayApi: gatewayClass }),
    },
    absent,
  };
}

export function inventoryText(inv: Inventory): string {
  return [
    'IngressClasses:',
    ...inv.classes.map(
      (c) => `  ${c.name}${c.isDefault ? ' (default)' : ''}: ${c.controller} <- ${c.servedBy.map(describeCtl).join(', ') || 'no controller found'}`,
    ),
    'GatewayClasses:',
    ...inv.gatewayClasses.map(
      (g) => `  ${g.name}: ${g.controllerName}, Accepted=${g.accepted?.status ?? 'unknown'}${g.accepted?.reason ? ` (${g.accepted.reason})` : ''}`,
    ),
    'controllers:',
    ...inv.controllers.map((ctl) => `  ${describeCtl(ctl)}: ${ctl.serves.join(', ')}`),
    `dialects: ${[inv.dialects.ingress ? `Ingress (class ${inv.dialects.ingress.name})` : '', inv.dialects.ingressNginx ? `ingress-nginx annotations (class ${inv.dialects.ingressNginx.name})` : '', inv.dialects.gatewayApi ? `Gateway API (class ${inv.dialects.gatewayApi.name})` : ''].filter(Boolean).join(', ') || 'none'}`,
  ].join('\n');
}

// The port a Gateway listener must name to be served over HTTPS by this controller: Traefik maps a
// listener to the entry point listening on that port (an entry point with TLS for HTTPS); other
// controllers listen on the listener's port itself (443).
export function gatewayHttpsPort(controllers: readonly Controller[]): number {
  for (const ctl of controllers) {
    if (ctl.product !== 'Traefik') continue;
    const tls = ctl.args.map((arg) => /^--entrypoints\.([^.=]+)\.http\.tls(=true)?$/i.exec(arg)?.[1]).filter((name) => name !== undefined);
    for (const name of tls) {
      const address = argValue(ctl.args, `entryPoints.${name}.address`);
      const port = Number(/:(\d+)(\/\w+)?$/.exec(address ?? '')?.[1]);
      if (Number.isInteger(port) && port > 0) return port;
    }
  }
  return 443;
}
