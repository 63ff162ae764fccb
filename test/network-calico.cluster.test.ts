// The network suite's Calico diagnosis, proven against Calico's own CRDs in the real API server
// (Calico itself cannot run here: its Go modules are refused). The test installs the IPPool,
// CalicoNodeStatus and FelixConfiguration CRDs (test/fixtures/calico/crds.yaml), then objects as a
// real Calico makes them: the default pool 192.168.0.0/16 on a cluster whose node podCIDRs are
// elsewhere, and a CalicoNodeStatus whose BGP peer is down (objects.yaml). `shakedown run --suite
// network` must name both, with both values. Everything it made (objects first, then the CRDs)
// is deleted in a finally. While the CRDs exist, netpol's plugin detection would see Calico: the
// test holds a fault lock for the whole window, so no other cluster test runs beside it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAllYaml } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeSession } from '../helpers/kube/session.ts';
import { KUBECONFIG, ROOT, shakedown } from './cli-child.ts';
import { sleep, withFaultLock, withSession } from './cluster-kit.ts';

interface Result {
  suite: string;
  check: string;
  status: string;
  message: string;
  classification?: string;
  skipReason?: string;
  evidence: { label: string; text: string }[];
}

const FIXTURES = join(ROOT, 'test', 'fixtures', 'calico');
const SELECTOR = 'app.kubernetes.io/managed-by=shakedown-test,shakedown.dev/fixture=calico';
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CALICO = 'Calico: IPPools, BGP peers, Felix configuration';
const ADDRESSING = 'pod addresses within their node podCIDR and the plugin pools';

type Doc = { apiVersion: string; kind: string; metadata: { name: string } } & Record<string, unknown>;
const docs = (file: string, fill: Record<string, string> = {}): Doc[] => {
  let text = readFileSync(join(FIXTURES, file), 'utf8');
  for (const [key, value] of Object.entries(fill)) text = text.replaceAll(key, value);
  return loadAllYaml(text) as Doc[];
};

async function send(session: KubeSession, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  return session.connection.send({
    method,
    path,
    timeoutMs: 15_000,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
}

const GROUP = '/apis/crd.projectcalico.org/v1';
const RESOURCES: Record<string, string> = { IPPool: 'ippools', CalicoNodeStatus: 'caliconodestatuses', FelixConfiguration: 'felixconfigurations' };
const labelled = `labelSelector=${encodeURIComponent(SELECTOR)}`;

async function waitUntil(what: string, done: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${ms / 1000} s`);
    await sleep(500);
  }
}

// Deletes the fixture's objects while their CRDs serve them. Deleting a CRD alone is not enough:
// on this cluster its objects were seen to survive in etcd and come back with the next CRD of
// that name, so they are deleted first, and a new install clears any that came back.
async function removeObjects(session: KubeSession): Promise<void> {
  for (const resource of Object.values(RESOURCES)) {
    if ((await send(session, 'GET', `${GROUP}/${resource}`)).status !== 200) continue;
    await send(session, 'DELETE', `${GROUP}/${resource}?${labelled}`);
    await waitUntil(`deleting the fixture's ${resource}`, async () => {
      const left = await send(session, 'GET', `${GROUP}/${resource}?${labelled}`);
      return left.status !== 200 || ((JSON.parse(left.text) as { items?: unknown[] }).items ?? []).length === 0;
    });
  }
}

// Deletes the fixture's objects, then its CRDs, and waits until the API serves none of them.
async function removeCalico(session: KubeSession): Promise<void> {
  await removeObjects(session);
  await send(session, 'DELETE', `${CRDS}?${labelled}`);
  await waitUntil('deleting the Calico fixture CRDs', async () => {
    const left = JSON.parse((await send(session, 'GET', `${CRDS}?${labelled}`)).text) as { items?: unknown[] };
    return (left.items ?? []).length === 0 && (await send(session, 'GET', GROUP)).status === 404;
  });
}

