import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { V1Node } from '@kubernetes/client-node';
import { defineManifest, type SuiteManifest } from '../engine/manifest.ts';
import type { Permission } from './permissions.ts';
import { preflight, type PreflightApi } from './preflight.ts';
import { openKubeSession, preflightApi } from './session.ts';
import { READY_NODE, fakeKubeconfig, startFakeApiServer, type FakeApiServer } from './testing/fake-apiserver.ts';
import { rejection } from '../testing/shakedown-error.ts';

const fleetSuite = defineManifest({
  name: 'echo',
  description: 'a suite on the probe fleet',
  checks: [],
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
  checks: [],
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
    expect(asked).toEqual(expect.arrayContaining(['create namespaces @*', 'list nodes @*', 'get /version @*', 'create networkpolicies @sd-run', 'list pods @kube-system', 'create pods @sd-run']));
  });

  it('asks a read-only suite only for reads: no namespace, no pods, no fleet, and needs no schedulable node', async () => {
    const asked: string[] = [];
    const cordoned = { ...READY_NODE, spec: { unschedulable: true } } as V1Node;
    await preflight(fakeApi({ listNodes: async () => [cordoned], canI: async (p) => (asked.push(permissionName(p)), { allowed: true }) }), { ...options, suites: [readOnlySuite] });
    expect(asked.sort()).toEqual(['get /readyz', 'get /version', 'list nodes']);
  });

  it('turns a network error into SD_API_UNREACHABLE naming the server and the error, before asking anything else', async () => {
    let asked = 0;
    const refused = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' }) });
    const error = await rejection(
      preflight(fakeApi({ version: () => Promise.reject(refused), canI: async () => (asked++, { allowed: true }) }), options),
    );
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
