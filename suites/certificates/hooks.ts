// Admission webhooks, aggregated APIServices and CRD conversion webhooks: each resolved to what
// the API server dials (a Service's ClusterIP and port, or a URL), dialed from an agent with the
// SNI the API server sends (name.namespace.svc), and the chain verified against its caBundle.
// Findings are named: an empty caBundle (checked against the system roots, as the API server
// would), insecureSkipTLSVerify, a CA expiring before the leaf, failurePolicy Fail with no ready
// endpoints, a Service that does not exist.
import type { ProbeAgent } from '../../helpers/fleet/descriptor.ts';
import type { Dial, Dialed } from './dial.ts';
import type { Finding } from './findings.ts';
import { judgeServed, type Trust } from './judge.ts';
import { classificationOf } from './outcome.ts';
import type { ApiService, ClientConfig, Crd, Meta, Service, WebhookConfiguration } from '../lib/api-json.ts';
import type { Thresholds } from './thresholds.ts';
import { parseCaBundleField, systemRoots } from '../lib/x509.ts';

export interface Hook {
  // "validating webhook shakedown-webhook/check.shakedown.test", "APIService v1beta1.metrics.k8s.io".
  label: string;
  kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration' | 'APIService' | 'CustomResourceDefinition';
  object: string;
  clientConfig: ClientConfig;
  failurePolicy: 'Fail' | 'Ignore';
  insecureSkipTLSVerify: boolean;
  // What cert-manager's cainjector is asked to inject into its caBundle (its annotation), when asked.
  injectFrom?: string;
}

// cert-manager's cainjector fills the caBundle of objects annotated with where the CA comes from.
export const INJECT_ANNOTATIONS = ['cert-manager.io/inject-ca-from', 'cert-manager.io/inject-ca-from-secret', 'cert-manager.io/inject-apiserver-ca'];

function injectFrom(meta: Meta): { injectFrom?: string } {
  const annotation = INJECT_ANNOTATIONS.find((key) => meta.annotations?.[key] !== undefined);
  return annotation === undefined ? {} : { injectFrom: `${annotation}: ${meta.annotations?.[annotation] ?? ''}` };
}

export function hooksOf(lists: {
  validating: readonly WebhookConfiguration[];
  mutating: readonly WebhookConfiguration[];
  apiServices: readonly ApiService[];
  crds: readonly Crd[];
}): Hook[] {
  const admission = (kind: Hook['kind'], noun: string, configs: readonly WebhookConfiguration[]): Hook[] =>
    configs.flatMap((config) =>
      (config.webhooks ?? []).map((webhook) => ({
        label: `${noun} webhook ${config.metadata.name}/${webhook.name}`,
        kind,
        object: config.metadata.name,
        clientConfig: webhook.clientConfig,
        // The API's default.
        failurePolicy: webhook.failurePolicy ?? 'Fail',
        insecureSkipTLSVerify: false,
        ...injectFrom(config.metadata),
      })),
    );
  return [
    ...admission('ValidatingWebhookConfiguration', 'validating', lists.validating),
    ...admission('MutatingWebhookConfiguration', 'mutating', lists.mutating),
    // A local APIService (no service) is served by the API server itself.
    ...lists.apiServices
      .filter((api) => api.spec.service !== undefined && api.spec.service !== null)
      .map((api): Hook => ({
        label: `APIService ${api.metadata.name}`,
        kind: 'APIService',
        object: api.metadata.name,
        clientConfig: {
          service: api.spec.service as NonNullable<ApiService['spec']['service']>,
          ...(api.spec.caBundle === undefined ? {} : { caBundle: api.spec.caBundle }),
        },
        // An unavailable APIService fails discovery for every client: as bad as failurePolicy Fail.
        failurePolicy: 'Fail',
        insecureSkipTLSVerify: api.spec.insecureSkipTLSVerify === true,
        ...injectFrom(api.metadata),
      })),
    ...lists.crds
      .filter((crd) => crd.spec.conversion?.strategy === 'Webhook' && crd.spec.conversion.webhook?.clientConfig !== undefined)
      .map((crd): Hook => ({
        label: `conversion webhook of CRD ${crd.metadata.name}`,
        kind: 'CustomResourceDefinition',
        object: crd.metadata.name,
        clientConfig: crd.spec.conversion?.webhook?.clientConfig ?? {},
        // Conversion has no policy: a failure fails every read of the other versions.
        failurePolicy: 'Fail',
        insecureSkipTLSVerify: false,
        ...injectFrom(crd.metadata),
      })),
  ];
}

// Where the API server dials a hook, and what the Service behind it has ready.
export interface Resolved {
  hook: Hook;
  host?: string;
  port?: number;
  servername?: string;
  // undefined for a URL (nothing to count).
  readyEndpoints?: number;
  // Why it cannot be dialed, when it cannot.
  problem?: string;
}

export function resolveHook(hook: Hook, service: Service | undefined, ready: number): Resolved {
  const ref = hook.clientConfig.service;
  if (ref === undefined) {
    const url = URL.parse(hook.clientConfig.url ?? '');
    if (url === null) return { hook, problem: `neither a service nor a usable URL (${hook.clientConfig.url ?? 'none'})` };
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return { hook, host, port: url.port === '' ? 443 : Number(url.port), servername: host };
  }
  const servername = `${ref.name}.${ref.namespace}.svc`;
  const port = ref.port ?? 443;
  if (service === undefined) return { hook, servername, port, readyEndpoints: 0, problem: `its Service ${ref.namespace}/${ref.name} does not exist` };
  if (service.spec.type === 'ExternalName') return { hook, host: service.spec.externalName ?? '', port, servername, readyEndpoints: ready };
  const clusterIP = service.spec.clusterIP;
  if (clusterIP === undefined || clusterIP === 'None' || clusterIP === '')
    return { hook, servername, port, readyEndpoints: ready, problem: `its Service ${ref.namespace}/${ref.name} has no ClusterIP` };
  return { hook, host: clusterIP, port, servername, readyEndpoints: ready };
}