async function installCalico(session: KubeSession): Promise<{ node: string; peer: string }> {
  for (const crd of docs('crds.yaml')) {
    const made = await send(session, 'POST', CRDS, crd);
    if (made.status !== 201) throw new Error(`cannot create CRD ${crd.metadata.name}: HTTP ${made.status} ${made.text}`);
  }
  // A new CRD serves its resource a moment after it is created.
  await waitUntil(
    'the Calico fixture CRDs served',
    async () => {
      for (const resource of Object.values(RESOURCES)) if ((await send(session, 'GET', `${GROUP}/${resource}`)).status !== 200) return false;
      return true;
    },
    30_000,
  );
  await removeObjects(session);
  const nodes = (await session.clients.core.listNode()).items;
  const ip = (i: number) => nodes[i]?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
  const node = nodes[0]?.metadata?.name ?? '';
  const peer = ip(1) || '10.217.0.99';
  for (const object of docs('objects.yaml', { PEER_NODE_IP: peer, NODE_IP: ip(0), NODE: node })) {
    const made = await send(session, 'POST', `/apis/${object.apiVersion}/${RESOURCES[object.kind] ?? ''}`, object);
    if (made.status !== 201) throw new Error(`cannot create ${object.kind} ${object.metadata.name}: HTTP ${made.status} ${made.text}`);
  }
  return { node, peer };
}

describe("network suite against Calico's own CRDs", () => {
  it('names the IPPool that does not hold the node podCIDRs and the BGP peer that is down, then removes everything', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sd-network-calico-')), 'report.json');
    let seen: { node: string; peer: string } | undefined;
    let ran: Awaited<ReturnType<typeof shakedown>> | undefined;
    await withFaultLock('network-calico', () =>
      withSession(async (session) => {
        try {
          // Leftovers of an earlier crashed run first.
          await removeCalico(session);
          seen = await installCalico(session);
          ran = await shakedown(['run', '--kubeconfig', KUBECONFIG, '--suite', 'network', '--json', out]);
        } finally {
          await removeCalico(session);
        }
      }),
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as { results: Result[] };
    const byCheck = (check: string) => report.results.find((r) => r.suite === 'network' && r.check === check);
    const calico = byCheck(CALICO);
    const text = (r: Result | undefined) => [r?.message ?? '', ...(r?.evidence ?? []).map((e) => e.text)].join('\n');
    console.log(`Calico check: ${calico?.status} ${calico?.message}\n${text(calico)}`);
    expect(calico?.status).toBe('fail');
    expect(calico?.classification).toBe('mismatch');
    const nodes = await withSession(async (session) => (await session.clients.core.listNode()).items);
    for (const node of nodes) {
      expect(text(calico)).toContain(`IPPool default-ipv4-ippool 192.168.0.0/16 does not contain node ${node.metadata?.name}'s podCIDR ${node.spec?.podCIDR}`);
    }
    expect(text(calico)).toContain(`node ${seen?.node}: BGP peer ${seen?.peer} (NodeMesh) is Active, not Established (since 21:40:13)`);
    expect(text(calico)).toContain('FelixConfiguration default: ipipMTU 1430, iptablesBackend Auto');
    // Calico IPAM would give pods addresses from the pool: the running pods' addresses are named outside it.
    const addressing = byCheck(ADDRESSING);
    expect(addressing?.status).toBe('fail');
    expect(addressing?.message).toMatch(/pod address\(es\) outside IPPool default-ipv4-ippool 192\.168\.0\.0\/16/);
    // The other plugins are absent, each said.
    expect(byCheck('flannel: net-conf.json against the node podCIDRs, node annotations')?.skipReason).toMatch(/^flannel is not present/);
    expect(ran?.code).toBe(1);
    // Nothing of the fixture is left.
    await withSession(async (session) => {
      expect((await send(session, 'GET', '/apis/crd.projectcalico.org/v1')).status).toBe(404);
    });
  }, 240_000);
});
