// The ingress suite's cases as data: the backends (Services onto the suite's own agent pods, told
// apart by pod and port), the objects each dialect applies (Ingresses of a class, HTTPRoutes), and
// the requests sent through the entry point with what must come back. Nothing here touches the
// cluster; ingress-world.ts turns it into objects, ingress-table.ts judges the answers.
//
// Hosts are labels under the run's own domain (hostOf), so two runs never share a route.

export type Dialect = 'ingress' | 'ingress-nginx' | 'gateway-api';

// A Service of the suite: port 80 onto one agent pod's echo port. Six distinct answers from two
// pods x three echo ports, so every route says which rule matched.
export interface BackendSpec {
  name: string;
  pod: 0 | 1;
  targetPort: 8080 | 8081 | 8082;
}

export const BACKENDS = [
  { name: 'be-a', pod: 0, targetPort: 8080 },
  { name: 'be-b', pod: 0, targetPort: 8081 },
  { name: 'be-c', pod: 0, targetPort: 8082 },
  { name: 'be-d', pod: 1, targetPort: 8080 },
  { name: 'be-e', pod: 1, targetPort: 8081 },
  { name: 'be-f', pod: 1, targetPort: 8082 },
] as const satisfies readonly BackendSpec[];

export type Backend = (typeof BACKENDS)[number]['name'];

export function hostOf(label: string, domain: string): string {
  return `${label}.${domain}`;
}

// The run's domain: never resolved, only sent as Host and SNI.
export function runDomain(runId: string): string {
  return `${runId}.ingress.shakedown.test`;
}

export interface PathRule {
  path: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: Backend;
}

export interface IngressSpec {
  name: string;
  // 'default': the IngressClass of the dialect; ingress-nginx annotations go to its class.
  dialect: 'ingress' | 'ingress-nginx';
  // A label under the run's domain; '*.x' for a wildcard host.
  host: string;
  paths: readonly PathRule[];
  annotations?: Readonly<Record<string, string>>;
  // TLS for the host, with the suite's Secret.
  tls?: boolean;
}

// What must come back for one request.
export type Expect =
  // The backend answered; it saw this path (default: the request path, query included) and Host.
  | { kind: 'backend'; backend: Backend; path?: string; host?: string; headers?: Readonly<Record<string, string | null>> }
  // None of the suite's backends answered (404, or the controller's default backend).
  | { kind: 'not-routed' }
  // A redirect with this status and Location (absolute, or relative to the request URL).
  | { kind: 'redirect'; status: number; location: string };

export interface RequestCase {
  // The host label (under the run's domain) or a full Host header when it contains ':' or uppercase.
  host: string;
  path: string;
  headers?: Readonly<Record<string, string>>;
  expect: Expect;
  // Why this expectation: the rule of the spec or the dialect it proves.
  why: string;
  // What the case is about: 'spec' cases must hold on any conformant controller (the Ingress spec,
  // Gateway API core features); 'dialect' cases are the documented semantics of a dialect or of an
  // extended (optional) Gateway API feature such as URLRewrite, and a controller that differs is
  // reported as a difference (a warning with the table), not a failure of the cluster.
  level: 'spec' | 'dialect';
  // The host label whose routes must answer first (for hosts no rule names, so a 404 before the
  // controller has read the Ingresses does not count); default the case's own host.
  after?: string;
}

export interface RouteTable {
  // The check this table belongs to.
  id: 'routing' | 'rewrites-ingress-nginx' | 'rewrites-gateway-api';
  dialect: Dialect;
  requests: readonly RequestCase[];
}

const b = (backend: Backend, path?: string, extra: Omit<Extract<Expect, { kind: 'backend' }>, 'kind' | 'backend' | 'path'> = {}): Expect => ({
  kind: 'backend',
  backend,
  ...(path === undefined ? {} : { path }),
  ...extra,
});
const none: Expect = { kind: 'not-routed' };

