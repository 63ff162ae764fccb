// The suite's world, built once per run and shared by its checks: the inventory (read-only), a
// namespace of its own with two agent pods (the backends), six Services onto them, the TLS Secret
// signed by the suite's own CA, the Ingresses of every dialect present and the HTTPRoute, and the
// entry point that answered from the runner. Everything lives in the suite's namespace, which the
// run's cleanup deletes; nothing cluster-scoped is created.
import { splitReplicas } from '../../helpers/objects/replicas.ts';
import type { V1Ingress, V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { CheckContext } from '../../helpers/engine/check.ts';
import { PROBE_LABEL } from '../../helpers/fleet/manifests.ts';
import type { OwnPods } from '../../helpers/fixtures/own-pods.ts';
import { statusCode } from '../../helpers/kube/api-errors.ts';
import { poll } from '../../helpers/wait/poll.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import { createService } from '../lib/services.ts';
import { BACKENDS, GATEWAY_ROUTES, hostOf, NGINX_INGRESSES, ROUTING_INGRESSES, runDomain, type HttpRouteSpec, type IngressSpec } from './ingress-cases.ts';
import { entryCandidates } from './ingress-entry.ts';
import {
  detectControllers,
  gatewayHttpsPort,
  judgeInventory,
  workloadsOf,
  type Controller,
  type GatewayClassView,
  type Inventory,
} from './ingress-inventory.ts';
import { callEntry, type EntryPoint } from './ingress-probe.ts';
import { backendOf, type BackendPods, type Seen } from './ingress-table.ts';
import { makeCa, makeLeaf, type Issued } from './x509.ts';

export const TLS_SECRET = 'suite-tls';
export const TLS_GATEWAY = 'suite-tls';
export const TLS_GATEWAY_HOST = 'tls-gw';
export const GW_GROUP = 'gateway.networking.k8s.io';

export interface GatewayRef {
  namespace: string;
  name: string;
  sectionName: string;
}

export interface World {
  namespace: string;
  domain: string;
  pods: BackendPods;
  inventory: Inventory;
  // performance.now() when the routes were applied.
  appliedAt: number;
  ingresses: string[];
  routes: string[];
  ca: Issued;
  leaf: Issued;
  gateway?: GatewayRef;
  gatewayAbsent?: string;
  // The suite's own Gateway with an HTTPS listener for TLS_GATEWAY_HOST (Secret TLS_SECRET).
  tlsGateway?: { name: string; port: number };
  tlsGatewayAbsent?: string;
  entry?: EntryPoint;
  // Every candidate tried from the runner and what it answered.
  tried: { entry: EntryPoint; seen: string }[];
  controllerPods: V1Pod[];
  controllerServices: V1Service[];
}

const labels = (runId: string) => ({ [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId });

export async function readInventory(c: CheckContext): Promise<Inventory> {
  const { session } = await c.cluster();
  const { networking, apps, custom, apiextensions } = session.clients;
  const gatewayApi = await apiextensions.readCustomResourceDefinition({ name: `gatewayclasses.${GW_GROUP}` }).then(
    () => true,
    (error: unknown) => {
      if (statusCode(error) === 404) return false;
      throw error;
    },
  );
  const [classes, ingresses, deployments, daemonSets, statefulSets, gatewayClasses] = await Promise.all([
    networking.listIngressClass(),
    networking.listIngressForAllNamespaces(),
    apps.listDeploymentForAllNamespaces(),
    apps.listDaemonSetForAllNamespaces(),
    apps.listStatefulSetForAllNamespaces(),
    gatewayApi
      ? (custom.listClusterCustomObject({ group: GW_GROUP, version: 'v1', plural: 'gatewayclasses' }) as Promise<{ items?: GatewayClassObject[] }>)
      : Promise.resolve(undefined),
  ]);
  const controllers = detectControllers(workloadsOf({ deployments: deployments.items, daemonSets: daemonSets.items, statefulSets: statefulSets.items }));
  return judgeInventory({
    classes: classes.items,
    ingresses: ingresses.items.filter((ing) => ing.metadata?.labels?.[RUN_ID_LABEL] === undefined),
    controllers,
    gatewayClasses: gatewayClasses === undefined ? undefined : (gatewayClasses.items ?? []).map(gatewayClassView),
  });
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

interface GatewayClassObject {
  metadata?: { name?: string };
  spec?: { controllerName?: string };
  status?: { conditions?: Condition[] };
}

interface GatewayObject {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    gatewayClassName?: string;
    listeners?: { name?: string; protocol?: string; port?: number; hostname?: string; allowedRoutes?: { namespaces?: { from?: string } } }[];
  };
}

function gatewayClassView(g: GatewayClassObject): GatewayClassView {
  const accepted = g.status?.conditions?.find((cond) => cond.type === 'Accepted');
  return {
    name: g.metadata?.name ?? '',
    controllerName: g.spec?.controllerName ?? '',
    accepted:
      accepted === undefined
        ? undefined
        : {
            status: accepted.status ?? '',
            ...(accepted.reason === undefined ? {} : { reason: accepted.reason }),
            ...(accepted.message === undefined ? {} : { message: accepted.message }),
          },
  };
}

// A Gateway of the class with an HTTP listener that admits routes from every namespace.
export function attachableGateway(gateways: readonly GatewayObject[], className: string): GatewayRef | undefined {
  for (const gw of gateways) {
    if (gw.spec?.gatewayClassName !== className) continue;
    const listener = gw.spec.listeners?.find((l) => l.protocol === 'HTTP' && l.hostname === undefined && l.allowedRoutes?.namespaces?.from === 'All');
    if (listener?.name !== undefined) return { namespace: gw.metadata?.namespace ?? '', name: gw.metadata?.name ?? '', sectionName: listener.name };
  }
  return undefined;
}

export function ingressObject(spec: IngressSpec, className: string, namespace: string, domain: string, runId: string): V1Ingress {
  const host = hostOf(spec.host, domain);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: spec.name, namespace, labels: labels(runId), ...(spec.annotations === undefined ? {} : { annotations: { ...spec.annotations } }) },
    spec: {
      ingressClassName: className,
      ...(spec.tls === true ? { tls: [{ hosts: [host], secretName: TLS_SECRET }] } : {}),
      rules: [
        {
          host,
          http: { paths: spec.paths.map((p) => ({ path: p.path, pathType: p.pathType, backend: { service: { name: p.backend, port: { number: 80 } } } })) },
        },
      ],
    },
  };
}

