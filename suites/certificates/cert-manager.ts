// cert-manager, judged by its own objects and by doing its work: Certificates Ready and renewed on
// time (each failure traced to its Issuer's reason), Issuers and ClusterIssuers Ready, recent
// CertificateRequests denied or failed, its webhook answering the API server (a server-side dry run
// of a Certificate), and an issuance end to end from an Issuer of the run's own, timed. The judges
// are pure; unit-tested in cert-manager.test.ts.
import type { CheckContext } from '../../helpers/engine/check.ts';
import { poll } from '../../helpers/wait/poll.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';
import type { Finding } from './findings.ts';
import { ROTATION_DUE, ROTATION_OVERDUE, isShortLived, rotationLevel, type Thresholds } from './thresholds.ts';
import { parsePemBundle } from '../lib/x509.ts';

export const CM_GROUP = 'cert-manager.io';
const VERSION = 'v1';

export interface CmCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

interface IssuerRef {
  name: string;
  kind?: string;
  group?: string;
}

export interface CmCertificate {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: { secretName?: string; dnsNames?: string[]; issuerRef?: IssuerRef };
  status?: {
    conditions?: CmCondition[];
    notBefore?: string;
    notAfter?: string;
    renewalTime?: string;
    failedIssuanceAttempts?: number;
    lastFailureTime?: string;
  };
}

export interface CmIssuer {
  kind: 'Issuer' | 'ClusterIssuer';
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: { conditions?: CmCondition[] };
}

