import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { V1Node } from '@kubernetes/client-node';
import { defineManifest, type SuiteManifest } from '../engine/manifest.ts';
import { rbacRules, requiredPermissions, type Permission } from './permissions.ts';
import { preflight, type PreflightApi } from './preflight.ts';
import type { SubjectRules } from './rbac-rules.ts';
import { openKubeSession, preflightApi } from './session.ts';
import { READY_NODE, fakeKubeconfig, startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';
import { rejection } from '../testing/shakedown-error.ts';

const fleetSuite = defineManifest({
  name: 'echo',
  description: 'a suite on the probe fleet',
  checks: {},
  options: {},
  permissions: [
    { verb: 'create', resource: 'networkpolicies', group: 'networking.k8s.io', scope: 'run', why: 'the policies under test' },
    { verb: 'list', resource: 'pods', scope: { namespace: 'kube-system' }, why: 'the CoreDNS replicas' },
  ],
  setup: ['fleet'],
  exclusive: false,
  images: [],
});
const readOnlySuite: SuiteManifest = defineManifest({
  name: 'health',
  description: 'a read-only suite',
  checks: {},
  options: {},
  permissions: [{ url: '/readyz', verb: 'get', why: 'the API server health' }],
  setup: [],
  exclusive: false,
  images: [],
});

const options = { server: 'https://10.0.0.1:6443', context: 'ctx', namespace: 'sd-run', transport: 'auto' as const, suites: [fleetSuite] };

function permissionName(p: Permission): string {
  return 'url' in p ? `${p.verb} ${p.url}` : `${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''}`;
}

function fakeApi(overrides: Partial<PreflightApi> & { denied?: string[] } = {}): PreflightApi {
  return {
    version: async () => 'v1.34.4',
    canI: async (p) => ({ allowed: !(overrides.denied ?? []).includes(permissionName(p)) }),
    // As on a server that does not serve SelfSubjectRulesReview: every permission is asked.
    rules: () => Promise.reject(new Error('HTTP 404')),
    listNodes: async () => [READY_NODE as V1Node],
    ...overrides,
  };
}

describe('preflight', () => {
  it('returns the version, the nodes and whether exec is allowed', async () => {
    const facts = await preflight(fakeApi({ denied: ['create pods/exec'] }), options);
    expect(facts).toEqual({
      server: options.server,
      context: 'ctx',
      version: 'v1.34.4',
      nodes: [{ name: 'node1', schedulable: true, internalIP: '10.0.0.11' }],
      canExec: false,
    });
  });

  it('names every missing permission at once, with the namespace, the suite that needs it and why', async () => {
    const error = await rejection(preflight(fakeApi({ denied: ['create namespaces', 'get pods/proxy', 'create networkpolicies'] }), options));
    expect(error.code).toBe('SD_FORBIDDEN');
    expect(error.message).toBe(
      'context "ctx" may not create namespaces (engine: the run namespace), get pods/proxy in namespace sd-run (engine: reaching the probe agents through the API server (GET)), create networkpolicies (networking.k8s.io) in namespace sd-run (echo: the policies under test)',
    );
    expect(error.details).toContain('get pods/proxy in namespace sd-run: needed by engine for reaching the probe agents through the API server (GET)');
  });

  it('asks for exec instead of proxy when the transport is exec', async () => {
    const asked: string[] = [];
    await preflight(fakeApi({ canI: async (p) => (asked.push(permissionName(p)), { allowed: true }) }), { ...options, transport: 'exec' });
    expect(asked).toContain('create pods/exec');
    expect(asked).not.toContain('get pods/proxy');
  });

  it('asks each permission where the suite needs it: the run namespace, a named one, or cluster-wide', async () => {
    const asked: string[] = [];
    await preflight(fakeApi({ canI: async (p, namespace) => (asked.push(`${permissionName(p)} @${namespace ?? '*'}`), { allowed: true }) }), options);
    expect(asked).toEqual(
      expect.arrayContaining([
        'create namespaces @*',
        'list nodes @*',
        'get /version @*',
        'create networkpolicies @sd-run',
        'list pods @kube-system',
        'create pods @sd-run',
      ]),
    );
  });

  it('asks a read-only suite only for reads: no namespace, no pods, no fleet, and needs no schedulable node', async () => {
    const asked: string[] = [];
    const cordoned = { ...READY_NODE, spec: { unschedulable: true } } as V1Node;
    await preflight(fakeApi({ listNodes: async () => [cordoned], canI: async (p) => (asked.push(permissionName(p)), { allowed: true }) }), {
      ...options,
      suites: [readOnlySuite],
    });
    expect(asked.sort()).toEqual(['get /readyz', 'get /version', 'list nodes']);
  });

  it('turns a network error into SD_API_UNREACHABLE naming the server and the error, before asking anything else', async () => {
    let asked = 0;
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }),
    });
    const error = await rejection(preflight(fakeApi({ version: () => Promise.reject(refused), canI: async () => (asked++, { allowed: true }) }), options));
    expect(error.code).toBe('SD_API_UNREACHABLE');
    expect(error.message).toBe('cannot reach the API server at https://10.0.0.1:6443 (context "ctx"): connection refused (ECONNREFUSED)');
    expect(error.cause).toBe(refused);
    expect(asked).toBe(0);
  });

  it('fails setup when no node can take a probe pod, saying why for each', async () => {
    const cordoned = { ...READY_NODE, metadata: { name: 'node1' }, spec: { unschedulable: true } } as V1Node;
    const notReady = { metadata: { name: 'node2' }, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }] } } as V1Node;
    const error = await rejection(preflight(fakeApi({ listNodes: async () => [cordoned, notReady] }), options));
    expect(error.code).toBe('SD_SETUP_FAILED');
    expect(error.message).toBe('no node can take a probe pod: node1 cordoned (spec.unschedulable); node2 not Ready (KubeletNotReady)');
  });
});

