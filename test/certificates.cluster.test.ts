// The certificates suite on the local cluster: it passes as the cluster is; with a caBundle that
// holds another CA it names the webhook and the mismatch (the caBundle is restored in a finally);
// and the expiry gate fails on the API server and on every kubelet, days left named. The local
// cluster's leaves live --cert-days (365 by default) and cannot be remade here, so the gate is
// driven by the threshold instead: --cert-fail-days 400 is above every leaf's days left and below
// the CAs' (3650), which is what a cluster made with --cert-days 3 shows at the default of 7.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renewedWebhookCert } from '../ci/cluster/webhook/webhook.ts';
import { OTHER_CA } from '../suites/certificates/testing/fixtures.ts';
import { poll } from '../helpers/wait/poll.ts';
import { KUBECONFIG, shakedown, type ReportResult } from './cli-child.ts';
import { withSession } from './cluster-kit.ts';

const WEBHOOK = 'shakedown-webhook';
const WEBHOOK_PATH = `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${WEBHOOK}`;
const HOOK_CHECK = 'webhooks and API services serve what their caBundle trusts';

async function caBundle(): Promise<string> {
  return withSession(async (session) => {
    const response = await session.connection.send({ method: 'GET', path: WEBHOOK_PATH });
    if (response.status !== 200)
      throw new Error(
        `the local cluster has no ValidatingWebhookConfiguration ${WEBHOOK} (HTTP ${response.status}): apply it with node ci/cluster/webhook/apply.ts`,
      );
    const config = JSON.parse(response.text) as { webhooks: { clientConfig: { caBundle?: string } }[] };
    return config.webhooks[0]?.clientConfig.caBundle ?? '';
  });
}

async function setCaBundle(value: string): Promise<void> {
  await withSession(async (session) => {
    const response = await session.connection.send({
      method: 'PATCH',
      path: WEBHOOK_PATH,
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value }]),
    });
    if (response.status >= 300) throw new Error(`PATCH ${WEBHOOK_PATH}: HTTP ${response.status}: ${response.text.slice(0, 300)}`);
  });
}

async function runSuite(extra: string[]): Promise<{ code: number | null; seconds: number; results: ReportResult[]; stdout: string }> {
  const out = mkdtempSync(join(tmpdir(), 'sd-certs-'));
  const started = performance.now();
  const ran = await shakedown([
    'run',
    '--kubeconfig',
    KUBECONFIG,
    '--suite',
    'certificates',
    '--json',
    join(out, 'report.json'),
    '--junit',
    join(out, 'junit.xml'),
    ...extra,
  ]);
  const seconds = (performance.now() - started) / 1000;
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { results: ReportResult[] };
  return { code: ran.code, seconds, results: report.results.filter((r) => r.suite === 'certificates'), stdout: ran.stdout + ran.stderr };
}

const SECRET_PATH = `/api/v1/namespaces/${WEBHOOK}/secrets/${WEBHOOK}-tls`;

async function secretData(): Promise<Record<string, string>> {
  return withSession(async (session) => {
    const response = await session.connection.send({ method: 'GET', path: SECRET_PATH });
    if (response.status !== 200) throw new Error(`GET ${SECRET_PATH}: HTTP ${response.status}`);
    return (JSON.parse(response.text) as { data: Record<string, string> }).data;
  });
}

async function setSecretData(data: Record<string, string>): Promise<void> {
  await withSession(async (session) => {
    const response = await session.connection.send({
      method: 'PATCH',
      path: SECRET_PATH,
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ data }),
    });
    if (response.status >= 300) throw new Error(`PATCH ${SECRET_PATH}: HTTP ${response.status}: ${response.text.slice(0, 300)}`);
  });
}

const findingsOf = (result: ReportResult | undefined): string => result?.evidence?.find((e) => e.label === 'findings')?.text ?? '';