export interface CmRequest {
  metadata: { name: string; namespace?: string; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { issuerRef?: IssuerRef };
  status?: { conditions?: CmCondition[]; failureTime?: string };
}

const condition = (conditions: readonly CmCondition[] | undefined, type: string) => conditions?.find((c) => c.type === type);
const reasonText = (c: CmCondition | undefined) =>
  c === undefined ? 'no Ready condition' : `${c.reason ?? c.status}${c.message === undefined || c.message === '' ? '' : `: ${c.message}`}`;

// "Issuer ns/name (ca)" or "ClusterIssuer name (acme)": its kind, where, and what issues.
export function issuerName(issuer: Pick<CmIssuer, 'kind' | 'metadata' | 'spec'>): string {
  const type = Object.keys(issuer.spec ?? {}).find((key) => ['ca', 'selfSigned', 'acme', 'vault', 'venafi'].includes(key));
  return `${issuer.kind} ${issuer.metadata.namespace === undefined ? '' : `${issuer.metadata.namespace}/`}${issuer.metadata.name}${type === undefined ? '' : ` (${type})`}`;
}

// The Issuer or ClusterIssuer a Certificate (in its namespace) or a request names.
// An issuer of another API group (an external issuer) is not cert-manager's to judge: `external`.
export function issuerOf(
  ref: IssuerRef | undefined,
  namespace: string | undefined,
  issuers: readonly CmIssuer[],
): { ref: string; issuer: CmIssuer | undefined; external: boolean } {
  const kind = ref?.kind ?? 'Issuer';
  const external = ref?.group !== undefined && ref.group !== '' && ref.group !== CM_GROUP;
  const refText = `${kind} ${kind === 'ClusterIssuer' ? '' : `${namespace ?? ''}/`}${ref?.name ?? '?'}${external ? ` (${ref?.group})` : ''}`;
  if (external) return { ref: refText, issuer: undefined, external };
  const issuer = issuers.find((i) => i.kind === kind && i.metadata.name === ref?.name && (kind === 'ClusterIssuer' || i.metadata.namespace === namespace));
  return { ref: refText, issuer, external };
}

export function judgeIssuers(issuers: readonly CmIssuer[]): Finding[] {
  return issuers.flatMap((issuer): Finding[] => {
    const ready = condition(issuer.status?.conditions, 'Ready');
    if (ready?.status === 'True') return [];
    return [
      {
        level: 'fail',
        classification: 'missing',
        where: issuerName(issuer),
        message: `not Ready: ${reasonText(ready)}`,
        likelyCause: issuerCause(issuer, ready),
      },
    ];
  });
}

function issuerCause(issuer: CmIssuer, ready: CmCondition | undefined): string {
  const text = `${ready?.reason ?? ''} ${ready?.message ?? ''}`.toLowerCase();
  const ca = issuer.spec?.ca as { secretName?: string } | undefined;
  if (ca?.secretName !== undefined && /secret|not found/.test(text))
    return `its CA Secret ${ca.secretName} is missing or holds no usable key pair (in ${issuer.kind === 'ClusterIssuer' ? "cert-manager's cluster resource namespace" : issuer.metadata.namespace})`;
  if (issuer.spec?.acme !== undefined)
    return 'the ACME account cannot be registered or verified (the ACME server unreachable, the account key Secret lost, or the account deactivated)';
  return 'cert-manager cannot use this Issuer: see its status and the cert-manager controller log';
}

// Certificates Ready and renewed on time, each failure traced to its Issuer.
export function judgeCertificates(certificates: readonly CmCertificate[], issuers: readonly CmIssuer[], now: Date, thresholds: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const cert of certificates) {
    const where = `cert-manager Certificate ${cert.metadata.namespace ?? ''}/${cert.metadata.name} (Secret ${cert.spec?.secretName ?? '?'})`;
    const { ref, issuer, external } = issuerOf(cert.spec?.issuerRef, cert.metadata.namespace, issuers);
    const issuerReady = condition(issuer?.status?.conditions, 'Ready');
    const issuerState = external
      ? ''
      : issuer === undefined
        ? `its ${ref} does not exist`
        : issuerReady?.status === 'True'
          ? ''
          : `its ${issuerName(issuer)} is not Ready: ${reasonText(issuerReady)}`;
    const ready = condition(cert.status?.conditions, 'Ready');
    if (ready?.status !== 'True') {
      findings.push({
        level: 'fail',
        classification: 'missing',
        where,
        message: `not Ready: ${reasonText(ready)}${issuerState === '' ? '' : `; ${issuerState}`}`,
        likelyCause:
          issuerState !== '' && issuer !== undefined
            ? `${issuerState}: ${issuerCause(issuer, issuerReady)}`
            : issuerState !== ''
              ? `${issuerState}: the Certificate names an Issuer that is not there (a typo, the wrong kind, or it was deleted)`
              : 'cert-manager cannot issue it: see its CertificateRequests and the cert-manager controller log',
      });
    }
    const renewal = cert.status?.renewalTime === undefined ? Number.NaN : Date.parse(cert.status.renewalTime);
    if (renewal < now.getTime() - 3_600_000) {
      findings.push({
        level: 'fail',
        classification: 'expired',
        where,
        message: `renewal overdue: its renewal time ${cert.status?.renewalTime ?? ''} passed more than an hour ago and it was not renewed${cert.status?.notAfter === undefined ? '' : ` (it expires at ${cert.status.notAfter})`}${issuerState === '' ? '' : `; ${issuerState}`}`,
        likelyCause: issuerState === '' ? 'the cert-manager controller is not running or not renewing (see its log and leader Lease)' : issuerState,
      });
    }
    if ((cert.status?.failedIssuanceAttempts ?? 0) > 0) {
      findings.push({
        level: 'warn',
        classification: 'error',
        where,
        message: `${cert.status?.failedIssuanceAttempts} failed issuance attempt(s)${cert.status?.lastFailureTime === undefined ? '' : `, the last at ${cert.status.lastFailureTime}`}`,
      });
    }
    const notAfter = cert.status?.notAfter === undefined ? Number.NaN : Date.parse(cert.status.notAfter);
    const notBefore = cert.status?.notBefore === undefined ? Number.NaN : Date.parse(cert.status.notBefore);
    if (!Number.isNaN(notAfter)) {
      const days = Math.floor((notAfter - now.getTime()) / 86_400_000);
      const lifetimeMs = notAfter - notBefore;
      if (!Number.isNaN(notBefore) && isShortLived(lifetimeMs, thresholds)) {
        // Its whole life inside the warning window by design: judged by the share of it passed.
        const leftMs = notAfter - now.getTime();
        const level = rotationLevel(lifetimeMs, leftMs);
        const passed = Math.min(100, Math.round((1 - leftMs / lifetimeMs) * 100));
        if (level !== 'ok') {
          findings.push({
            level,
            classification: 'expired',
            where,
            message: `expires in ${days} day(s), at ${cert.status?.notAfter ?? ''}: a short-lived certificate with ${passed} % of its life passed and not renewed (${level === 'fail' ? `overdue past ${Math.round(ROTATION_OVERDUE * 100)} %` : `due by ${Math.round(ROTATION_DUE * 100)} %`})`,
            likelyCause: issuerState === '' ? 'the cert-manager controller is not running or not renewing (see its log and leader Lease)' : issuerState,
          });
        }
      } else {
        const level = days < thresholds.failDays ? 'fail' : days < thresholds.warnDays ? 'warn' : undefined;
        if (level !== undefined)
          findings.push({ level, classification: 'expired', where, message: `expires in ${days} day(s), at ${cert.status?.notAfter ?? ''}` });
      }
    }
  }
  return findings;
}