// The rules a ClusterRole granting exactly these permissions yields, as a rules review returns them.
function rulesFor(permissions: readonly Permission[], more: Partial<SubjectRules> = {}): SubjectRules {
  const rules = rbacRules(permissions);
  return {
    resourceRules: rules
      .filter((r) => r.nonResourceURLs === undefined)
      .map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [] })),
    nonResourceRules: rules.filter((r) => r.nonResourceURLs !== undefined).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] })),
    incomplete: false,
    ...more,
  };
}

const EVERYTHING: SubjectRules = {
  resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
  incomplete: false,
};
const NOTHING: SubjectRules = { resourceRules: [], nonResourceRules: [], incomplete: false };

// A fake API whose rules reviews answer from a table by namespace (a missing namespace: the review
// fails), recording every review and every access review asked.
function rulesApi(byNamespace: Record<string, SubjectRules>, denied: string[] = []) {
  const reviewed: string[] = [];
  const asked: string[] = [];
  const api = fakeApi({
    rules: async (namespace) => {
      reviewed.push(namespace);
      const rules = byNamespace[namespace];
      if (rules === undefined) throw new Error('HTTP 403 forbidden');
      return rules;
    },
    canI: async (p, namespace) => (
      asked.push(`${permissionName(p)} @${namespace ?? '*'}`),
      { allowed: !denied.includes(permissionName(p)), ...(denied.includes(permissionName(p)) ? { reason: 'no RBAC rule' } : {}) }
    ),
  });
  return { api, reviewed, asked };
}

const plan = requiredPermissions([fleetSuite], 'auto');
const everyPermission = [...plan.required, ...plan.optional];
const named = (p: Permission) => 'scope' in p && typeof p.scope === 'object';
const where = (p: Permission) => `${permissionName(p)} @${'url' in p || p.scope === 'cluster' ? '*' : p.scope === 'run' ? 'sd-run' : p.scope.namespace}`;

