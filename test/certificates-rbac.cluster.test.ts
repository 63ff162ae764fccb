// `shakedown run --suite certificates` as a ServiceAccount bound to exactly the rules derived from
// its manifest (and the engine's own needs for a 'fleet' suite): every check passes or skips with
// its reason, nothing is forbidden. Listing Secrets is not among those rules: asked for with
// --certs-secrets, that one check fails as forbidden, naming the permission, and the rest still pass.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterRoleRules } from '../helpers/kube/permissions.ts';
import { shakedown, type Ran, type ReportResult } from './cli-child.ts';
import { PROBE_IMAGE, loadSuite, serviceAccountRunner, type ServiceAccountRunner } from './service-account-kit.ts';

let runner: ServiceAccountRunner;

const shown = (ran: Ran): string => `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`;

async function run(extra: string[]): Promise<{ ran: Ran; results: ReportResult[]; text: string }> {
  const report = join(mkdtempSync(join(tmpdir(), 'sd-certs-rbac-')), 'report.json');
  const ran = await shakedown(['run', '--suite', 'certificates', '--kubeconfig', runner.kubeconfig, '--probe-image', PROBE_IMAGE, '--json', report, ...extra]);
  const text = readFileSync(report, 'utf8');
  return { ran, text, results: (JSON.parse(text) as { results: ReportResult[] }).results.filter((r) => r.suite === 'certificates') };
}

describe('the certificates suite as a ServiceAccount with exactly the derived permissions', () => {
  beforeAll(async () => {
    const certificates = await loadSuite('certificates');
    const rules = clusterRoleRules([certificates.manifest], 'auto');
    expect(rules.some((rule) => rule.resources?.includes('secrets') && rule.verbs.includes('list'))).toBe(false);
    runner = await serviceAccountRunner('certs-rbac', rules);
  });

  afterAll(async () => {
    await runner?.dispose();
  });

  it('passes, every check passing or skipping with its reason, nothing forbidden', { timeout: 400_000 }, async () => {
    // A test before this one may have stopped a kubelet: wait for every node and the webhook's endpoint.
    for (let deadline = Date.now() + 180_000; ;) {
      const nodes = (await runner.session.clients.core.listNode()).items;
      const slices = await runner.session.clients.discovery.listNamespacedEndpointSlice({
        namespace: 'shakedown-webhook',
        labelSelector: 'kubernetes.io/service-name=shakedown-webhook',
      });
      const settled =
        nodes.every((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True') &&
        slices.items.some((slice) => (slice.endpoints ?? []).some((e) => e.conditions?.ready === true));
      if (settled) break;
      if (Date.now() > deadline) throw new Error('the local cluster did not settle: a node is not Ready or the webhook has no ready endpoint');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const { ran, results, text } = await run([]);
    expect(ran.code, shown(ran)).toBe(0);
    // The local cluster runs cert-manager: its checks (the end-to-end issuance included) pass with the derived permissions.
    expect(
      results
        .filter((r) => r.status !== 'pass')
        .map((r) => `${r.check}: ${r.status}`)
        .sort(),
    ).toEqual(['TLS Secrets at rest: skip', 'etcd serves a certificate for its node (kubeadm): skip', 'kubelet client certificates rotate (kubeadm): skip']);
    // The default local cluster is not built by kubeadm: its kubeadm checks say so (kubeadm-config read, and absent), not that reading it is forbidden.
    for (const r of results.filter((r) => r.check.endsWith('(kubeadm)'))) expect(r.skipReason, r.check).toMatch(/the cluster was not built with kubeadm/);
    expect(
      results.filter((r) => r.check.startsWith('cert-manager') || r.check.startsWith("cert-manager's")).map((r) => `${r.check}: ${r.status}`),
    ).toHaveLength(4);
    expect(text).not.toMatch(/forbidden/i);
  });

  it('fails only the TLS Secrets check as forbidden when Secrets are asked for without the permission', async () => {
    const { ran, results } = await run(['--certs-secrets', 'shakedown-webhook']);
    expect(ran.code, shown(ran)).toBe(1);
    const failed = results.filter((r) => r.status === 'fail');
    expect(failed.map((r) => [r.check, r.classification])).toEqual([['TLS Secrets at rest', 'forbidden']]);
    expect(failed[0]?.message).toMatch(/^cannot list Secrets \(\/api\/v1\/namespaces\/shakedown-webhook\/secrets.*HTTP 403/);
  });
});