export function httpRouteObject(spec: HttpRouteSpec, gateway: GatewayRef, namespace: string, domain: string, runId: string): Record<string, unknown> {
  return {
    apiVersion: `${GW_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: spec.name, namespace, labels: labels(runId) },
    spec: {
      parentRefs: [{ group: GW_GROUP, kind: 'Gateway', name: gateway.name, namespace: gateway.namespace, sectionName: gateway.sectionName }],
      hostnames: [hostOf(spec.host, domain)],
      rules: spec.rules.map((rule) => ({
        matches: [{ path: rule.match }],
        ...(rule.filters.length === 0 ? {} : { filters: rule.filters }),
        ...(rule.backend === undefined ? {} : { backendRefs: [{ name: rule.backend, port: 80 }] }),
      })),
    },
  };
}

// A Gateway of the suite's own with one HTTPS listener for its TLS host, terminating with its Secret.
export function tlsGatewayObject(className: string, port: number, namespace: string, domain: string, runId: string): Record<string, unknown> {
  return {
    apiVersion: `${GW_GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name: TLS_GATEWAY, namespace, labels: labels(runId) },
    spec: {
      gatewayClassName: className,
      listeners: [
        {
          name: 'https',
          protocol: 'HTTPS',
          port,
          hostname: hostOf(TLS_GATEWAY_HOST, domain),
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', group: '', name: TLS_SECRET }] },
          allowedRoutes: { namespaces: { from: 'Same' } },
        },
      ],
    },
  };
}

// The controller pods and Services of the chosen controllers, for the entry point and evidence.
async function controllerObjects(c: CheckContext, controllers: readonly Controller[]): Promise<{ pods: V1Pod[]; services: V1Service[]; nodes: V1Node[] }> {
  const { core } = (await c.cluster()).session.clients;
  const namespaces = [...new Set(controllers.map((ctl) => ctl.namespace))];
  const pods: V1Pod[] = [];
  const services: V1Service[] = [];
  for (const namespace of namespaces) {
    const [podList, serviceList] = await Promise.all([core.listNamespacedPod({ namespace }), core.listNamespacedService({ namespace })]);
    // Pods being deleted (a rollout of the controller) are no entry point and no replica to judge.
    const selected = podList.items.filter((pod) =>
      controllers.some((ctl) => ctl.namespace === namespace && Object.entries(ctl.selector).every(([k, v]) => pod.metadata?.labels?.[k] === v)),
    );
    pods.push(...splitReplicas(selected).live);
    services.push(...serviceList.items);
  }
  return { pods, services, nodes: (await core.listNode()).items };
}

