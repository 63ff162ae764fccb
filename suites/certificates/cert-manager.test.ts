import { describe, expect, it } from 'vitest';
import {
  apartFromRuns,
  issuerName,
  judgeCertificates,
  judgeIssuedSecret,
  judgeIssuers,
  judgeRequests,
  type CmCertificate,
  type CmIssuer,
  type CmRequest,
} from './cert-manager.ts';
import { ROOT_CA } from './testing/fixtures.ts';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, RUN_ID_LABEL } from '../../helpers/run/labels.ts';

const now = new Date('2026-12-07T16:00:00Z');
const thresholds = { warnDays: 30, failDays: 7 };
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const ready = (status: string, reason?: string, message?: string) => [
  { type: 'Ready', status, ...(reason === undefined ? {} : { reason }), ...(message === undefined ? {} : { message }) },
];

const brokenCa: CmIssuer = {
  kind: 'Issuer',
  metadata: { name: 'shop-ca', namespace: 'shop' },
  spec: { ca: { secretName: 'shop-ca-key' } },
  status: { conditions: ready('False', 'ErrGetKeyPair', 'Error getting keypair for CA issuer: secrets "shop-ca-key" not found') },
};
const selfSigned: CmIssuer = { kind: 'ClusterIssuer', metadata: { name: 'root' }, spec: { selfSigned: {} }, status: { conditions: ready('True', 'IsReady') } };
const cert = (name: string, issuer: { name: string; kind?: string; group?: string }, status: CmCertificate['status']): CmCertificate => ({
  metadata: { name, namespace: 'shop' },
  spec: { secretName: `${name}-tls`, issuerRef: issuer },
  status,
});