export const RECENT_MS = 24 * 3_600_000;

// CertificateRequests denied or failed in the last day: a failure while its Certificate is not
// Ready, a warning once a later request made it Ready.
export function judgeRequests(requests: readonly CmRequest[], certificates: readonly CmCertificate[], issuers: readonly CmIssuer[], now: Date): Finding[] {
  return requests.flatMap((request): Finding[] => {
    const denied = condition(request.status?.conditions, 'Denied');
    const ready = condition(request.status?.conditions, 'Ready');
    const failed = denied?.status === 'True' ? denied : ready?.status === 'False' && ready.reason === 'Failed' ? ready : undefined;
    if (failed === undefined) return [];
    const at = Date.parse(failed.lastTransitionTime ?? request.status?.failureTime ?? request.metadata.creationTimestamp ?? '');
    if (!(now.getTime() - at < RECENT_MS)) return [];
    const namespace = request.metadata.namespace;
    const certName = request.metadata.annotations?.['cert-manager.io/certificate-name'];
    const cert = certificates.find((c) => c.metadata.name === certName && c.metadata.namespace === namespace);
    const certReady = condition(cert?.status?.conditions, 'Ready')?.status === 'True';
    const { ref, issuer } = issuerOf(request.spec?.issuerRef, namespace, issuers);
    const issuerReason = issuer === undefined ? '' : `; ${issuerName(issuer)} says ${reasonText(condition(issuer.status?.conditions, 'Ready'))}`;
    return [
      {
        level: certReady ? 'warn' : 'fail',
        classification: denied?.status === 'True' ? 'forbidden' : 'error',
        where: `CertificateRequest ${namespace ?? ''}/${request.metadata.name}${certName === undefined ? '' : ` (Certificate ${certName})`} from ${ref}`,
        message: `${denied?.status === 'True' ? 'denied' : 'failed'} ${Math.round((now.getTime() - at) / 60_000)} min ago: ${reasonText(failed)}${issuerReason}${certReady ? '; a later request made the Certificate Ready' : ''}`,
      },
    ];
  });
}

// Everything the Certificate, Issuer and request checks read, in one go (each list absent without cert-manager).
export interface CertManagerState {
  certificates: CmCertificate[];
  issuers: CmIssuer[];
  requests: CmRequest[];
}

// The Issuers, Certificates (and their requests) a shakedown run made, its own or a concurrent
// run's, set apart from the cluster's: they are the end-to-end check's probes (judged there, by the
// run that made them), and one being made while another check reads is not Ready for a moment.
export function apartFromRuns(state: CertManagerState): { state: CertManagerState; runs: (CmCertificate | CmIssuer)[] } {
  const made = (labels: Record<string, string> | undefined) => labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE && (labels[RUN_ID_LABEL] ?? '') !== '';
  const runs = state.certificates.filter((cert) => made(cert.metadata.labels));
  const ofRuns = (request: CmRequest) =>
    made(request.metadata.labels) ||
    runs.some(
      (cert) =>
        cert.metadata.namespace === request.metadata.namespace && cert.metadata.name === request.metadata.annotations?.['cert-manager.io/certificate-name'],
    );
  const issuers = state.issuers.filter((issuer) => made(issuer.metadata.labels));
  return {
    state: {
      certificates: state.certificates.filter((cert) => !made(cert.metadata.labels)),
      issuers: state.issuers.filter((issuer) => !made(issuer.metadata.labels)),
      requests: state.requests.filter((request) => !ofRuns(request)),
    },
    runs: [...issuers, ...runs],
  };
}

export async function readCertManager(c: CheckContext): Promise<CertManagerState | undefined> {
  const { session } = await c.cluster();
  const list = async <T>(plural: string): Promise<T[] | undefined> => {
    try {
      return ((await session.clients.custom.listClusterCustomObject({ group: CM_GROUP, version: VERSION, plural })) as { items?: T[] }).items ?? [];
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  };
  const [certificates, issuers, clusterIssuers, requests] = await Promise.all([
    list<CmCertificate>('certificates'),
    list<CmIssuer>('issuers'),
    list<CmIssuer>('clusterissuers'),
    list<CmRequest>('certificaterequests'),
  ]);
  if (certificates === undefined) return undefined;
  return {
    certificates,
    issuers: [
      ...(issuers ?? []).map((i) => ({ ...i, kind: 'Issuer' as const })),
      ...(clusterIssuers ?? []).map((i) => ({ ...i, kind: 'ClusterIssuer' as const })),
    ],
    requests: requests ?? [],
  };
}

function labels(runId: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: runId };
}