// Tests before this one may have stopped a kubelet for a while: wait until every node is Ready (so
// each has its own agent) and the webhook has a ready endpoint, instead of reading their absence.
async function settled(timeoutMs: number): Promise<void> {
  const read = () =>
    withSession(async (session) => {
      const nodes = (await session.clients.core.listNode()).items;
      const notReady = nodes.filter((n) => n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True').map((n) => n.metadata?.name);
      const slices = await session.clients.discovery.listNamespacedEndpointSlice({
        namespace: WEBHOOK,
        labelSelector: `kubernetes.io/service-name=${WEBHOOK}`,
      });
      const ready = slices.items.flatMap((slice) => (slice.endpoints ?? []).filter((e) => e.conditions?.ready === true)).length;
      return { notReady, ready };
    });
  const { ok, value: state } = await poll(read, (s) => s.notReady.length === 0 && s.ready > 0, { timeoutMs, intervalMs: 2000 });
  if (!ok)
    throw new Error(`the local cluster did not settle: nodes not Ready: ${state.notReady.join(', ') || 'none'}; ready webhook endpoints: ${state.ready}`);
}

describe('the certificates suite on the local cluster', () => {
  let original: string | undefined;

  beforeAll(() => settled(180_000), 200_000);

  afterAll(async () => {
    if (original !== undefined) await setCaBundle(original);
  });

  it('passes as the cluster is, every check passing, warning or skipping with its reason', async () => {
    const { code, seconds, results, stdout } = await runSuite([]);
    console.log(`certificates suite: ${seconds.toFixed(1)} s`);
    for (const r of results) console.log(`  ${r.status} ${r.check}: ${r.message}`);
    expect(
      results.filter((r) => r.status === 'fail').map((r) => `${r.check}: ${r.message}`),
      stdout,
    ).toEqual([]);
    expect(code).toBe(0);
    expect(results.find((r) => r.check === HOOK_CHECK)?.message).toContain(`validating webhook ${WEBHOOK}/canary.shakedown.test`);
    expect(results.find((r) => r.check === 'TLS Secrets at rest')?.status).toBe('skip');
  });

  it('names the webhook and the mismatch when its caBundle holds another CA, then the caBundle is restored', async () => {
    original = await caBundle();
    expect(original).not.toBe('');
    await setCaBundle(Buffer.from(OTHER_CA).toString('base64'));
    let broken: Awaited<ReturnType<typeof runSuite>>;
    try {
      broken = await runSuite([]);
    } finally {
      await setCaBundle(original);
    }
    expect(await caBundle()).toBe(original);
    original = undefined;
    const hook = broken.results.find((r) => r.check === HOOK_CHECK);
    console.log(`with a wrong caBundle (${broken.seconds.toFixed(1)} s): ${hook?.status} ${hook?.message}`);
    expect(broken.code).toBe(1);
    expect(hook).toMatchObject({ status: 'fail', classification: 'tls-error' });
    expect(hook?.message).toContain(`validating webhook ${WEBHOOK}/canary.shakedown.test`);
    expect(hook?.message).toContain('signed by unknown authority');
    expect(hook?.message).toContain('the bundle holds CN=test-other-ca');
    // The chain as seen and the CA it was checked against.
    const labels = hook?.evidence?.map((e) => e.label) ?? [];
    expect(labels.some((l) => l.endsWith('chain as seen'))).toBe(true);
    expect(hook?.evidence?.find((e) => e.label.includes('checked against'))?.text).toContain('subject CN=test-other-ca');
    // Nothing else broke.
    expect(broken.results.filter((r) => r.status === 'fail').map((r) => r.check)).toEqual([HOOK_CHECK]);
  });

  it('names a Secret renewed but not reloaded: a newer certificate in the Secret while the old one is served', async () => {
    const original = await secretData();
    const renewed = renewedWebhookCert();
    await setSecretData({ 'tls.crt': Buffer.from(renewed.cert).toString('base64'), 'tls.key': Buffer.from(renewed.key).toString('base64') });
    let ran: Awaited<ReturnType<typeof runSuite>>;
    try {
      ran = await runSuite(['--certs-secrets', WEBHOOK]);
    } finally {
      await setSecretData(original);
    }
    expect(await secretData()).toEqual(original);
    const hook = ran.results.find((r) => r.check === HOOK_CHECK);
    console.log(`with the Secret renewed and the server not restarted: ${hook?.status} ${hook?.message}`);
    expect(ran.code).toBe(0);
    expect(hook).toMatchObject({ status: 'warn' });
    expect(hook?.message).toMatch(
      new RegExp(`renewed but not reloaded: Secret ${WEBHOOK}/${WEBHOOK}-tls holds serial [0-9A-F]+ .*, the server still serves serial [0-9A-F]+`),
    );
  });

  it('fails the expiry gate on the API server and on every kubelet, naming days left', async () => {
    const nodes = await withSession(async (session) => (await session.clients.core.listNode()).items.map((n) => n.metadata?.name ?? ''));
    // With Secrets opted in where the webhook keeps its key pair: the same gate at rest.
    const { code, results } = await runSuite(['--cert-fail-days', '400', '--certs-secrets', WEBHOOK]);
    const api = results.find((r) => r.check === 'the API server serves a certificate its clients trust');
    const kubelets = results.find((r) => r.check === 'every kubelet serves a certificate for its node');
    console.log(`expiry gate at 400 days:\n  API server: ${api?.message}\n  kubelets: ${findingsOf(kubelets).split('\n').join('\n    ')}`);
    expect(code).toBe(1);
    expect(api).toMatchObject({ status: 'fail', classification: 'expired' });
    expect(api?.message).toMatch(/CN=kube-apiserver \(serial [0-9A-F]+\) expires in \d+ day\(s\), at .* \(below --cert-fail-days 400\)/);
    expect(kubelets).toMatchObject({ status: 'fail', classification: 'expired' });
    for (const node of nodes) {
      expect(findingsOf(kubelets)).toMatch(
        new RegExp(`FAIL kubelet of ${node} \\(.*\\) from its own agent: .*CN=system:node:${node} .* expires in \\d+ day\\(s\\)`),
      );
    }
    const secrets = results.find((r) => r.check === 'TLS Secrets at rest');
    expect(secrets).toMatchObject({ status: 'fail', classification: 'expired' });
    expect(secrets?.message).toMatch(
      new RegExp(`Secret ${WEBHOOK}/${WEBHOOK}-tls tls\\.crt: CN=${WEBHOOK}\\.${WEBHOOK}\\.svc \\(serial [0-9A-F]+\\) expires in \\d+ day\\(s\\)`),
    );
    // The CAs (3650 days) stay above the gate.
    expect(results.find((r) => r.check === 'CA bundles at rest')?.status).toBe('pass');
  });
});