describe('preflight judges permissions by the rules first', () => {
  it('asks no access review when the cluster-wide rules grant everything, and reviews no named namespace', async () => {
    const { api, reviewed, asked } = rulesApi({ 'sd-run': rulesFor(everyPermission) });
    const facts = await preflight(api, options);
    expect(reviewed).toEqual(['sd-run']);
    expect(asked).toEqual([]);
    expect(facts.canExec).toBe(true);
  });

  it('asks access reviews only for what the rules do not grant', async () => {
    const withoutPolicies = everyPermission.filter((p) => !('resource' in p && p.resource === 'networkpolicies'));
    const { api, reviewed, asked } = rulesApi({ 'sd-run': rulesFor(withoutPolicies) });
    await preflight(api, options);
    expect(reviewed).toEqual(['sd-run']);
    expect(asked).toEqual(['create networkpolicies @sd-run']);
  });

  it('reviews a named namespace only for what the cluster-wide rules leave, and asks access reviews for the rest', async () => {
    // list pods is granted nowhere cluster-wide, but by a RoleBinding in kube-system.
    const listPods = (p: Permission) => 'resource' in p && p.resource === 'pods' && p.verb === 'list' && p.subresource === undefined;
    const { api, reviewed, asked } = rulesApi({
      'sd-run': rulesFor(everyPermission.filter((p) => !listPods(p))),
      'kube-system': rulesFor(everyPermission.filter(listPods)),
    });
    await preflight(api, options);
    expect(reviewed).toEqual(['sd-run', 'kube-system']);
    expect(asked).toEqual(['list pods @sd-run']);
  });

  it("never judges a cluster-scoped permission, a URL or one of the run namespace by a named namespace's rules", async () => {
    // A RoleBinding to cluster-admin in kube-system grants everything there, and nothing elsewhere.
    const { api, reviewed, asked } = rulesApi({ 'sd-run': NOTHING, 'kube-system': EVERYTHING, 'kube-node-lease': NOTHING });
    await preflight(api, options);
    expect(reviewed.sort()).toEqual(['kube-node-lease', 'kube-system', 'sd-run']);
    expect(asked.sort()).toEqual(
      everyPermission
        .map(where)
        .filter((p) => !p.endsWith(' @kube-system'))
        .sort(),
    );
    expect(asked).toContain('list pods @sd-run');
  });

  it.each<[string, Record<string, SubjectRules>, string[]]>([
    ['the run namespace review says incomplete', { 'sd-run': { ...EVERYTHING, incomplete: true } }, ['sd-run']],
    [
      'a named namespace review says incomplete',
      { 'sd-run': rulesFor(everyPermission.filter((p) => !named(p))), 'kube-system': { ...EVERYTHING, incomplete: true }, 'kube-node-lease': EVERYTHING },
      ['kube-node-lease', 'kube-system', 'sd-run'],
    ],
    ['the rules review fails (refused, not served)', {}, ['sd-run']],
  ])('asks an access review for every permission when %s', async (_when, byNamespace, expectedReviews) => {
    const { api, reviewed, asked } = rulesApi(byNamespace);
    await preflight(api, options);
    expect(reviewed.sort()).toEqual(expectedReviews);
    expect(asked.sort()).toEqual(everyPermission.map(where).sort());
  });

  it('asks access reviews only for the permissions of a named namespace whose review fails', async () => {
    // kube-system's review is refused; kube-node-lease's grants what is needed there.
    const { api, reviewed, asked } = rulesApi({ 'sd-run': rulesFor(everyPermission.filter((p) => !named(p))), 'kube-node-lease': EVERYTHING });
    await preflight(api, options);
    expect(reviewed.sort()).toEqual(['kube-node-lease', 'kube-system', 'sd-run']);
    // list pods in kube-system needs no review: the cluster-wide rules grant it (the run namespace needs it too).
    expect(asked).toEqual(['get leases @kube-system']);
  });

  it('never takes a rule with resourceNames as granting the whole resource', async () => {
    const named = rulesFor(everyPermission);
    const rules = { ...named, resourceRules: named.resourceRules.map((r) => (r.resources?.includes('namespaces') ? { ...r, resourceNames: ['sd-run'] } : r)) };
    const { api, asked } = rulesApi({ 'sd-run': rules });
    await preflight(api, options);
    expect(asked.sort()).toEqual(
      everyPermission
        .map(where)
        .filter((p) => p.includes(' namespaces '))
        .sort(),
    );
  });

  it('keeps the denial exactly as the access reviews say it, when the rules granted the rest', async () => {
    const refused = ['create namespaces', 'get pods/proxy', 'create networkpolicies'];
    const { api, asked } = rulesApi({ 'sd-run': rulesFor(everyPermission.filter((p) => !refused.includes(permissionName(p)))) }, refused);
    const error = await rejection(preflight(api, options));
    expect(asked.sort()).toEqual(['create namespaces @*', 'create networkpolicies @sd-run', 'get pods/proxy @sd-run']);
    expect(error.code).toBe('SD_FORBIDDEN');
    expect(error.message).toBe(
      'context "ctx" may not create namespaces (engine: the run namespace), get pods/proxy in namespace sd-run (engine: reaching the probe agents through the API server (GET)), create networkpolicies (networking.k8s.io) in namespace sd-run (echo: the policies under test)',
    );
    expect(error.details).toContain(
      'get pods/proxy in namespace sd-run: needed by engine for reaching the probe agents through the API server (GET) (no RBAC rule)',
    );
  });

  it('decides exec the same way: granted by the rules, or refused by an access review', async () => {
    const granted = rulesApi({ 'sd-run': rulesFor(everyPermission) });
    expect((await preflight(granted.api, options)).canExec).toBe(true);
    expect(granted.asked).toEqual([]);
    const withoutExec = rulesApi({ 'sd-run': rulesFor(everyPermission.filter((p) => !permissionName(p).endsWith('pods/exec'))) }, ['create pods/exec']);
    expect((await preflight(withoutExec.api, options)).canExec).toBe(false);
    expect(withoutExec.asked.sort()).toEqual(['create pods/exec @sd-run', 'get pods/exec @sd-run']);
  });
});