export const E2E_ISSUER = 'shakedown-selfsigned';
export const E2E_CERTIFICATE = 'shakedown-e2e';
export const E2E_DURATION = '1h';

export function certificateObject(namespace: string, runId: string, name: string, issuer: string): Record<string, unknown> {
  return {
    apiVersion: `${CM_GROUP}/${VERSION}`,
    kind: 'Certificate',
    metadata: { name, namespace, labels: labels(runId) },
    spec: {
      secretName: name,
      duration: E2E_DURATION,
      dnsNames: [`${name}.${namespace}.svc`],
      issuerRef: { name: issuer, kind: 'Issuer' },
      privateKey: { algorithm: 'ECDSA', size: 256 },
    },
  };
}

// cert-manager's webhook validates every Certificate: a server-side dry run of one makes the API
// server call it without creating anything. Undefined when it answered; else what the API server said.
export async function dryRunCertificate(c: CheckContext): Promise<string | undefined> {
  const { session } = await c.cluster();
  try {
    await session.clients.custom.createNamespacedCustomObject({
      group: CM_GROUP,
      version: VERSION,
      namespace: c.run.namespace,
      plural: 'certificates',
      body: certificateObject(c.run.namespace, c.run.runId, 'shakedown-dry-run', E2E_ISSUER),
      dryRun: 'All',
    });
    return undefined;
  } catch (error) {
    const body = (error as { body?: unknown }).body;
    const message =
      typeof body === 'string'
        ? ((): string => {
            try {
              return (JSON.parse(body) as { message?: string }).message ?? body;
            } catch {
              return body;
            }
          })()
        : error instanceof Error
          ? error.message
          : String(error);
    return message;
  }
}

export interface Issued {
  ok: boolean;
  elapsedMs: number;
  certificate: CmCertificate | undefined;
}

// A self-signed Issuer and a Certificate of the run's own, in the run namespace; until the
// Certificate is Ready (or the bound), then its Secret is read back.
export async function issueEndToEnd(c: CheckContext, boundMs: number): Promise<Issued> {
  const { session } = await c.cluster();
  const { custom } = session.clients;
  const namespace = c.run.namespace;
  await custom.createNamespacedCustomObject({
    group: CM_GROUP,
    version: VERSION,
    namespace,
    plural: 'issuers',
    body: {
      apiVersion: `${CM_GROUP}/${VERSION}`,
      kind: 'Issuer',
      metadata: { name: E2E_ISSUER, namespace, labels: labels(c.run.runId) },
      spec: { selfSigned: {} },
    },
  });
  c.track({ kind: 'Issuer', namespace, name: E2E_ISSUER });
  const started = performance.now();
  await custom.createNamespacedCustomObject({
    group: CM_GROUP,
    version: VERSION,
    namespace,
    plural: 'certificates',
    body: certificateObject(namespace, c.run.runId, E2E_CERTIFICATE, E2E_ISSUER),
  });
  c.track({ kind: 'Certificate', namespace, name: E2E_CERTIFICATE });
  const read = () =>
    custom.getNamespacedCustomObject({ group: CM_GROUP, version: VERSION, namespace, plural: 'certificates', name: E2E_CERTIFICATE }) as Promise<CmCertificate>;
  const waited = await poll(read, (cert) => condition(cert.status?.conditions, 'Ready')?.status === 'True', {
    timeoutMs: boundMs,
    intervalMs: 200,
    signal: c.signal,
  });
  return { ok: waited.ok, elapsedMs: performance.now() - started, certificate: waited.value };
}

// What the issued Secret holds, against what was asked: a parsable certificate for the DNS name, about an hour long.
export function judgeIssuedSecret(pem: string, dnsName: string, now: Date): string[] {
  const parsed = parsePemBundle(pem);
  const [leaf] = parsed.certs;
  if (leaf === undefined) return [`tls.crt holds no certificate${parsed.errors.length > 0 ? ` (${parsed.errors.join('; ')})` : ''}`];
  const problems: string[] = [];
  if (!(leaf.subjectAltName ?? '').split(', ').includes(`DNS:${dnsName}`)) problems.push(`its SANs (${leaf.subjectAltName ?? 'none'}) lack DNS:${dnsName}`);
  const hours = (Date.parse(leaf.validTo) - now.getTime()) / 3_600_000;
  if (hours < 0.5 || hours > 1.5) problems.push(`it is valid until ${leaf.validTo}, not about ${E2E_DURATION} from now`);
  return problems;
}
