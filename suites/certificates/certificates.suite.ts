// Certificates, live: what the API server, every kubelet and every webhook and APIService serves,
// dialed from the runner and from agents (TLS handshake only) and verified here, with Node's
// X509Certificate, against the CA that is supposed to trust it; then the CA bundles at rest, TLS
// Secrets (opt-in), cert-manager Certificates, and node clock skew. Every finding names the
// certificate and where it is served or stored, with the chain as seen and the CA checked against.
// Where cert-manager runs, its Issuers, requests and webhook are judged too, and a certificate is
// issued end to end from an Issuer of the run's own: the only objects this suite creates, in the
// run namespace.
import type { V1Node } from '@kubernetes/client-node';
import { check, defineSuite, type CheckContext } from '../../helpers/engine/check.ts';
import { suiteOptions } from '../../helpers/engine/manifest.ts';
import { everyNodeAgents } from '../../helpers/fleet/plan.ts';
import { resolveCredentials } from '../../helpers/kube/connection.ts';
import manifest from './manifest.ts';
import { apiServerDials, judgeApiServer, type ApiServerView } from './apiserver.ts';
import { judgeStored, type Stored } from './at-rest.ts';
import {
  E2E_CERTIFICATE,
  E2E_DURATION,
  E2E_ISSUER,
  apartFromRuns,
  certificateObject,
  type CertManagerState,
  dryRunCertificate,
  issueEndToEnd,
  issuerName,
  judgeCertificates,
  judgeIssuedSecret,
  judgeIssuers,
  judgeRequests,
  readCertManager,
} from './cert-manager.ts';
import { best, clockLines, sampleOf, skewFindings, type ClockSample } from './clock.ts';
import { conclude } from './conclude.ts';
import { dialAll, reproduceDial, type Dialed } from './dial.ts';
import type { Finding } from './findings.ts';
import { hookDials, hooksOf, judgeHooks, resolveHook, type HookDial, type Resolved } from './hooks.ts';
import { staleFindings, type StoredCert } from './stale.ts';
import type { Trust } from './judge.ts';
import { judgeKubelets, kubeletDials, pendingServingCsrs, type KubeletNode } from './kubelets.ts';
import {
  getJson,
  listOrAbsent,
  readyAddresses,
  slicesOf,
  type ApiService,
  type ConfigMap,
  type Crd,
  type Csr,
  type EndpointSlice,
  type Service,
  type WebhookConfiguration,
} from '../lib/api-json.ts';
import { parsePemBundle, systemRoots } from '../lib/x509.ts';
import { etcdCertificateCheck, kubeletClientRotationCheck } from './kubeadm-checks.ts';

const DIAL_MS = 5000;
const CM_ABSENT = 'cert-manager is not installed (no certificates.cert-manager.io API)';
// How long a selfSigned issuance may take (seconds when cert-manager is healthy).
const ISSUE_BOUND_MS = 60_000;

function thresholdsOf(c: CheckContext) {
  const options = suiteOptions(c.run, manifest);
  return { warnDays: options.warnDays, failDays: options.failDays };
}

async function podTrust(c: CheckContext): Promise<Trust> {
  const { session } = await c.cluster();
  const configMap = await session.clients.core.readNamespacedConfigMap({ namespace: c.run.namespace, name: 'kube-root-ca.crt' });
  const bundle = parsePemBundle(configMap.data?.['ca.crt'] ?? '');
  if (bundle.certs.length === 0)
    c.fail('missing', `ConfigMap ${c.run.namespace}/kube-root-ca.crt holds no certificate under ca.crt`, {
      likelyCause: "the controller-manager's root CA publisher (its --root-ca-file) is not set",
    });
  return { label: 'kube-root-ca.crt (the cluster CA pods trust)', certs: bundle.certs };
}