describe('preflight through a real connection', () => {
  let server: FakeApiServer | undefined;
  afterEach(async () => server?.close());

  it('sends the bearer token over TLS verified against the kubeconfig CA and reads the answers', async () => {
    server = await startFakeApiServer({ denied: ['create pods/exec'] });
    const session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 50 });
    try {
      const facts = await preflight(preflightApi(session), { ...options, server: session.server, context: session.target.context });
      expect(facts.version).toBe('v1.34.4');
      expect(facts.canExec).toBe(false);
      expect(server.requests.every((r) => r.headers.authorization === 'Bearer test-token')).toBe(true);
      const reviews = server.requests.filter((r) => r.path.includes('selfsubjectaccessreviews'));
      const specs = reviews.map((r) => JSON.parse(r.body).spec);
      expect(specs).toContainEqual({ resourceAttributes: { verb: 'get', resource: 'pods', subresource: 'proxy', namespace: 'sd-run' } });
      expect(specs).toContainEqual({ resourceAttributes: { verb: 'create', resource: 'namespaces' } });
      expect(specs).toContainEqual({ resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'kube-system' } });
      expect(specs).toContainEqual({ nonResourceAttributes: { verb: 'get', path: '/version' } });
      // The rules review was tried first; not served here (404), so every permission was asked.
      expect(server.requests.filter((r) => r.path.includes('selfsubjectrulesreviews')).map((r) => JSON.parse(r.body).spec)).toEqual([{ namespace: 'sd-run' }]);
      expect(reviews).toHaveLength(everyPermission.length);
    } finally {
      await session.close();
    }
  });

  it('reads the rules of one review and asks access reviews only for what they do not grant', async () => {
    const withoutExec = everyPermission.filter((p) => !permissionName(p).endsWith('pods/exec'));
    server = await startFakeApiServer({
      denied: ['create pods/exec'],
      rules: (namespace) => (namespace === 'sd-run' ? rulesFor(withoutExec) : { incomplete: true }),
    });
    const session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 50 });
    try {
      const facts = await preflight(preflightApi(session), { ...options, server: session.server, context: session.target.context });
      expect(facts.canExec).toBe(false);
      const rulesReviews = server.requests.filter((r) => r.path.includes('selfsubjectrulesreviews'));
      expect(rulesReviews.map((r) => ({ method: r.method, spec: JSON.parse(r.body).spec }))).toEqual([{ method: 'POST', spec: { namespace: 'sd-run' } }]);
      const specs = server.requests.filter((r) => r.path.includes('selfsubjectaccessreviews')).map((r) => JSON.parse(r.body).spec);
      expect(specs).toEqual(
        expect.arrayContaining([
          { resourceAttributes: { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'sd-run' } },
          { resourceAttributes: { verb: 'get', resource: 'pods', subresource: 'exec', namespace: 'sd-run' } },
        ]),
      );
      expect(specs).toHaveLength(2);
    } finally {
      await session.close();
    }
  });

  it('asks an access review for everything when the rules review comes back incomplete', async () => {
    server = await startFakeApiServer({ rules: () => ({ ...EVERYTHING, incomplete: true }) });
    const session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 50 });
    try {
      await preflight(preflightApi(session), { ...options, server: session.server, context: session.target.context });
      expect(server.requests.filter((r) => r.path.includes('selfsubjectaccessreviews'))).toHaveLength(everyPermission.length);
    } finally {
      await session.close();
    }
  });

  it('reports rejected credentials as SD_KUBECONFIG_INVALID', async () => {
    server = await startFakeApiServer({ status: 401 });
    const session = await openKubeSession({ paths: [server.kubeconfigPath], origin: 'flag' }, { qps: 50 });
    try {
      const error = await rejection(preflight(preflightApi(session), { ...options, server: session.server, context: 'fake' }));
      expect(error.code).toBe('SD_KUBECONFIG_INVALID');
      expect(error.message).toBe(`the API server at ${session.server} rejected the credentials of context "fake" (401): Unauthorized`);
    } finally {
      await session.close();
    }
  });

  it('reports a closed port as SD_API_UNREACHABLE', async () => {
    server = await startFakeApiServer();
    const url = server.url;
    await server.close();
    server = undefined;
    const path = join(mkdtempSync(join(tmpdir(), 'sd-')), 'k');
    writeFileSync(path, fakeKubeconfig(url));
    const session = await openKubeSession({ paths: [path], origin: 'flag' }, { qps: 50 });
    try {
      const error = await rejection(preflight(preflightApi(session), { ...options, server: url, context: 'fake' }));
      expect(error.code).toBe('SD_API_UNREACHABLE');
      expect(error.message).toBe(`cannot reach the API server at ${url} (context "fake"): connection refused (ECONNREFUSED)`);
    } finally {
      await session.close();
    }
  });
});