describe('cert-manager', () => {
  it('names a Certificate stuck on a broken Issuer with the Issuer and its reason', () => {
    const findings = judgeCertificates(
      [cert('web', { name: 'shop-ca' }, { conditions: ready('False', 'Issuing', 'Issuing certificate as Secret does not exist') })],
      [brokenCa, selfSigned],
      now,
      thresholds,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.where).toBe('cert-manager Certificate shop/web (Secret web-tls)');
    expect(findings[0]?.message).toBe(
      'not Ready: Issuing: Issuing certificate as Secret does not exist; its Issuer shop/shop-ca (ca) is not Ready: ErrGetKeyPair: Error getting keypair for CA issuer: secrets "shop-ca-key" not found',
    );
    expect(findings[0]?.likelyCause).toMatch(/its CA Secret shop-ca-key is missing or holds no usable key pair \(in shop\)$/);
  });

  it('names an Issuer that does not exist, and leaves external issuers alone', () => {
    const findings = judgeCertificates(
      [
        cert('api', { name: 'gone', kind: 'ClusterIssuer' }, { conditions: ready('False', 'Pending') }),
        cert('ext', { name: 'pca', kind: 'AWSPCAIssuer', group: 'awspca.cert-manager.io' }, { conditions: ready('True') }),
      ],
      [selfSigned],
      now,
      thresholds,
    );
    expect(findings.map((f) => f.message)).toEqual(['not Ready: Pending; its ClusterIssuer gone does not exist']);
  });

  it('fails an overdue renewal, warns on failed attempts, gates expiry', () => {
    const findings = judgeCertificates(
      [
        cert(
          'old',
          { name: 'root', kind: 'ClusterIssuer' },
          {
            conditions: ready('True'),
            renewalTime: ago(7_200_000),
            notAfter: new Date(now.getTime() + 3 * 86_400_000).toISOString(),
            failedIssuanceAttempts: 2,
            lastFailureTime: ago(600_000),
          },
        ),
      ],
      [selfSigned],
      now,
      thresholds,
    );
    expect(findings.map((f) => [f.level, f.message.split(':')[0]])).toEqual([
      ['fail', 'renewal overdue'],
      ['warn', `2 failed issuance attempt(s), the last at ${ago(600_000).split(':')[0]}`],
      ['fail', 'expires in 3 day(s), at 2026-12-10T16'],
    ]);
  });

  it('names Issuers and ClusterIssuers that are not Ready, with their reason and what is likely wrong', () => {
    const acme: CmIssuer = {
      kind: 'ClusterIssuer',
      metadata: { name: 'letsencrypt' },
      spec: { acme: {} },
      status: { conditions: ready('False', 'ErrRegisterACMEAccount', 'Failed to register ACME account') },
    };
    const findings = judgeIssuers([brokenCa, selfSigned, acme]);
    expect(findings.map((f) => `${f.where}: ${f.message}`)).toEqual([
      'Issuer shop/shop-ca (ca): not Ready: ErrGetKeyPair: Error getting keypair for CA issuer: secrets "shop-ca-key" not found',
      'ClusterIssuer letsencrypt (acme): not Ready: ErrRegisterACMEAccount: Failed to register ACME account',
    ]);
    expect(findings[1]?.likelyCause).toMatch(/ACME account/);
    expect(issuerName(selfSigned)).toBe('ClusterIssuer root (selfSigned)');
  });

  it('names recent denied or failed CertificateRequests: failures while the Certificate is not Ready, warnings once it is', () => {
    const request = (name: string, certificate: string, conditions: CmRequest['status']): CmRequest => ({
      metadata: { name, namespace: 'shop', annotations: { 'cert-manager.io/certificate-name': certificate } },
      spec: { issuerRef: { name: 'shop-ca' } },
      status: conditions,
    });
    const certificates = [cert('web', { name: 'shop-ca' }, { conditions: ready('False') }), cert('api', { name: 'shop-ca' }, { conditions: ready('True') })];
    const findings = judgeRequests(
      [
        request('web-1', 'web', {
          conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', message: 'keypair not found', lastTransitionTime: ago(600_000) }],
        }),
        request('api-1', 'api', {
          conditions: [{ type: 'Denied', status: 'True', reason: 'Denied', message: 'policy says no', lastTransitionTime: ago(1_200_000) }],
        }),
        request('old-1', 'web', { conditions: [{ type: 'Ready', status: 'False', reason: 'Failed', lastTransitionTime: ago(3 * 86_400_000) }] }),
        request('ok-1', 'web', { conditions: ready('True', 'Issued') }),
      ],
      certificates,
      [brokenCa],
      now,
    );
    expect(findings.map((f) => [f.level, f.where, f.message])).toEqual([
      [
        'fail',
        'CertificateRequest shop/web-1 (Certificate web) from Issuer shop/shop-ca',
        'failed 10 min ago: Failed: keypair not found; Issuer shop/shop-ca (ca) says ErrGetKeyPair: Error getting keypair for CA issuer: secrets "shop-ca-key" not found',
      ],
      [
        'warn',
        'CertificateRequest shop/api-1 (Certificate api) from Issuer shop/shop-ca',
        'denied 20 min ago: Denied: policy says no; Issuer shop/shop-ca (ca) says ErrGetKeyPair: Error getting keypair for CA issuer: secrets "shop-ca-key" not found; a later request made the Certificate Ready',
      ],
    ]);
  });

  it('reads back what was issued: the DNS name asked for, about an hour long', () => {
    expect(judgeIssuedSecret('', 'x.svc', now)).toEqual(['tls.crt holds no certificate']);
    // A CA fixture has no such SAN and a long life: both are said.
    expect(judgeIssuedSecret(ROOT_CA, 'x.svc', now)).toEqual([expect.stringMatching(/lack DNS:x\.svc$/), expect.stringMatching(/not about 1h from now$/)]);
  });

  it('judges a short-lived Certificate by the share of its life passed, not by days left', () => {
    const hour = 3_600_000;
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const findings = judgeCertificates(
      [
        cert('fresh', { name: 'root', kind: 'ClusterIssuer' }, { conditions: ready('True'), notBefore: at(-5 * 60_000), notAfter: at(hour - 5 * 60_000) }),
        cert('due', { name: 'root', kind: 'ClusterIssuer' }, { conditions: ready('True'), notBefore: at(-45 * 60_000), notAfter: at(15 * 60_000) }),
        cert('stuck', { name: 'root', kind: 'ClusterIssuer' }, { conditions: ready('True'), notBefore: at(-57 * 60_000), notAfter: at(3 * 60_000) }),
        cert('long', { name: 'root', kind: 'ClusterIssuer' }, { conditions: ready('True'), notBefore: at(-85 * 86_400_000), notAfter: at(5 * 86_400_000) }),
      ],
      [selfSigned],
      now,
      thresholds,
    );
    expect(findings.map((f) => `${f.level} ${f.where.split(' ')[2]}: ${f.message.split(': ')[1] ?? f.message}`)).toEqual([
      'warn shop/due: a short-lived certificate with 75 % of its life passed and not renewed (due by 67 %)',
      'fail shop/stuck: a short-lived certificate with 95 % of its life passed and not renewed (overdue past 90 %)',
      'fail shop/long: expires in 5 day(s), at 2026-12-12T16:00:00.000Z',
    ]);
  });

  it("sets apart the Certificates shakedown runs made, and their requests, from the cluster's", () => {
    const ours = { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [RUN_ID_LABEL]: 'sd-1' };
    const run = {
      ...cert('shakedown-e2e', { name: 'shakedown-selfsigned' }, { conditions: ready('False', 'Issuing') }),
      metadata: { name: 'shakedown-e2e', namespace: 'sd-1', labels: ours },
    };
    const theirs = {
      ...cert('web', { name: 'root', kind: 'ClusterIssuer' }, { conditions: ready('True') }),
      metadata: { name: 'web', namespace: 'shop', labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } },
    };
    const request = (name: string, namespace: string, certificate: string): CmRequest => ({
      metadata: { name, namespace, annotations: { 'cert-manager.io/certificate-name': certificate } },
    });
    const runIssuer: CmIssuer = { kind: 'Issuer', metadata: { name: 'shakedown-selfsigned', namespace: 'sd-1', labels: ours }, spec: { selfSigned: {} } };
    const { state, runs } = apartFromRuns({
      certificates: [run, theirs],
      issuers: [selfSigned, runIssuer],
      requests: [request('e2e-1', 'sd-1', 'shakedown-e2e'), request('web-1', 'shop', 'web'), request('e2e-1', 'shop', 'shakedown-e2e')],
    });
    expect(runs.map((c) => c.metadata.name)).toEqual(['shakedown-selfsigned', 'shakedown-e2e']);
    expect(state.certificates.map((c) => c.metadata.name)).toEqual(['web']);
    expect(state.requests.map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual(['shop/web-1', 'shop/e2e-1']);
    expect(state.issuers).toEqual([selfSigned]);
  });
});