function domainOf(c: CheckContext): string {
  for (const agent of c.run.fleet.agents) {
    const svc = agent.resolvConf?.search.find((entry) => entry.startsWith('svc.'));
    if (svc !== undefined) return svc.slice('svc.'.length);
  }
  return 'cluster.local';
}

// Evidence: how to dial each place that has a finding, by hand.
function reproduceLines(c: CheckContext, dialed: readonly Dialed[], findings: readonly Finding[]): void {
  const named = dialed.filter(({ dial }) => findings.some((f) => f.where.includes(dial.where)));
  if (named.length > 0) c.evidence('reproduce', named.map(({ dial }) => `${dial.where}:\n  ${reproduceDial(dial, c.run.namespace)}`).join('\n'));
}

function kubeletNode(node: V1Node): KubeletNode {
  const addresses = node.status?.addresses ?? [];
  const internalIP = addresses.find((a) => a.type === 'InternalIP')?.address;
  return {
    name: node.metadata?.name ?? '?',
    ...(internalIP === undefined ? {} : { internalIP }),
    addresses: addresses.filter((a) => a.type === 'InternalIP' || a.type === 'Hostname' || a.type === 'ExternalIP').map((a) => a.address),
    port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 10250,
  };
}

// With --certs-secrets covering a webhook's namespace: its TLS Secrets against what it serves.
async function renewedNotReloaded(c: CheckContext, dialed: readonly Dialed[]): Promise<Finding[]> {
  const allowed = suiteOptions(c.run, manifest).secrets ?? [];
  if (allowed.length === 0) return [];
  const { session } = await c.cluster();
  const byNamespace = new Map<string, StoredCert[]>();
  const findings: Finding[] = [];
  for (const { dial, chain } of dialed) {
    const ref = (dial as HookDial).resolved.hook.clientConfig.service;
    const leaf = chain[0];
    if (ref === undefined || leaf === undefined || dial.servername === undefined) continue;
    if (!allowed.includes('all') && !allowed.includes(ref.namespace)) continue;
    let stored = byNamespace.get(ref.namespace);
    if (stored === undefined) {
      stored = [];
      try {
        const secrets =
          (await listOrAbsent<{ metadata: { name: string }; data?: Record<string, string> }>(
            session.connection,
            `/api/v1/namespaces/${ref.namespace}/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls`,
            c.signal,
          )) ?? [];
        for (const secret of secrets) {
          const cert = parsePemBundle(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8')).certs[0];
          if (cert !== undefined) stored.push({ where: `Secret ${ref.namespace}/${secret.metadata.name}`, cert });
        }
      } catch (error) {
        c.log(`TLS Secrets of ${ref.namespace} not read: ${error instanceof Error ? error.message : String(error)}`);
      }
      byNamespace.set(ref.namespace, stored);
    }
    findings.push(...staleFindings(dial.where, leaf, dial.servername, stored));
  }
  return findings;
}

// cert-manager's objects without those shakedown runs made (said in the check's log).
async function clusterCertManager(c: CheckContext): Promise<CertManagerState | undefined> {
  const read = await readCertManager(c);
  if (read === undefined) return undefined;
  const { state, runs } = apartFromRuns(read);
  if (runs.length > 0)
    c.log(
      `left out what shakedown runs made (judged by their end-to-end check): ${runs.map((o) => `${'kind' in o ? o.kind : 'Certificate'} ${o.metadata.namespace ?? ''}/${o.metadata.name}`).join(', ')}`,
    );
  return state;
}

defineSuite(manifest, () => {
  check(manifest.check.apiServer, async (c) => {
    const { session, transport } = await c.cluster();
    const now = new Date();
    const pods = await podTrust(c);
    const credentials = await resolveCredentials(session.kc);
    const findings: Finding[] = [];
    const kubeconfigCa = credentials.ca === undefined ? undefined : parsePemBundle(credentials.ca.toString('utf8')).certs;
    const kubeconfigTrust: Trust =
      kubeconfigCa === undefined || kubeconfigCa.length === 0
        ? { label: 'the system roots (the kubeconfig names no CA)', certs: systemRoots() }
        : { label: 'the kubeconfig CA (certificate-authority-data)', certs: kubeconfigCa };
    if (credentials.rejectUnauthorized === false) {
      findings.push({
        level: 'warn',
        classification: 'tls-error',
        where: 'the kubeconfig',
        message: 'insecure-skip-tls-verify: kubectl does not verify the API server at all',
      });
    }
    const service = await session.clients.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    const slices = await session.clients.discovery.listNamespacedEndpointSlice({
      namespace: 'default',
      labelSelector: 'kubernetes.io/service-name=kubernetes',
    });
    const endpoints = slices.items.flatMap((slice) => {
      const port = slice.ports?.find((p) => p.name === 'https')?.port ?? slice.ports?.[0]?.port ?? 443;
      return (slice.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses.map((address) => ({ address, port })));
    });
    const tlsServerName = session.kc.getCurrentCluster()?.tlsServerName;
    const view: ApiServerView = {
      server: new URL(session.server),
      ...(tlsServerName === undefined || tlsServerName === '' ? {} : { tlsServerName }),
      serviceIP: service.spec?.clusterIP ?? '',
      servicePort: service.spec?.ports?.find((p) => p.name === 'https')?.port ?? 443,
      endpoints,
      domain: domainOf(c),
    };
    const dials = apiServerDials(view, everyNodeAgents(c.run.fleet));
    const dialed = await dialAll(transport, dials, DIAL_MS, c.signal);
    const judged = judgeApiServer(dialed, { view, podTrust: pods, kubeconfigTrust, now, thresholds: thresholdsOf(c) });
    for (const line of judged.lines) c.log(line);
    findings.push(...judged.findings);
    reproduceLines(c, dialed, findings);
    const leaf = dialed.find((d) => d.chain[0] !== undefined)?.chain[0];
    conclude(
      c,
      findings,
      now,
      `${dialed.filter((d) => d.result.outcome === 'ok').length} of ${dialed.length} dials verified; serial ${leaf?.serialNumber ?? '?'}, ${leaf === undefined ? '' : `${Math.floor((leaf.validToDate.getTime() - now.getTime()) / 86_400_000)} days left`}`,
    );
  });

  check(manifest.check.kubelets, async (c) => {
    const { session, transport } = await c.cluster();
    const now = new Date();
    const trust = await podTrust(c);
    const nodes = (await session.clients.core.listNode()).items.map(kubeletNode);
    const { dials, undialed } = kubeletDials(nodes, everyNodeAgents(c.run.fleet));
    const dialed = await dialAll(transport, dials, DIAL_MS, c.signal);
    const judged = judgeKubelets(dialed, trust, now, thresholdsOf(c));
    for (const line of judged.lines) c.log(line);
    const findings = [
      ...judged.findings,
      ...undialed.map((text): Finding => ({ level: 'warn', classification: 'missing', where: 'kubelet', message: `not dialed: ${text}` })),
    ];
    const csrs = (await listOrAbsent<Csr>(session.connection, '/apis/certificates.k8s.io/v1/certificatesigningrequests', c.signal)) ?? [];
    findings.push(...pendingServingCsrs(csrs, now));
    reproduceLines(c, dialed, findings);
    conclude(
      c,
      findings,
      now,
      `${dialed.length} kubelet(s) serve certificates trusted by the cluster CA: ${judged.lines.map((l) => l.replace(/ \(.*?\) from .*?:/, ':')).join('; ')}`,
    );
  });

  check(manifest.check.webhooksAndApiServices, async (c) => {
    const { session, transport } = await c.cluster();
    const now = new Date();
    const conn = session.connection;
    const [validating, mutating, apiServices, crds] = await Promise.all([
      listOrAbsent<WebhookConfiguration>(conn, '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', c.signal),
      listOrAbsent<WebhookConfiguration>(conn, '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', c.signal),
      listOrAbsent<ApiService>(conn, '/apis/apiregistration.k8s.io/v1/apiservices', c.signal),
      listOrAbsent<Crd>(conn, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', c.signal),
    ]);
    const hooks = hooksOf({ validating: validating ?? [], mutating: mutating ?? [], apiServices: apiServices ?? [], crds: crds ?? [] });
    if (hooks.length === 0) {
      c.note('no admission webhook, service-backed APIService or CRD conversion webhook to dial');
      return;
    }
    const resolved: Resolved[] = await Promise.all(
      hooks.map(async (hook) => {
        const ref = hook.clientConfig.service;
        if (ref === undefined) return resolveHook(hook, undefined, 0);
        let service: Service | undefined;
        try {
          service = await getJson<Service>(conn, `/api/v1/namespaces/${ref.namespace}/services/${ref.name}`, c.signal);
        } catch {
          service = undefined;
        }
        const slices = service === undefined ? [] : ((await listOrAbsent<EndpointSlice>(conn, slicesOf(ref.namespace, ref.name), c.signal)) ?? []);
        return resolveHook(hook, service, readyAddresses(slices).length);
      }),
    );
    const agent = everyNodeAgents(c.run.fleet)[0] ?? c.run.fleet.agents[0];
    if (agent === undefined) return c.fail('missing', 'no probe agent to dial the webhooks from');
    const dialed = await dialAll(transport, hookDials(resolved, agent), DIAL_MS, c.signal);
    const judged = judgeHooks(resolved, dialed, now, thresholdsOf(c));
    judged.findings.push(...(await renewedNotReloaded(c, dialed)));
    for (const line of judged.lines) c.log(line);
    reproduceLines(c, dialed, judged.findings);
    conclude(
      c,
      judged.findings,
      now,
      `${dialed.length} of ${hooks.length} webhook(s) and API service(s) dialed and verified against their caBundle: ${hooks.map((h) => h.label).join(', ')}`,
    );
  });

  check(manifest.check.etcd, async (c) => etcdCertificateCheck(c, thresholdsOf(c), DIAL_MS));

  check(manifest.check.kubeletClientRotation, kubeletClientRotationCheck);

  check(manifest.check.clocks, async (c) => {
    const { transport } = await c.cluster();
    const boundMs = suiteOptions(c.run, manifest).maxClockSkew;
    const agents = everyNodeAgents(c.run.fleet);
    const samples = await Promise.all(
      agents.map(async (agent) => {
        const taken: ClockSample[] = [];
        for (let i = 0; i < 3; i++) {
          const sentAt = Date.now();
          const info = await transport.info(agent, { signal: c.signal });
          const receivedAt = Date.now();
          if (typeof info.time !== 'number') return c.fail('error', `agent ${agent.name} does not report its clock (an older agent?)`);
          taken.push(sampleOf(agent.name, agent.node, sentAt, info.time, receivedAt));
        }
        return best(taken);
      }),
    );
    const kept = samples.filter((s): s is ClockSample => s !== undefined);
    const lines = clockLines(kept);
    c.evidence('clocks', lines.join('\n'));
    for (const line of lines) c.log(line);
    conclude(
      c,
      skewFindings(kept, boundMs),
      new Date(),
      `${kept.length} node clock(s) within ${boundMs} ms of each other and of the runner: ${lines.join('; ')}`,
    );
  });

  check(manifest.check.caBundlesAtRest, async (c) => {
    const { session } = await c.cluster();
    const now = new Date();
    const stored: Stored[] = [];
    const root = await session.clients.core.readNamespacedConfigMap({ namespace: c.run.namespace, name: 'kube-root-ca.crt' });
    stored.push({ where: `ConfigMap ${c.run.namespace}/kube-root-ca.crt ca.crt (the cluster CA pods trust)`, pem: root.data?.['ca.crt'] ?? '' });
    let auth: ConfigMap | undefined;
    try {
      auth = await getJson<ConfigMap>(session.connection, '/api/v1/namespaces/kube-system/configmaps/extension-apiserver-authentication', c.signal);
    } catch (error) {
      c.log(`extension-apiserver-authentication: ${error instanceof Error ? error.message : String(error)}`);
    }
    const labels: Record<string, string> = { 'client-ca-file': 'the client CA', 'requestheader-client-ca-file': 'the front-proxy CA' };
    for (const [key, label] of Object.entries(labels)) {
      const pem = auth?.data?.[key];
      if (pem !== undefined) stored.push({ where: `ConfigMap kube-system/extension-apiserver-authentication ${key} (${label})`, pem });
      else
        c.log(
          `kube-system/extension-apiserver-authentication has no ${key}${key.startsWith('requestheader') ? ' (no front-proxy: aggregation not configured)' : ''}`,
        );
    }
    const judged = judgeStored(stored, now, thresholdsOf(c));
    c.evidence('stored', stored.map((s) => s.where).join('\n'));
    conclude(c, judged.findings, now, `${judged.count} certificate(s) in ${stored.length} bundle(s) parse and are far from expiry`);
  });

  check(manifest.check.tlsSecretsAtRest, async (c) => {
    const namespaces = suiteOptions(c.run, manifest).secrets;
    if (namespaces === undefined || namespaces.length === 0) {
      return c.skip('not asked: listing Secrets is a sensitive permission; pass --certs-secrets all or NAMESPACE... to read kubernetes.io/tls Secrets');
    }
    const { session } = await c.cluster();
    const now = new Date();
    const paths = namespaces.includes('all')
      ? ['/api/v1/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls']
      : namespaces.map((ns) => `/api/v1/namespaces/${ns}/secrets?fieldSelector=type%3Dkubernetes.io%2Ftls`);
    const stored: Stored[] = [];
    for (const path of paths) {
      let secrets: { metadata: { name: string; namespace?: string }; data?: Record<string, string> }[] | undefined;
      try {
        secrets = await listOrAbsent(session.connection, path, c.signal);
      } catch (error) {
        c.fail('forbidden', `cannot list Secrets (${path}): ${error instanceof Error ? error.message : String(error)}`, {
          likelyCause: '--certs-secrets needs list secrets in those namespaces, which the run does not ask for by default',
        });
      }
      for (const secret of secrets ?? []) {
        const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
        stored.push({ where: `Secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name} tls.crt`, pem });
      }
    }
    const judged = judgeStored(stored, now, thresholdsOf(c));
    conclude(c, judged.findings, now, `${stored.length} TLS Secret(s) in ${namespaces.join(', ')}: ${judged.count} certificate(s) far from expiry`);
  });

  check(manifest.check.certManagerCertificates, async (c) => {
    const now = new Date();
    const state = await clusterCertManager(c);
    if (state === undefined) return c.skip(CM_ABSENT);
    const findings = [
      ...judgeCertificates(state.certificates, state.issuers, now, thresholdsOf(c)),
      ...judgeRequests(state.requests, state.certificates, state.issuers, now),
    ];
    conclude(
      c,
      findings,
      now,
      `${state.certificates.length} cert-manager Certificate(s) Ready and renewed; no CertificateRequest denied or failed in the last day`,
    );
  });

  check(manifest.check.certManagerIssuers, async (c) => {
    const now = new Date();
    const state = await clusterCertManager(c);
    if (state === undefined) return c.skip(CM_ABSENT);
    conclude(
      c,
      judgeIssuers(state.issuers),
      now,
      `${state.issuers.length} Issuer(s) and ClusterIssuer(s) Ready: ${state.issuers.map(issuerName).join(', ') || 'none'}`,
    );
  });

  check(manifest.check.certManagerWebhook, async (c) => {
    if ((await readCertManager(c)) === undefined) return c.skip(CM_ABSENT);
    const refused = await dryRunCertificate(c);
    if (refused === undefined) return c.note("a server-side dry run of a Certificate passed cert-manager's validating webhook");
    const webhook = /failed calling webhook|webhook/i.test(refused);
    c.fail(webhook ? 'refused' : 'error', `a server-side dry run of a Certificate was refused: ${refused}`, {
      likelyCause: webhook
        ? "the API server cannot call cert-manager's webhook: its pods are down or not Ready, its Service has no endpoints, or its serving certificate does not verify against the caBundle cainjector injected (see the webhooks check of this suite and kubectl -n cert-manager get pods,endpointslices)"
        : 'the API server refused the Certificate itself (RBAC, or a cert-manager API version this run does not speak)',
      reproduce: `kubectl -n ${c.run.namespace} create --dry-run=server -f - <<< '${JSON.stringify(certificateObject(c.run.namespace, c.run.runId, 'shakedown-dry-run', E2E_ISSUER))}'`,
    });
  });

  check(manifest.check.certManagerIssuance, async (c) => {
    if ((await readCertManager(c)) === undefined) return c.skip(CM_ABSENT);
    const issued = await issueEndToEnd(c, ISSUE_BOUND_MS);
    const seconds = (issued.elapsedMs / 1000).toFixed(1);
    if (!issued.ok) {
      const state = await readCertManager(c);
      const requests = (state?.requests ?? []).filter((r) => r.metadata.namespace === c.run.namespace);
      const ready = issued.certificate?.status?.conditions?.find((cond) => cond.type === 'Ready');
      c.fail(
        'timeout',
        `a Certificate from an Issuer of the run's own (selfSigned) was not Ready after ${seconds} s: ${ready?.reason ?? 'no Ready condition'}${ready?.message === undefined ? '' : `: ${ready.message}`}`,
        {
          evidence: [
            {
              label: `Certificate ${c.run.namespace}/${E2E_CERTIFICATE} conditions`,
              text:
                (issued.certificate?.status?.conditions ?? [])
                  .map((cond) => `${cond.type}=${cond.status} ${cond.reason ?? ''} ${cond.message ?? ''}`)
                  .join('\n') || '(none: the cert-manager controller has not looked at it)',
            },
            {
              label: 'its CertificateRequests',
              text:
                requests
                  .map(
                    (r) =>
                      `${r.metadata.name}: ${(r.status?.conditions ?? []).map((cond) => `${cond.type}=${cond.status} ${cond.reason ?? ''} ${cond.message ?? ''}`).join('; ') || 'no conditions'}`,
                  )
                  .join('\n') || '(none: no request was made)',
            },
          ],
          likelyCause:
            (issued.certificate?.status?.conditions ?? []).length === 0
              ? 'the cert-manager controller is not running or not watching this namespace (see its pods and leader Lease in cert-manager)'
              : 'cert-manager could not issue from a selfSigned Issuer: see the CertificateRequest above and the controller log',
          reproduce: `kubectl -n ${c.run.namespace} describe certificate ${E2E_CERTIFICATE}`,
        },
      );
    }
    const { session } = await c.cluster();
    const secret = await session.clients.core.readNamespacedSecret({ namespace: c.run.namespace, name: E2E_CERTIFICATE });
    const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString('utf8');
    const dnsName = `${E2E_CERTIFICATE}.${c.run.namespace}.svc`;
    const problems = judgeIssuedSecret(pem, dnsName, new Date());
    if (problems.length > 0)
      c.fail('mismatch', `the issued Secret ${c.run.namespace}/${E2E_CERTIFICATE} is not what was asked: ${problems.join('; ')}`, {
        likelyCause: 'cert-manager wrote a certificate other than the one requested',
      });
    c.note(`Ready after ${seconds} s: ${dnsName}, valid ${E2E_DURATION}`);
  });
});
