// The ingress suite declares itself: read by the engine for list, help, preflight and RBAC.
import { InvalidValue, boolean, duration, integer, quote, type ValueType } from '../../helpers/config-values.ts';
import { defineManifest, option } from '../../helpers/engine/manifest.ts';
import { parseAddress } from './ingress-entry.ts';

// --ingress-address as the suite reads it (ingress-entry.ts parseAddress): one it could not read
// used to be ignored silently, and the entry point looked for elsewhere.
function entryAddress(raw: string): string {
  const value = raw.trim();
  const entry = parseAddress(value);
  const ports = [entry?.httpPort, entry?.httpsPort];
  if (entry === undefined || !/^[^\s/]+$/.test(entry.address) || ports.some((port) => port === undefined || port < 1 || port > 65_535)) {
    throw new InvalidValue(`must be HOST, HOST:HTTP_PORT or HOST:HTTP_PORT:HTTPS_PORT (ports 1 to 65535, an IPv6 address in brackets), got ${quote(raw)}`);
  }
  return value;
}

const ingressAddress: ValueType<string> = {
  flag: { type: 'string' },
  shape: 'HOST[:HTTP[:HTTPS]]',
  expects: 'HOST, HOST:HTTP_PORT or HOST:HTTP_PORT:HTTPS_PORT',
  fromText: entryAddress,
  fromJson(value) {
    if (typeof value !== 'string') throw new InvalidValue(`must be a string such as "lb.example:8080", got ${value === null ? 'null' : typeof value}`);
    return entryAddress(value);
  },
};

const GW = { group: 'gateway.networking.k8s.io' } as const;
const NET = { group: 'networking.k8s.io' } as const;