export interface HookDial extends Dial {
  resolved: Resolved;
}

export function hookDials(resolved: readonly Resolved[], agent: ProbeAgent): HookDial[] {
  return resolved
    .filter((r) => r.problem === undefined && r.host !== undefined && r.port !== undefined)
    .map((r) => ({
      where: `${r.hook.label} (${r.servername ?? r.host}, dialed at ${r.host}:${r.port})`,
      from: agent,
      host: r.host as string,
      port: r.port as number,
      ...(r.servername === undefined ? {} : { servername: r.servername }),
      resolved: r,
    }));
}

/** What a hook's chain is checked against: its caBundle, or with an empty one the system roots. */
export function trustOf(hook: Hook): { trust: Trust; problems: string[] } {
  const parsed = parseCaBundleField(hook.clientConfig.caBundle);
  if (parsed.certs.length === 0) {
    return { trust: { label: 'the system roots (its caBundle is empty)', certs: systemRoots() }, problems: parsed.errors.map((e) => `caBundle: ${e}`) };
  }
  return { trust: { label: `the caBundle of ${hook.label}`, certs: parsed.certs }, problems: parsed.errors.map((e) => `caBundle: ${e}`) };
}

export function judgeHooks(
  resolved: readonly Resolved[],
  dialed: readonly Dialed[],
  now: Date,
  thresholds: Thresholds,
): { findings: Finding[]; lines: string[] } {
  const findings: Finding[] = [];
  const lines: string[] = [];
  const policy = (r: Resolved): 'fail' | 'warn' => (r.hook.failurePolicy === 'Fail' ? 'fail' : 'warn');
  for (const r of resolved) {
    if (r.problem !== undefined) {
      findings.push({
        level: policy(r),
        classification: 'missing',
        where: r.hook.label,
        message: `${r.problem} (failurePolicy ${r.hook.failurePolicy})`,
        likelyCause: 'the webhook outlived what served it: delete the configuration or restore its Service',
      });
      lines.push(`${r.hook.label}: ${r.problem}`);
    } else if (r.readyEndpoints === 0) {
      findings.push({
        level: policy(r),
        classification: 'missing',
        where: r.hook.label,
        message: `its Service has no ready endpoints (failurePolicy ${r.hook.failurePolicy}${r.hook.failurePolicy === 'Fail' ? ': every matching request is refused' : ''})`,
        likelyCause: 'the pods serving it are down or not Ready',
      });
    }
    if (r.hook.insecureSkipTLSVerify) {
      findings.push({
        level: 'warn',
        classification: 'tls-error',
        where: r.hook.label,
        message: 'insecureSkipTLSVerify: the API server does not verify what it serves at all',
      });
    }
  }
  for (const { dial, result, chain } of dialed) {
    const r = (dial as HookDial).resolved;
    const { trust, problems } = trustOf(r.hook);
    for (const problem of problems) findings.push({ level: 'warn', classification: 'error', where: r.hook.label, message: problem });
    if (r.hook.clientConfig.caBundle === undefined || r.hook.clientConfig.caBundle === '') {
      findings.push(
        r.hook.injectFrom === undefined
          ? {
              level: 'warn',
              classification: 'missing',
              where: r.hook.label,
              message: 'empty caBundle: the API server trusts only its system roots for it',
              likelyCause: 'a CA injector (cert-manager cainjector) has not filled the caBundle',
            }
          : {
              level: policy(r),
              classification: 'missing',
              where: r.hook.label,
              message: `empty caBundle although cert-manager's cainjector is asked to inject it (${r.hook.injectFrom}): the API server cannot verify what it serves`,
              likelyCause:
                "cert-manager's cainjector is not running, or cannot read what the annotation names (the Certificate not Ready, its Secret missing): kubectl -n cert-manager logs deploy/cert-manager-cainjector",
            },
      );
    }
    if (result.outcome !== 'ok') {
      // No ready endpoints already says why nothing answers.
      if (r.readyEndpoints === 0) continue;
      findings.push({
        level: policy(r),
        classification: classificationOf(result.outcome),
        where: dial.where,
        message: `the TLS handshake failed: ${result.outcome}${result.code === undefined ? '' : ` ${result.code}`} (${result.detail})`,
      });
      lines.push(`${dial.where}: ${result.outcome}`);
      continue;
    }
    const judged = judgeServed({
      where: dial.where,
      chain,
      trust,
      names: r.servername === undefined ? [] : [r.servername],
      now,
      thresholds,
      ...(r.hook.insecureSkipTLSVerify ? { untrustedLevel: 'warn' as const } : {}),
      untrustedCause: `the caBundle of ${r.hook.object} is not the CA that signed what its server serves (one side rotated): the API server fails with "x509: certificate signed by unknown authority"`,
    });
    findings.push(...judged.findings);
    lines.push(
      `${dial.where}: serial ${chain[0]?.serialNumber ?? '?'}, ${judged.verdict.ok ? judged.verdict.message : `NOT verified: ${judged.verdict.message}`}`,
    );
  }
  return { findings, lines };
}