// Routing under the Ingress spec (IngressClass of the controller, no annotations).
export const ROUTING_INGRESSES: readonly IngressSpec[] = [
  {
    name: 'paths',
    dialect: 'ingress',
    host: 'paths',
    paths: [
      { path: '/exact', pathType: 'Exact', backend: 'be-a' },
      { path: '/aaa', pathType: 'Prefix', backend: 'be-b' },
      { path: '/aaa/deep', pathType: 'Prefix', backend: 'be-c' },
      { path: '/trail/', pathType: 'Prefix', backend: 'be-d' },
      { path: '/impl', pathType: 'ImplementationSpecific', backend: 'be-e' },
      { path: '/', pathType: 'Prefix', backend: 'be-f' },
    ],
  },
  { name: 'host-exact', dialect: 'ingress', host: 'exact', paths: [{ path: '/', pathType: 'Prefix', backend: 'be-a' }] },
  { name: 'host-wild', dialect: 'ingress', host: '*.wild', paths: [{ path: '/', pathType: 'Prefix', backend: 'be-b' }] },
  { name: 'share-one', dialect: 'ingress', host: 'share', paths: [{ path: '/one', pathType: 'Prefix', backend: 'be-c' }] },
  { name: 'share-two', dialect: 'ingress', host: 'share', paths: [{ path: '/two', pathType: 'Prefix', backend: 'be-d' }] },
  { name: 'tls', dialect: 'ingress', host: 'tls', tls: true, paths: [{ path: '/', pathType: 'Prefix', backend: 'be-e' }] },
];

export const ROUTING: RouteTable = {
  id: 'routing',
  dialect: 'ingress',
  requests: [
    { host: 'paths', path: '/exact', expect: b('be-a'), why: 'Exact matches the path itself', level: 'spec' },
    { host: 'paths', path: '/exact/', expect: b('be-f'), why: 'Exact: a trailing slash is another path', level: 'spec' },
    { host: 'paths', path: '/exactly', expect: b('be-f'), why: 'Exact is not a prefix', level: 'spec' },
    { host: 'paths', path: '/EXACT', expect: b('be-f'), why: 'paths are case-sensitive', level: 'spec' },
    { host: 'paths', path: '/aaa', expect: b('be-b'), why: 'Prefix matches the path itself', level: 'spec' },
    { host: 'paths', path: '/aaa/', expect: b('be-b'), why: 'Prefix matches with a trailing slash', level: 'spec' },
    { host: 'paths', path: '/aaa/bbb', expect: b('be-b'), why: 'Prefix matches below it', level: 'spec' },
    { host: 'paths', path: '/aaaccc', expect: b('be-f'), why: 'Prefix is element-wise: /aaa does not match /aaaccc', level: 'spec' },
    { host: 'paths', path: '/AAA', expect: b('be-f'), why: 'Prefix is case-sensitive', level: 'spec' },
    { host: 'paths', path: '/aaa/deep', expect: b('be-c'), why: 'the longest matching prefix wins', level: 'spec' },
    { host: 'paths', path: '/aaa/deep/x', expect: b('be-c'), why: 'the longest matching prefix wins below it', level: 'spec' },
    { host: 'paths', path: '/aaa/deeper', expect: b('be-b'), why: 'longest match is element-wise too', level: 'spec' },
    { host: 'paths', path: '/trail', expect: b('be-d'), why: 'Prefix /trail/ ignores its trailing slash', level: 'spec' },
    { host: 'paths', path: '/trail/x', expect: b('be-d'), why: 'Prefix /trail/ matches below it', level: 'spec' },
    { host: 'paths', path: '/trailer', expect: b('be-f'), why: 'Prefix /trail/ does not match /trailer', level: 'spec' },
    { host: 'paths', path: '/impl', expect: b('be-e'), why: 'ImplementationSpecific matches at least the path itself', level: 'spec' },
    { host: 'paths', path: '/?q=1&r=2', expect: b('be-f'), why: 'the query string reaches the backend unchanged', level: 'spec' },
    { host: 'exact', path: '/', expect: b('be-a'), why: 'an exact host rule', level: 'spec' },
    { host: 'EXACT', path: '/', expect: b('be-a'), why: 'host names are case-insensitive', level: 'spec' },
    { host: 'x.wild', path: '/', expect: b('be-b'), why: 'a wildcard host matches one label', level: 'spec' },
    { host: 'x.y.wild', path: '/', expect: none, why: 'a wildcard host matches one label only', level: 'spec', after: 'x.wild' },
    { host: 'wild', path: '/', expect: none, why: 'a wildcard host does not match its own suffix', level: 'spec', after: 'x.wild' },
    { host: 'unknown', path: '/', expect: none, why: 'an unknown host is not routed to any rule (404 or the default backend)', level: 'spec', after: 'exact' },
    { host: 'share', path: '/one', expect: b('be-c'), why: 'two Ingresses on one host: the first one’s path', level: 'spec' },
    { host: 'share', path: '/two', expect: b('be-d'), why: 'two Ingresses on one host: the second one’s path', level: 'spec' },
    { host: 'share', path: '/three', expect: none, why: 'two Ingresses on one host: no rule for this path', level: 'spec' },
  ],
};