export function servingControllers(inv: Inventory): Controller[] {
  const classes = [inv.dialects.ingress, inv.dialects.ingressNginx].flatMap((cls) => cls?.servedBy ?? []);
  const gw = inv.gatewayClasses.find((g) => g.name === inv.dialects.gatewayApi?.name)?.servedBy ?? [];
  return [...new Map([...classes, ...gw].map((ctl) => [`${ctl.namespace}/${ctl.name}`, ctl])).values()];
}

export interface BuildOptions {
  override?: string;
  boundMs: number;
  probeMs: number;
}

export async function buildWorld(c: CheckContext, inventory: Inventory, own: OwnPods, options: BuildOptions): Promise<World> {
  const { session } = await c.cluster();
  const { core, networking, custom } = session.clients;
  const { runId } = c.run;
  const namespace = own.namespace;
  const domain = runDomain(runId);
  const [p0, p1] = [own.agents[0]?.name, own.agents[1]?.name ?? own.agents[0]?.name];
  if (p0 === undefined || p1 === undefined) throw new Error(`the suite's backend pods in ${namespace} did not come up`);
  const pods: BackendPods = { pods: [p0, p1] };
  await Promise.all(
    BACKENDS.map((b) =>
      createService(
        c,
        {
          name: b.name,
          selector: { ...c.run.fleet.selector, [PROBE_LABEL]: pods.pods[b.pod] },
          ports: [{ name: 'http', port: 80, targetPort: b.targetPort, protocol: 'TCP' }],
        },
        namespace,
      ),
    ),
  );
  const now = new Date();
  const ca = makeCa(`shakedown ingress CA ${runId}`, now, 2);
  const leaf = makeLeaf(ca, [hostOf('tls', domain), hostOf(TLS_GATEWAY_HOST, domain)], now, 1);
  await core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name: TLS_SECRET, namespace, labels: labels(runId) },
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': Buffer.from(leaf.certPem + ca.certPem).toString('base64'), 'tls.key': Buffer.from(leaf.keyPem).toString('base64') },
    },
  });
  let gateway: GatewayRef | undefined;
  let gatewayAbsent: string | undefined = inventory.absent.gatewayApi;
  if (inventory.dialects.gatewayApi !== undefined) {
    const list = (await custom.listClusterCustomObject({ group: GW_GROUP, version: 'v1', plural: 'gateways' })) as { items?: GatewayObject[] };
    gateway = attachableGateway(list.items ?? [], inventory.dialects.gatewayApi.name);
    if (gateway === undefined)
      gatewayAbsent = `no Gateway of class ${inventory.dialects.gatewayApi.name} has an HTTP listener without hostname that admits routes from all namespaces`;
  }
  const appliedAt = performance.now();
  const ingresses: V1Ingress[] = [];
  const specs = [
    ...(inventory.dialects.ingress === undefined ? [] : ROUTING_INGRESSES.map((spec) => ({ spec, cls: inventory.dialects.ingress?.name ?? '' }))),
    ...(inventory.dialects.ingressNginx === undefined ? [] : NGINX_INGRESSES.map((spec) => ({ spec, cls: inventory.dialects.ingressNginx?.name ?? '' }))),
  ];
  for (const { spec, cls } of specs) {
    const created = await networking.createNamespacedIngress({ namespace, body: ingressObject(spec, cls, namespace, domain, runId) });
    ingresses.push(created);
  }
  const routes: string[] = [];
  if (gateway !== undefined) {
    for (const spec of GATEWAY_ROUTES) {
      await custom.createNamespacedCustomObject({
        group: GW_GROUP,
        version: 'v1',
        namespace,
        plural: 'httproutes',
        body: httpRouteObject(spec, gateway, namespace, domain, runId),
      });
      routes.push(spec.name);
    }
  }
  let tlsGateway: World['tlsGateway'];
  let tlsGatewayAbsent: string | undefined = gatewayAbsent;
  if (inventory.dialects.gatewayApi !== undefined) {
    const className = inventory.dialects.gatewayApi.name;
    const port = gatewayHttpsPort(inventory.gatewayClasses.find((g) => g.name === className)?.servedBy ?? []);
    await custom.createNamespacedCustomObject({
      group: GW_GROUP,
      version: 'v1',
      namespace,
      plural: 'gateways',
      body: tlsGatewayObject(className, port, namespace, domain, runId),
    });
    await custom.createNamespacedCustomObject({
      group: GW_GROUP,
      version: 'v1',
      namespace,
      plural: 'httproutes',
      body: httpRouteObject(
        { name: TLS_GATEWAY_HOST, host: TLS_GATEWAY_HOST, rules: [{ match: { type: 'PathPrefix', value: '/' }, backend: 'be-c', filters: [] }] },
        { namespace, name: TLS_GATEWAY, sectionName: 'https' },
        namespace,
        domain,
        runId,
      ),
    });
    routes.push(TLS_GATEWAY_HOST);
    tlsGateway = { name: TLS_GATEWAY, port };
    tlsGatewayAbsent = undefined;
  }
  c.log(`applied ${ingresses.length} Ingress(es) and ${routes.length} HTTPRoute(s) in ${namespace} under ${domain}`);
  const controllers = servingControllers(inventory);
  const objects = await controllerObjects(c, controllers);
  const world: World = {
    namespace,
    domain,
    pods,
    inventory,
    appliedAt,
    ingresses: ingresses.map((i) => i.metadata?.name ?? ''),
    routes,
    ca,
    leaf,
    ...(gateway === undefined ? {} : { gateway }),
    ...(gatewayAbsent === undefined ? {} : { gatewayAbsent }),
    ...(tlsGateway === undefined ? {} : { tlsGateway }),
    ...(tlsGatewayAbsent === undefined ? {} : { tlsGatewayAbsent }),
    tried: [],
    controllerPods: objects.pods,
    controllerServices: objects.services,
  };
  const entry = await findEntry(c, world, { ...options, nodes: objects.nodes });
  return { ...world, ...(entry === undefined ? {} : { entry }) };
}

