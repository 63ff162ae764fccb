// The per-check judges on certificates made for the tests: what each finding names.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../agent/protocol.ts';
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import { TEST_CERT } from '../../agent/testing/tls.ts';
import { apiServerDials, judgeApiServer, type ApiServerView } from './apiserver.ts';
import { judgeStored } from './at-rest.ts';
import { best, sampleOf, skewFindings } from './clock.ts';
import { RUNNER, type Dial, type Dialed } from './dial.ts';
import { hookDials, hooksOf, judgeHooks, resolveHook } from './hooks.ts';
import { judgeKubelets, kubeletDials, pendingServingCsrs } from './kubelets.ts';
import type { Service, WebhookConfiguration } from '../lib/api-json.ts';
import { APISERVER_CERT, OTHER_CA, ROOT_CA, WEBHOOK_CERT, WEBHOOK_RENEWED_CERT, INTERMEDIATE_CA } from './testing/fixtures.ts';
import { staleFindings } from './stale.ts';

const x = (pem: string) => new X509Certificate(pem);
const root = x(ROOT_CA);
const apiserver = x(APISERVER_CERT);
const now = new Date(apiserver.validFromDate.getTime() + 86_400_000);
const thresholds = { warnDays: 30, failDays: 7 };
const agent = (name: string, node: string): ProbeAgent => ({
  name,
  namespace: 'sd',
  node,
  podIP: '10.244.0.9',
  group: 'node',
  ports: { api: 8080, http: [8080], tcp: 9000, udp: 9001 },
  labels: {},
  token: 't',
});
const a1 = agent('probe-1', 'node1');
const a2 = agent('probe-2', 'node2');

const ok = (...certs: X509Certificate[]): ProbeResult => ({
  id: '0',
  kind: 'tls',
  outcome: 'ok',
  ms: 1,
  detail: 'handshake done',
  tls: { chain: certs.map((c) => c.raw.toString('base64')) },
});
const dialed = (dial: Dial, result: ProbeResult, chain: X509Certificate[]): Dialed => ({ dial, result, chain });

describe('the API server', () => {
  const view: ApiServerView = {
    server: new URL('https://10.217.0.11:6443'),
    serviceIP: '10.96.0.1',
    servicePort: 443,
    endpoints: [{ address: '10.217.0.11', port: 6443 }],
    domain: 'cluster.local',
  };

  it('is dialed at the kubeconfig server from the runner, at the Service from every agent and at each endpoint from one', () => {
    const dials = apiServerDials(view, [a1, a2]);
    expect(dials.map((d) => [d.role, d.from === RUNNER ? 'runner' : d.from.name, `${d.host}:${d.port}`, d.servername])).toEqual([
      ['kubeconfig', 'runner', '10.217.0.11:6443', undefined],
      ['service', 'probe-1', '10.96.0.1:443', 'kubernetes.default.svc.cluster.local'],
      ['service', 'probe-2', '10.96.0.1:443', 'kubernetes.default.svc.cluster.local'],
      ['endpoint', 'probe-1', '10.217.0.11:6443', undefined],
    ]);
  });

  it('passes a chain both CAs trust and names the Service dial that another CA signed', () => {
    const dials = apiServerDials(view, [a1]);
    const trusted = { label: 'kube-root-ca.crt', certs: [root] };
    const good = judgeApiServer(
      dials.map((d) => dialed(d, ok(apiserver), [apiserver])),
      { view, podTrust: trusted, kubeconfigTrust: trusted, now, thresholds },
    );
    // The fixture leaves out kubernetes.default: a warning, the only finding.
    expect(good.findings.map((f) => `${f.level} ${f.message}`)).toEqual(['warn the certificate does not cover kubernetes.default, which some clients use']);
    const bad = judgeApiServer(
      dials.map((d) => dialed(d, ok(apiserver), [apiserver])),
      { view, podTrust: { label: 'kube-root-ca.crt', certs: [x(OTHER_CA)] }, kubeconfigTrust: trusted, now, thresholds },
    );
    expect(bad.findings.filter((f) => f.level === 'fail').map((f) => f.where)).toEqual([
      'kubernetes Service 10.96.0.1:443 from probe-1 on node1',
      'API server endpoint 10.217.0.11:6443 from probe-1 on node1',
    ]);
    expect(bad.findings[0]?.message).toContain('does not verify against kube-root-ca.crt');
  });

  it('fails a handshake that pods cannot make, but not an endpoint the runner cannot reach', () => {
    const refused: ProbeResult = { id: '0', kind: 'tls', outcome: 'refused', code: 'ECONNREFUSED', ms: 1, detail: 'connect ECONNREFUSED' };
    const views = { ...view, endpoints: [{ address: '192.168.9.9', port: 6443 }] };
    const dials = apiServerDials(views, [a1]);
    const trusted = { label: 'ca', certs: [root] };
    const judged = judgeApiServer(
      dials.map((d) => dialed(d, d.role === 'kubeconfig' ? ok(apiserver) : refused, d.role === 'kubeconfig' ? [apiserver] : [])),
      { view: views, podTrust: trusted, kubeconfigTrust: trusted, now, thresholds },
    );
    expect(judged.findings.map((f) => [f.classification, f.where])).toEqual([
      ['refused', 'kubernetes Service 10.96.0.1:443 from probe-1 on node1'],
      ['refused', 'API server endpoint 192.168.9.9:6443 from probe-1 on node1'],
    ]);
  });
});