const NGINX = 'nginx.ingress.kubernetes.io';

// ingress-nginx annotations (served by whichever controller claims the ingress-nginx class).
export const NGINX_INGRESSES: readonly IngressSpec[] = [
  {
    name: 'rewrite',
    dialect: 'ingress-nginx',
    host: 'rewrite',
    annotations: { [`${NGINX}/rewrite-target`]: '/$2', [`${NGINX}/use-regex`]: 'true' },
    paths: [{ path: '/something(/|$)(.*)', pathType: 'ImplementationSpecific', backend: 'be-a' }],
  },
  {
    name: 'regex',
    dialect: 'ingress-nginx',
    host: 'regex',
    annotations: { [`${NGINX}/use-regex`]: 'true' },
    paths: [
      { path: '/api/v[0-9]+/items', pathType: 'ImplementationSpecific', backend: 'be-b' },
      { path: '/anchored$', pathType: 'ImplementationSpecific', backend: 'be-c' },
    ],
  },
  {
    name: 'approot',
    dialect: 'ingress-nginx',
    host: 'approot',
    annotations: { [`${NGINX}/app-root`]: '/app1' },
    paths: [{ path: '/', pathType: 'Prefix', backend: 'be-d' }],
  },
  // The regex bleed: a regex rewrite on one Ingress of a host, a plain Prefix on another.
  {
    name: 'bleed-rewrite',
    dialect: 'ingress-nginx',
    host: 'bleed',
    annotations: { [`${NGINX}/rewrite-target`]: '/$1', [`${NGINX}/use-regex`]: 'true' },
    paths: [{ path: '/rw/(.*)', pathType: 'ImplementationSpecific', backend: 'be-e' }],
  },
  { name: 'bleed-plain', dialect: 'ingress-nginx', host: 'bleed', paths: [{ path: '/plain', pathType: 'Prefix', backend: 'be-f' }] },
];