// Tries the candidates from the runner in rounds until one routes the suite's probe host to its
// backend (within the bound); else the first that gave any HTTP answer; else none. Six rounds in
// which no candidate answered at all end the search early: nothing listens there.
const ENTRY_INTERVAL_MS = 250;
const SILENT_ROUNDS = 6;

// done: the search is over, with the entry that routed (or none).
interface EntrySearch {
  done: boolean;
  entry?: EntryPoint;
}

async function findEntry(c: CheckContext, world: World, options: BuildOptions & { nodes: V1Node[] }): Promise<EntryPoint | undefined> {
  const { networking } = (await c.cluster()).session.clients;
  const host = hostOf(world.inventory.dialects.ingress === undefined ? 'gw' : 'exact', world.domain);
  let answering: EntryPoint | undefined;
  let round = 0;
  const search = async (): Promise<EntrySearch> => {
    const first = round++ === 0;
    const ingresses = world.ingresses.length === 0 ? [] : (await networking.listNamespacedIngress({ namespace: world.namespace })).items;
    const candidates = entryCandidates({
      ...(options.override === undefined ? {} : { override: options.override }),
      ingresses,
      pods: world.controllerPods,
      services: world.controllerServices,
      nodes: options.nodes,
    });
    if (candidates.length === 0) return { done: true };
    for (const entry of candidates) {
      const seen: Seen = await callEntry(entry, { host, path: '/', timeoutMs: Math.min(options.probeMs, 3000), signal: c.signal });
      if (first)
        world.tried.push({
          entry,
          seen: seen.error ?? `HTTP ${seen.status ?? '?'}${backendOf(seen, world.pods) === undefined ? '' : ` from ${backendOf(seen, world.pods)}`}`,
        });
      if (seen.status !== undefined && backendOf(seen, world.pods) !== undefined) {
        c.log(`entry point ${entry.address}:${entry.httpPort} (${entry.via}) routed ${host} after ${Math.round(performance.now() - world.appliedAt)}ms`);
        return { done: true, entry };
      }
      if (seen.status !== undefined) answering ??= entry;
    }
    return { done: answering === undefined && round >= SILENT_ROUNDS };
  };
  const found = await poll(search, (s) => s.done, { timeoutMs: options.boundMs, intervalMs: ENTRY_INTERVAL_MS, signal: c.signal });
  return found.value.done ? found.value.entry : answering;
}
