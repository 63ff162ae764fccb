// The network suite's Calico diagnosis, proven against Calico's own CRDs in the real API server
// (Calico itself cannot run here: its Go modules are refused). The test installs the IPPool,
// CalicoNodeStatus and FelixConfiguration CRDs (test/fixtures/calico/crds.yaml), then objects as a
// real Calico makes them: the default pool 192.168.0.0/16 on a cluster whose node podCIDRs are
// elsewhere, and a CalicoNodeStatus whose BGP peer is down (objects.yaml). `shakedown run --suite
// network` must name both, with both values. Everything it made (the CRDs remove their objects)
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
  return session.connection.send({ method, path, timeoutMs: 15_000, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
}

// Deletes the fixture CRDs (their objects go with them) and waits until the API serves none of them.
async function removeCalico(session: KubeSession): Promise<void> {
  await send(session, 'DELETE', `${CRDS}?labelSelector=${encodeURIComponent(SELECTOR)}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const left = JSON.parse((await send(session, 'GET', `${CRDS}?labelSelector=${encodeURIComponent(SELECTOR)}`)).text) as { items?: unknown[] };
    const served = (await send(session, 'GET', '/apis/crd.projectcalico.org/v1')).status;
    if ((left.items ?? []).length === 0 && served === 404) return;
    if (Date.now() > deadline) throw new Error(`Calico fixture CRDs still present after 60 s: ${(left.items ?? []).length} left, group served: HTTP ${served}`);
    await sleep(500);
  }
}

async function installCalico(session: KubeSession): Promise<{ node: string; peer: string }> {
  for (const crd of docs('crds.yaml')) {
    const made = await send(session, 'POST', CRDS, crd);
    if (made.status !== 201) throw new Error(`cannot create CRD ${crd.metadata.name}: HTTP ${made.status} ${made.text}`);
  }
  const nodes = (await session.clients.core.listNode()).items;
  const ip = (i: number) => nodes[i]?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
  const node = nodes[0]?.metadata?.name ?? '';
  const peer = ip(1) || '10.217.0.99';
  const objects = docs('objects.yaml', { PEER_NODE_IP: peer, NODE_IP: ip(0), NODE: node });
  const deadline = Date.now() + 30_000;
  for (const object of objects) {
    const path = `/apis/${object.apiVersion}/${object.kind === 'IPPool' ? 'ippools' : object.kind === 'CalicoNodeStatus' ? 'caliconodestatuses' : 'felixconfigurations'}`;
    // A new CRD serves its resource a moment after it is created.
    for (;;) {
      const made = await send(session, 'POST', path, object);
      if (made.status === 201) break;
      if (Date.now() > deadline) throw new Error(`cannot create ${object.kind} ${object.metadata.name}: HTTP ${made.status} ${made.text}`);
      await sleep(300);
    }
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