export const NGINX_REWRITES: RouteTable = {
  id: 'rewrites-ingress-nginx',
  dialect: 'ingress-nginx',
  requests: [
    { host: 'rewrite', path: '/something', expect: b('be-a', '/'), why: 'rewrite-target /$2: nothing after the prefix becomes /', level: 'dialect' },
    { host: 'rewrite', path: '/something/', expect: b('be-a', '/'), why: 'rewrite-target /$2: a trailing slash alone becomes /', level: 'dialect' },
    { host: 'rewrite', path: '/something/new', expect: b('be-a', '/new'), why: 'rewrite-target /$2: the second capture group', level: 'dialect' },
    {
      host: 'rewrite',
      path: '/something/new/deep',
      expect: b('be-a', '/new/deep'),
      why: 'rewrite-target /$2: the rest of the path, slashes kept',
      level: 'dialect',
    },
    { host: 'rewrite', path: '/something/new?x=1', expect: b('be-a', '/new?x=1'), why: 'rewrite-target keeps the query string', level: 'dialect' },
    { host: 'rewrite', path: '/somethingelse', expect: none, why: '(/|$) after the prefix: /somethingelse does not match', level: 'dialect' },
    { host: 'regex', path: '/api/v2/items', expect: b('be-b', '/api/v2/items'), why: 'use-regex: a character class matches', level: 'dialect' },
    { host: 'regex', path: '/api/vX/items', expect: none, why: 'use-regex: a path outside the class does not match', level: 'dialect' },
    {
      host: 'regex',
      path: '/api/v2/items/more',
      expect: b('be-b', '/api/v2/items/more'),
      why: 'use-regex without $ is a prefix match (over-matching)',
      level: 'dialect',
    },
    { host: 'regex', path: '/anchored', expect: b('be-c', '/anchored'), why: 'use-regex with $ matches the path itself', level: 'dialect' },
    { host: 'regex', path: '/anchored/x', expect: none, why: 'use-regex with $ does not match below it', level: 'dialect' },
    {
      host: 'approot',
      path: '/',
      expect: { kind: 'redirect', status: 302, location: '/app1' },
      why: 'app-root redirects / with 302 to the root',
      level: 'dialect',
    },
    { host: 'approot', path: '/app1', expect: b('be-d', '/app1'), why: 'app-root leaves other paths alone', level: 'dialect' },
    { host: 'bleed', path: '/rw/x', expect: b('be-e', '/x'), why: 'rewrite-target /$1 on the host’s regex Ingress', level: 'dialect' },
    { host: 'bleed', path: '/plain/x', expect: b('be-f', '/plain/x'), why: 'the plain Ingress on the same host, below its prefix', level: 'dialect' },
    {
      host: 'bleed',
      path: '/plainly',
      expect: b('be-f', '/plainly'),
      why: 'regex bleed: ingress-nginx turns every path of a host with a regex Ingress into a case-insensitive regex prefix, so /plain matches /plainly',
      level: 'dialect',
    },
  ],
};

// Gateway API HTTPRoute filters (core and extended), on a Gateway's HTTP listener.
export interface HttpRouteRule {
  match: { type: 'PathPrefix' | 'Exact'; value: string };
  backend?: Backend;
  filters: readonly Record<string, unknown>[];
}

export interface HttpRouteSpec {
  name: string;
  host: string;
  rules: readonly HttpRouteRule[];
}

export const GATEWAY_ROUTES: readonly HttpRouteSpec[] = [
  {
    name: 'filters',
    host: 'gw',
    rules: [
      {
        match: { type: 'PathPrefix', value: '/prefix/one' },
        backend: 'be-a',
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/one' } } }],
      },
      {
        match: { type: 'PathPrefix', value: '/strip-prefix' },
        backend: 'be-b',
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      },
      {
        match: { type: 'PathPrefix', value: '/full' },
        backend: 'be-c',
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/replaced' } } }],
      },
      { match: { type: 'PathPrefix', value: '/hostname' }, backend: 'be-d', filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'rewritten.example' } }] },
      {
        match: { type: 'PathPrefix', value: '/headers' },
        backend: 'be-e',
        filters: [
          {
            type: 'RequestHeaderModifier',
            requestHeaderModifier: { set: [{ name: 'X-Set', value: 'set' }], add: [{ name: 'X-Add', value: 'added' }], remove: ['X-Remove'] },
          },
        ],
      },
      {
        match: { type: 'PathPrefix', value: '/redirect-host' },
        filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'moved.example', statusCode: 301 } }],
      },
      {
        match: { type: 'PathPrefix', value: '/redirect-path' },
        filters: [
          { type: 'RequestRedirect', requestRedirect: { scheme: 'http', path: { type: 'ReplaceFullPath', replaceFullPath: '/new-place' }, statusCode: 302 } },
        ],
      },
      { match: { type: 'PathPrefix', value: '/' }, backend: 'be-f', filters: [] },
    ],
  },
];