export default defineManifest({
  name: 'ingress',
  description: 'Ingress and Gateway API: classes and controllers, entry point, routing, rewrites per dialect, the certificate served, propagation',
  checks: {
    inventory: {
      title: 'inventory: classes, controllers and dialects',
      description:
        'exactly one default IngressClass, every class and GatewayClass served by a running controller (Accepted), retired controllers named, the dialects this cluster speaks',
    },
    entryPoint: {
      title: 'entry point: reached from the runner and from the cluster',
      description:
        'the controller is found behind --ingress-address, an Ingress status, its Service (LoadBalancer, NodePort, ClusterIP) or host ports; one route answers from the runner (Host header and SNI set per request) and from a probe pod',
      timeoutMs: 240_000,
    },
    routing: {
      title: 'routing: hosts, path types, longest match',
      description:
        'exact and one-label wildcard hosts, Exact / Prefix / ImplementationSpecific (/aaa does not match /aaaccc, trailing slash, case), the longest match, an unknown host, two Ingresses on one host',
      timeoutMs: 300_000,
    },
    nginxRewrites: {
      title: 'rewrites: ingress-nginx annotations',
      description:
        'rewrite-target with capture groups and query strings, use-regex with and without $, app-root (status and Location), the regex bleed between Ingresses of one host: request path -> path the backend sees',
      timeoutMs: 300_000,
    },
    gatewayRewrites: {
      title: 'rewrites: Gateway API HTTPRoute filters',
      description:
        'URLRewrite ReplacePrefixMatch and ReplaceFullPath, hostname rewrite, RequestHeaderModifier, RequestRedirect (status and exact Location), on an HTTPRoute attached to the cluster’s Gateway',
      timeoutMs: 300_000,
    },
    ingressTls: {
      title: 'TLS: the Secret’s certificate is served for its host',
      description:
        'an Ingress TLS host with a certificate made by the suite (its own CA): the served certificate is the Secret’s, its chain verifies, its SAN covers the host; what no SNI and an unknown SNI get is reported',
      timeoutMs: 300_000,
    },
    gatewayTls: {
      title: 'TLS: a Gateway HTTPS listener serves its Secret',
      description:
        'a Gateway of the suite’s own with an HTTPS listener for its host and the same Secret, an HTTPRoute behind it: the served certificate is the Secret’s, the chain verifies, HTTPS reaches the backend',
      timeoutMs: 300_000,
    },
    propagation: {
      title: 'propagation: applied to 3 right answers in a row',
      description: 'per route, the time from applying its objects to the first of 3 consecutive right answers, within --ingress-bound',
      timeoutMs: 300_000,
    },
    existingRoutes: {
      title: 'existing routes: served certificates (--ingress-existing)',
      description:
        'opt-in, read-only: for every TLS host of the cluster’s own Ingresses, the certificate served covers the host, is not expired and not near expiry; cert-manager Certificates behind them are Ready and renewed; each backend Service has ready endpoints',
      timeoutMs: 240_000,
    },
  },
  options: {
    address: option<string, undefined>({
      key: 'ingressAddress',
      flag: 'ingress-address',
      env: 'SHAKEDOWN_INGRESS_ADDRESS',
      type: ingressAddress,
      default: undefined,
      describe:
        'where the ingress controller is reached from this machine: HOST, HOST:HTTP_PORT or HOST:HTTP_PORT:HTTPS_PORT (default: found from Ingress status, the controller Service or its host ports)',
    }),
    bound: option({
      key: 'ingressBound',
      flag: 'ingress-bound',
      env: 'SHAKEDOWN_INGRESS_BOUND',
      type: duration(5000, 600_000),
      default: 60_000,
      describe: 'how long a new route may take to answer right 3 times in a row before it counts as a failure',
    }),
    existing: option({
      key: 'ingressExisting',
      flag: 'ingress-existing',
      env: 'SHAKEDOWN_INGRESS_EXISTING',
      type: boolean,
      default: false,
      describe: 'also check the cluster’s own Ingresses (read-only: a TLS handshake per TLS host, endpoints of each backend Service; no request is sent)',
    }),
    certDays: option({
      key: 'ingressCertDays',
      flag: 'ingress-cert-days',
      env: 'SHAKEDOWN_INGRESS_CERT_DAYS',
      type: integer(0, 3650),
      default: 14,
      describe: 'existing routes: a served certificate with fewer days left than this is a warning',
    }),
  },
  permissions: [
    { verb: 'list', resource: 'ingressclasses', ...NET, scope: 'cluster', why: 'the IngressClasses, their default and their controllers' },
    { verb: 'list', resource: 'ingresses', ...NET, scope: 'cluster', why: 'Ingresses without a class; with --ingress-existing, the TLS hosts to check' },
    { verb: 'list', resource: 'gatewayclasses', ...GW, scope: 'cluster', why: 'the GatewayClasses and their Accepted condition' },
    { verb: 'list', resource: 'gateways', ...GW, scope: 'cluster', why: 'a Gateway with an HTTP listener the suite’s HTTPRoute can attach to' },
    {
      verb: 'list',
      resource: 'deployments',
      group: 'apps',
      scope: 'cluster',
      why: 'finding the ingress and Gateway controllers, their versions and ready replicas',
    },
    { verb: 'list', resource: 'daemonsets', group: 'apps', scope: 'cluster', why: 'finding the ingress and Gateway controllers' },
    { verb: 'list', resource: 'statefulsets', group: 'apps', scope: 'cluster', why: 'finding the ingress and Gateway controllers' },
    { verb: 'list', resource: 'pods', scope: 'cluster', why: 'the controller pods: host ports, nodes, readiness' },
    { verb: 'get', resource: 'pods', subresource: 'log', scope: 'cluster', why: 'evidence on failures: the log tail of the controller pods' },
    { verb: 'list', resource: 'services', scope: 'cluster', why: 'the controller Service (LoadBalancer, NodePort, ClusterIP) as an entry point' },
    { verb: 'list', resource: 'nodes', scope: 'cluster', why: 'node addresses for NodePorts and host ports' },
    { verb: 'list', resource: 'events', scope: 'cluster', why: 'evidence on failures: events of the Ingresses, HTTPRoutes and controller pods' },
    {
      verb: 'list',
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      scope: 'cluster',
      why: 'waiting for the backends; with --ingress-existing, ready endpoints of each backend Service',
    },
    {
      verb: 'get',
      resource: 'customresourcedefinitions',
      group: 'apiextensions.k8s.io',
      scope: 'cluster',
      why: 'whether the Gateway API and cert-manager are installed',
    },
    {
      verb: 'list',
      resource: 'certificates',
      group: 'cert-manager.io',
      scope: 'cluster',
      why: 'with --ingress-existing and cert-manager installed: Ready, notAfter and renewal of the Certificates behind Ingress TLS Secrets',
    },
    { verb: 'create', resource: 'services', scope: 'run', why: 'the backend Services of the routes under test' },
    { verb: 'get', resource: 'services', scope: 'run', why: 'evidence on failures' },
    { verb: 'create', resource: 'secrets', scope: 'run', why: 'the TLS Secret made by the suite (its own CA)' },
    { verb: 'create', resource: 'ingresses', ...NET, scope: 'run', why: 'the Ingresses under test' },
    { verb: 'get', resource: 'ingresses', ...NET, scope: 'run', why: 'the status the controller writes (entry point, evidence)' },
    { verb: 'create', resource: 'httproutes', ...GW, scope: 'run', why: 'the HTTPRoutes under test' },
    { verb: 'create', resource: 'gateways', ...GW, scope: 'run', why: 'a Gateway of the suite’s own with an HTTPS listener and its TLS Secret' },
    { verb: 'get', resource: 'gateways', ...GW, scope: 'run', why: 'the Gateway status (Accepted, Programmed) for evidence' },
    { verb: 'get', resource: 'httproutes', ...GW, scope: 'run', why: 'the Route status (Accepted, ResolvedRefs) for evidence' },
  ],
  setup: ['fleet', 'namespaces'],
  exclusive: false,
  images: [],
});