describe('kubelets', () => {
  const nodes = [
    { name: 'node1', internalIP: '10.217.0.11', addresses: ['10.217.0.11', 'node1'], port: 10250 },
    { name: 'node3', internalIP: '10.217.0.13', addresses: ['10.217.0.13'], port: 10250 },
    { name: 'node4', addresses: [], port: 10250 },
  ];

  it('dials each node from its own agent, another when it has none, and names what cannot be dialed', () => {
    const { dials, undialed } = kubeletDials(nodes, [a1]);
    expect(dials.map((d) => d.where)).toEqual([
      'kubelet of node1 (10.217.0.11:10250) from its own agent',
      'kubelet of node3 (10.217.0.13:10250) from probe-1 on node1, the node has no agent',
    ]);
    expect(undialed).toEqual(['node4: no InternalIP address']);
  });

  it('warns for a self-signed certificate and for node addresses it does not cover, fails the expiry gate', () => {
    const { dials } = kubeletDials(nodes.slice(0, 1), [a1]);
    const self = x(TEST_CERT);
    const judged = judgeKubelets([dialed(dials[0] as Dial, ok(self), [self])], { label: 'kube-root-ca.crt', certs: [root] }, now, thresholds);
    expect(judged.findings.map((f) => [f.level, f.classification])).toEqual([
      ['warn', 'tls-error'],
      ['warn', 'mismatch'],
    ]);
    expect(judged.findings[0]?.message).toMatch(/^self-signed certificate/);
    expect(judged.lines[0]).toContain('self-signed, issuer CN=shop.example');
    const late = new Date(self.validToDate.getTime() - 2.5 * 86_400_000);
    const expiring = judgeKubelets([dialed(dials[0] as Dial, ok(self), [self])], { label: 'kube-root-ca.crt', certs: [self] }, late, thresholds);
    expect(expiring.findings.find((f) => f.level === 'fail')?.message).toContain('expires in 2 day(s)');
  });

  it('lists kubelet-serving CSRs Pending for more than five minutes', () => {
    const created = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
    const csrs = [
      { metadata: { name: 'csr-old', creationTimestamp: created(12) }, spec: { signerName: 'kubernetes.io/kubelet-serving', username: 'system:node:node1' } },
      { metadata: { name: 'csr-new', creationTimestamp: created(1) }, spec: { signerName: 'kubernetes.io/kubelet-serving' } },
      {
        metadata: { name: 'csr-done', creationTimestamp: created(30) },
        spec: { signerName: 'kubernetes.io/kubelet-serving' },
        status: { conditions: [{ type: 'Approved' }] },
      },
      { metadata: { name: 'csr-client', creationTimestamp: created(30) }, spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet' } },
    ];
    expect(pendingServingCsrs(csrs, now).map((f) => `${f.where}: ${f.message}`)).toEqual([
      'CSR csr-old: kubelet-serving request from system:node:node1 Pending for 12 minute(s)',
    ]);
  });
});

describe('webhooks', () => {
  const bundle = (...pems: string[]) => Buffer.from(pems.join('\n')).toString('base64');
  const config = (caBundle: string, failurePolicy: 'Fail' | 'Ignore' = 'Fail'): WebhookConfiguration => ({
    metadata: { name: 'hooks' },
    webhooks: [{ name: 'check.hooks.test', failurePolicy, clientConfig: { service: { namespace: 'hooks', name: 'webhook' }, caBundle } }],
  });
  const service: Service = { metadata: { name: 'webhook', namespace: 'hooks' }, spec: { clusterIP: '10.96.5.5', ports: [{ port: 443 }] } };
  const webhook = x(WEBHOOK_CERT);
  const intermediate = x(INTERMEDIATE_CA);
  const judgeOne = (caBundle: string, ready = 1, failurePolicy: 'Fail' | 'Ignore' = 'Fail') => {
    const hooks = hooksOf({ validating: [config(caBundle, failurePolicy)], mutating: [], apiServices: [], crds: [] });
    const resolved = hooks.map((h) => resolveHook(h, service, ready));
    const dials = hookDials(resolved, a1);
    return {
      dials,
      judged: judgeHooks(
        resolved,
        dials.map((d) => dialed(d, ok(webhook, intermediate), [webhook, intermediate])),
        now,
        thresholds,
      ),
    };
  };

  it('dials the Service with the SNI the API server sends and passes a chain its caBundle signed', () => {
    const { dials, judged } = judgeOne(bundle(ROOT_CA));
    expect(dials.map((d) => [d.host, d.port, d.servername])).toEqual([['10.96.5.5', 443, 'webhook.hooks.svc']]);
    expect(judged.findings).toEqual([]);
  });

  it('names the webhook and the mismatch when its caBundle holds another CA', () => {
    const { judged } = judgeOne(bundle(OTHER_CA));
    expect(judged.findings).toHaveLength(1);
    expect(judged.findings[0]).toMatchObject({ level: 'fail', classification: 'tls-error' });
    expect(judged.findings[0]?.where).toBe('validating webhook hooks/check.hooks.test (webhook.hooks.svc, dialed at 10.96.5.5:443)');
    expect(judged.findings[0]?.message).toBe(
      'does not verify against the caBundle of validating webhook hooks/check.hooks.test: signed by unknown authority: the chain ends at CN=test-root-ca, and the bundle holds CN=test-other-ca',
    );
  });

  it('names an empty caBundle and checks against the system roots', () => {
    const { judged } = judgeOne('');
    expect(judged.findings.map((f) => [f.level, f.message.slice(0, 40)])).toEqual([
      ['warn', 'empty caBundle: the API server trusts on'],
      ['fail', 'does not verify against the system roots'],
    ]);
  });

  it("fails an empty caBundle cert-manager's cainjector was asked to fill, naming what it should inject", () => {
    const injected = { ...config(''), metadata: { name: 'hooks', annotations: { 'cert-manager.io/inject-ca-from': 'hooks/webhook-ca' } } };
    const hooks = hooksOf({ validating: [injected], mutating: [], apiServices: [], crds: [] });
    const resolved = hooks.map((h) => resolveHook(h, service, 1));
    const judged = judgeHooks(
      resolved,
      hookDials(resolved, a1).map((d) => dialed(d, ok(webhook, intermediate), [webhook, intermediate])),
      now,
      thresholds,
    );
    const [empty] = judged.findings;
    expect(empty).toMatchObject({ level: 'fail', classification: 'missing' });
    expect(empty?.message).toBe(
      "empty caBundle although cert-manager's cainjector is asked to inject it (cert-manager.io/inject-ca-from: hooks/webhook-ca): the API server cannot verify what it serves",
    );
    expect(empty?.likelyCause).toMatch(/^cert-manager's cainjector is not running/);
  });

  it('fails failurePolicy Fail with no ready endpoints, warns with Ignore', () => {
    expect(judgeOne(bundle(ROOT_CA), 0).judged.findings.map((f) => [f.level, f.message])).toEqual([
      ['fail', 'its Service has no ready endpoints (failurePolicy Fail: every matching request is refused)'],
    ]);
    expect(judgeOne(bundle(ROOT_CA), 0, 'Ignore').judged.findings.map((f) => f.level)).toEqual(['warn']);
  });

  it('reads APIServices with a service and CRD conversion webhooks, and names a missing Service', () => {
    const hooks = hooksOf({
      validating: [],
      mutating: [],
      apiServices: [
        { metadata: { name: 'v1.' }, spec: {} },
        { metadata: { name: 'v1beta1.metrics.k8s.io' }, spec: { service: { namespace: 'kube-system', name: 'metrics-server' }, insecureSkipTLSVerify: true } },
      ],
      crds: [
        {
          metadata: { name: 'widgets.example.com' },
          spec: { conversion: { strategy: 'Webhook', webhook: { clientConfig: { url: 'https://conv.example.com:8443/convert' } } } },
        },
      ],
    });
    expect(hooks.map((h) => h.label)).toEqual(['APIService v1beta1.metrics.k8s.io', 'conversion webhook of CRD widgets.example.com']);
    const resolved = [resolveHook(hooks[0]!, undefined, 0), resolveHook(hooks[1]!, undefined, 0)];
    expect(resolved[1]).toMatchObject({ host: 'conv.example.com', port: 8443, servername: 'conv.example.com' });
    const judged = judgeHooks(resolved, [], now, thresholds);
    expect(judged.findings.map((f) => `${f.level} ${f.where}: ${f.message}`)).toEqual([
      'fail APIService v1beta1.metrics.k8s.io: its Service kube-system/metrics-server does not exist (failurePolicy Fail)',
      'warn APIService v1beta1.metrics.k8s.io: insecureSkipTLSVerify: the API server does not verify what it serves at all',
    ]);
  });
});

describe('clocks', () => {
  it('measures an offset bounded by half the round trip, keeping the tightest sample', () => {
    expect(sampleOf('p', 'n', 1000, 1600, 1200)).toEqual({ agent: 'p', node: 'n', offsetMs: 500, uncertaintyMs: 100 });
    expect(best([sampleOf('p', 'n', 0, 50, 100), sampleOf('p', 'n', 0, 10, 20)])?.uncertaintyMs).toBe(10);
  });

  it('fails nodes that disagree beyond the bound and the round trips, warns for the runner', () => {
    const samples = [sampleOf('p1', 'node1', 0, 10, 20), sampleOf('p2', 'node2', 0, 9000, 20)];
    const findings = skewFindings(samples, 5000);
    expect(findings.map((f) => [f.level, f.where])).toEqual([
      ['fail', 'nodes node2 and node1'],
      ['warn', 'node node2 against the runner'],
    ]);
    expect(findings[0]?.message).toMatch(/^clocks differ by at least 8970 ms/);
    expect(skewFindings([sampleOf('p1', 'node1', 0, 10, 20), sampleOf('p2', 'node2', 0, 40, 60)], 5000)).toEqual([]);
  });
});

describe('at rest', () => {
  it('gates the certificates of a bundle on days left and names what does not parse', () => {
    const late = new Date(root.validToDate.getTime() - 10 * 86_400_000);
    const { findings, count } = judgeStored(
      [
        { where: 'ConfigMap x/kube-root-ca.crt', pem: `${ROOT_CA}\n${OTHER_CA}` },
        { where: 'ConfigMap empty', pem: '' },
      ],
      late,
      thresholds,
    );
    expect(count).toBe(2);
    expect(findings.map((f) => [f.level, f.where])).toEqual([
      ['warn', 'ConfigMap x/kube-root-ca.crt'],
      ['warn', 'ConfigMap x/kube-root-ca.crt'],
      ['warn', 'ConfigMap empty'],
    ]);
  });
});

describe('renewed but not reloaded', () => {
  it('warns when a Secret holds a newer certificate for the name than the one served, naming both serials', () => {
    const served = x(WEBHOOK_CERT);
    const renewed = x(WEBHOOK_RENEWED_CERT);
    const findings = staleFindings('webhook hooks/x', served, 'webhook.hooks.svc', [
      { where: 'Secret hooks/webhook-tls', cert: renewed },
      { where: 'Secret hooks/other', cert: apiserver },
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: 'warn', classification: 'mismatch', where: 'webhook hooks/x' });
    expect(findings[0]?.message).toBe(
      `renewed but not reloaded: Secret hooks/webhook-tls holds serial ${renewed.serialNumber} (not before ${renewed.validFromDate.toISOString()}), the server still serves serial ${served.serialNumber} (until ${served.validToDate.toISOString()})`,
    );
    // The Secret that holds what is served, or an older certificate, is no finding.
    expect(
      staleFindings('w', renewed, 'webhook.hooks.svc', [
        { where: 's', cert: renewed },
        { where: 'old', cert: served },
      ]),
    ).toEqual([]);
  });
});