export const GATEWAY_REWRITES: RouteTable = {
  id: 'rewrites-gateway-api',
  dialect: 'gateway-api',
  requests: [
    { host: 'gw', path: '/prefix/one/two', expect: b('be-a', '/one/two'), why: 'ReplacePrefixMatch /prefix/one -> /one', level: 'dialect' },
    { host: 'gw', path: '/prefix/one', expect: b('be-a', '/one'), why: 'ReplacePrefixMatch on the prefix itself', level: 'dialect' },
    { host: 'gw', path: '/strip-prefix', expect: b('be-b', '/'), why: 'ReplacePrefixMatch / on the prefix itself gives /', level: 'dialect' },
    { host: 'gw', path: '/strip-prefix/three', expect: b('be-b', '/three'), why: 'ReplacePrefixMatch / strips the prefix', level: 'dialect' },
    { host: 'gw', path: '/full/any/thing', expect: b('be-c', '/replaced'), why: 'ReplaceFullPath replaces the whole path', level: 'dialect' },
    { host: 'gw', path: '/full?q=1', expect: b('be-c', '/replaced?q=1'), why: 'ReplaceFullPath keeps the query string', level: 'dialect' },
    {
      host: 'gw',
      path: '/hostname',
      expect: b('be-d', '/hostname', { host: 'rewritten.example' }),
      why: 'URLRewrite hostname: the backend sees the new Host',
      level: 'dialect',
    },
    {
      host: 'gw',
      path: '/headers',
      headers: { 'X-Set': 'original', 'X-Remove': 'gone' },
      expect: b('be-e', '/headers', { headers: { 'x-set': 'set', 'x-add': 'added', 'x-remove': null } }),
      why: 'RequestHeaderModifier set, add and remove',
      level: 'spec',
    },
    {
      host: 'gw',
      path: '/redirect-host/x',
      expect: { kind: 'redirect', status: 301, location: 'https://moved.example/redirect-host/x' },
      why: 'RequestRedirect scheme https + hostname, 301, the path kept',
      level: 'spec',
    },
    {
      host: 'gw',
      path: '/redirect-path/x',
      expect: { kind: 'redirect', status: 302, location: 'http://{host}/new-place' },
      why: 'RequestRedirect ReplaceFullPath, 302',
      level: 'spec',
    },
    { host: 'gw', path: '/other', expect: b('be-f', '/other'), why: 'a rule without filters passes the path unchanged', level: 'spec' },
  ],
};

// Deviations from the spec that a controller documents as its own behaviour: a spec case whose
// answer is exactly this on this controller is reported as a known deviation (a warning naming it,
// with the way around it), not as a broken cluster. Any other answer still fails.
export interface KnownDeviation {
  product: string;
  host: string;
  path: string;
  // The backend that answers instead.
  seen: Backend;
  explanation: string;
}

export const KNOWN_DEVIATIONS: readonly KnownDeviation[] = [
  {
    product: 'Traefik',
    host: 'paths',
    path: '/exact',
    seen: 'be-f',
    explanation:
      'Traefik ranks the routers of a host by the length of their rule, not by the longest matching path as the Ingress spec says: Path(`/exact`) is shorter than the catch-all PathPrefix(`/`), so the catch-all wins; an Ingress whose short Exact or Prefix path must win over `/` needs the annotation traefik.ingress.kubernetes.io/router.priority',
  },
];

export const TABLES: readonly RouteTable[] = [ROUTING, NGINX_REWRITES, GATEWAY_REWRITES];

// The Host header a case sends: a label under the run's domain.
export function requestHost(kase: RequestCase, domain: string): string {
  const label = kase.host;
  if (label === label.toUpperCase() && /[A-Z]/.test(label)) return hostOf(label, domain).toUpperCase();
  return hostOf(label, domain);
}
