import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ending } from './findings.ts';
import { judgeServed } from './judge.ts';
import { covers, uncovered } from './names.ts';
import { expiryLevel, isShortLived, rotationLevel } from './thresholds.ts';
import { verifyChain } from './verify.ts';
import { certName, daysLeft, describeCert, issuerLine, parseCaBundleField, parseDerChain, parsePemBundle, sanList, selfSigned } from '../lib/x509.ts';
import { APISERVER_CERT, EMPTY_SUBJECT_CERT, INTERMEDIATE_CA, OTHER_CA, ROOT_CA, SHORT_CA, SHORT_CA_LEAF, WEBHOOK_CERT } from './testing/fixtures.ts';
import { TEST_CERT } from '../../agent/testing/tls.ts';

const x = (pem: string) => new X509Certificate(pem);
const root = x(ROOT_CA);
const other = x(OTHER_CA);
const apiserver = x(APISERVER_CERT);
const webhook = x(WEBHOOK_CERT);
const intermediate = x(INTERMEDIATE_CA);
const shortCa = x(SHORT_CA);
const shortLeaf = x(SHORT_CA_LEAF);
// A day after the fixtures were made.
const now = new Date(apiserver.validFromDate.getTime() + 86_400_000);
const thresholds = { warnDays: 30, failDays: 7 };

describe('x509', () => {
  it('parses a PEM bundle and names a block that does not parse', () => {
    const bundle = parsePemBundle(`${ROOT_CA}\n${OTHER_CA}\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`);
    expect(bundle.certs.map((c) => c.subject)).toEqual(['CN=test-root-ca', 'CN=test-other-ca']);
    expect(bundle.errors).toHaveLength(1);
    expect(bundle.errors[0]).toMatch(/^certificate 3: /);
  });

  it('reads a caBundle field (base64 of PEM) and a DER chain', () => {
    expect(parseCaBundleField(Buffer.from(ROOT_CA).toString('base64')).certs[0]?.fingerprint256).toBe(root.fingerprint256);
    expect(parseCaBundleField('').certs).toEqual([]);
    expect(parseDerChain([apiserver.raw.toString('base64')])[0]?.serialNumber).toBe(apiserver.serialNumber);
  });

  it('counts days left, tells self-signed apart and lists SANs', () => {
    expect(daysLeft(apiserver, new Date(apiserver.validToDate.getTime() - 3.5 * 86_400_000))).toBe(3);
    expect(daysLeft(apiserver, new Date(apiserver.validToDate.getTime() + 86_400_000))).toBe(-1);
    expect(selfSigned(x(TEST_CERT))).toBe(true);
    expect(selfSigned(apiserver)).toBe(false);
    expect(sanList(apiserver)).toEqual([
      'DNS:kubernetes',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
      'IP:10.96.0.1',
      'IP:10.217.0.11',
    ]);
    expect(describeCert(apiserver, now)).toContain(`subject CN=apiserver; issuer CN=test-root-ca; serial ${apiserver.serialNumber}`);
  });
});

describe('verifyChain', () => {
  it('verifies a leaf against the CA that signed it', () => {
    const verdict = verifyChain([apiserver], [other, root], now);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.anchor?.subject).toBe('CN=test-root-ca');
  });

  it("names a certificate with an empty subject (as cert-manager's webhook serves) by its SANs, and verifies it", () => {
    const empty = x(EMPTY_SUBJECT_CERT);
    expect(empty.subject).toBeUndefined();
    expect(certName(empty)).toBe('(empty subject) DNS:cert-manager-webhook.cert-manager.svc');
    expect(issuerLine(empty)).toBe('itself, (empty subject) DNS:cert-manager-webhook.cert-manager.svc');
    const later = new Date(empty.validFromDate.getTime() + 86_400_000);
    expect(verifyChain([empty], [empty], later)).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^verified against \(empty subject\) DNS:cert-manager-webhook\.cert-manager\.svc/),
    });
    expect(verifyChain([empty], [root], later).message).toBe(
      'signed by unknown authority: the chain ends at itself, (empty subject) DNS:cert-manager-webhook.cert-manager.svc, and the bundle holds CN=test-root-ca',
    );
    expect(describeCert(empty, later)).toContain('subject (empty subject) DNS:cert-manager-webhook.cert-manager.svc');
  });

  it('names the unknown authority when the bundle holds another CA', () => {
    const verdict = verifyChain([apiserver], [other], now);
    expect(verdict).toMatchObject({ ok: false, failure: 'unknown-authority' });
    expect(verdict.message).toBe('signed by unknown authority: the chain ends at CN=test-root-ca, and the bundle holds CN=test-other-ca');
  });

  it('walks served intermediates up to the bundle, and refuses an intermediate that was not served', () => {
    expect(verifyChain([webhook, intermediate], [root], now)).toMatchObject({ ok: true });
    expect(verifyChain([webhook, intermediate], [root], now).path.map((c) => c.subject)).toEqual(['CN=webhook', 'CN=test-intermediate-ca']);
    expect(verifyChain([webhook], [root], now)).toMatchObject({ ok: false, failure: 'unknown-authority' });
  });

  it('fails an expired chain and one not yet valid', () => {
    expect(verifyChain([apiserver], [root], new Date(apiserver.validToDate.getTime() + 1000))).toMatchObject({ ok: false, failure: 'expired' });
    expect(verifyChain([apiserver], [root], new Date(apiserver.validFromDate.getTime() - 60_000))).toMatchObject({ ok: false, failure: 'not-yet-valid' });
  });

  it('says when nothing was served', () => {
    expect(verifyChain([], [root], now)).toMatchObject({ ok: false, failure: 'no-certificate' });
  });
});

describe('names', () => {
  it('matches DNS and IP SANs as a TLS client does', () => {
    expect(covers(apiserver, 'kubernetes.default.svc.cluster.local')).toBe(true);
    expect(covers(apiserver, '10.96.0.1')).toBe(true);
    expect(covers(apiserver, '10.96.0.2')).toBe(false);
    // The CN is not a host name.
    expect(covers(apiserver, 'apiserver')).toBe(false);
    expect(uncovered(apiserver, ['10.96.0.1', 'kubernetes.default.svc.example.org', ''])).toEqual(['kubernetes.default.svc.example.org']);
  });
});

describe('thresholds', () => {
  it('fails below the fail days and warns below the warn days', () => {
    expect(expiryLevel(6, thresholds)).toBe('fail');
    expect(expiryLevel(7, thresholds)).toBe('warn');
    expect(expiryLevel(29, thresholds)).toBe('warn');
    expect(expiryLevel(30, thresholds)).toBe('ok');
    // Short-lived: a 7-day certificate is one inside a 30-day window; judged by the share of life passed.
    const week = 7 * 86_400_000;
    expect(isShortLived(week, thresholds)).toBe(true);
    expect(isShortLived(90 * 86_400_000, thresholds)).toBe(false);
    // A widened window does not make a year-long certificate short-lived: it asks about days left.
    expect(isShortLived(365 * 86_400_000, { warnDays: 3650, failDays: 7 })).toBe(false);
    expect(isShortLived(week, { warnDays: 3650, failDays: 7 })).toBe(true);
    expect([0.5, 0.67, 0.89, 0.9, 1.01].map((passed) => rotationLevel(week, week * (1 - passed)))).toEqual(['ok', 'warn', 'warn', 'fail', 'fail']);
  });
});

describe('judgeServed', () => {
  const trust = { label: 'kube-root-ca.crt', certs: [root] };

  it('finds nothing wrong with a fresh, trusted certificate covering the names', () => {
    expect(judgeServed({ where: 'api', chain: [apiserver], trust, names: ['10.96.0.1'], now, thresholds }).findings).toEqual([]);
  });

  it('fails a chain signed by another CA and names both', () => {
    const { findings } = judgeServed({
      where: 'webhook hooks/x',
      chain: [apiserver],
      trust: { label: 'its caBundle', certs: [other] },
      names: [],
      now,
      thresholds,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: 'fail', classification: 'tls-error', where: 'webhook hooks/x' });
    expect(findings[0]?.message).toContain('does not verify against its caBundle: signed by unknown authority');
  });

  it('calls a self-signed certificate so, at the level asked', () => {
    const { findings } = judgeServed({ where: 'kubelet n1', chain: [x(TEST_CERT)], trust, names: [], now, thresholds, untrustedLevel: 'warn' });
    expect(findings[0]).toMatchObject({ level: 'warn' });
    expect(findings[0]?.message).toMatch(/^self-signed certificate, not trusted by kube-root-ca.crt/);
  });

  it('fails names the certificate does not cover and warns for the ones it should', () => {
    const { findings } = judgeServed({
      where: 'api',
      chain: [apiserver],
      trust,
      names: ['10.96.0.9'],
      shouldNames: ['kubernetes.default.svc.corp'],
      now,
      thresholds,
    });
    expect(findings.map((f) => [f.level, f.classification])).toEqual([
      ['fail', 'mismatch'],
      ['warn', 'mismatch'],
    ]);
    expect(findings[0]?.message).toContain('does not cover 10.96.0.9');
  });

  it('gates on days left, naming the certificate and the threshold', () => {
    const late = new Date(apiserver.validToDate.getTime() - 3.5 * 86_400_000);
    const { findings } = judgeServed({ where: 'api', chain: [apiserver], trust, names: [], now: late, thresholds });
    // The root CA of the fixtures expires with the leaf: both are named.
    expect(findings.map((f) => f.where)).toEqual(['api', 'api (its CA in kube-root-ca.crt)']);
    expect(findings[0]).toMatchObject({ level: 'fail', classification: 'expired' });
    expect(findings[0]?.message).toBe(
      `CN=apiserver (serial ${apiserver.serialNumber}) expires in 3 day(s), at ${apiserver.validToDate.toISOString()} (below --cert-fail-days 7)`,
    );
    // A warning window just short of the fixtures' 100-year life (a longer one makes them short-lived).
    const warned = judgeServed({ where: 'api', chain: [apiserver], trust, names: [], now, thresholds: { warnDays: 36_499.5, failDays: 7 } }).findings;
    expect(warned.map((f) => f.level)).toEqual(['warn', 'warn']);
    expect(warned[0]?.message).toContain('(below --cert-warn-days 36499.5)');
  });

  it('judges a short-lived certificate (its life within the warning window) by the share of its life passed, not by days left', () => {
    // cert-manager's webhook serves a 7-day leaf, renewed at two thirds of its life: 6 days left is normal.
    const empty = x(EMPTY_SUBJECT_CERT);
    const life = empty.validToDate.getTime() - empty.validFromDate.getTime();
    const at = (passed: number) => new Date(empty.validFromDate.getTime() + passed * life);
    // The fixture lives 100 years: with a window (and a short-lived cap) of 40,000 days it counts as short-lived.
    const window = { warnDays: 40_000, failDays: 7, shortLivedMaxDays: 40_000 };
    expect(
      judgeServed({ where: 'hook', chain: [empty], trust: { label: 'caBundle', certs: [empty] }, names: [], now: at(0.5), thresholds: window }).findings,
    ).toEqual([]);
    const due = judgeServed({
      where: 'hook',
      chain: [empty],
      trust: { label: 'caBundle', certs: [empty] },
      names: [],
      now: at(0.7),
      thresholds: window,
    }).findings;
    expect(due.map((f) => f.level)).toEqual(['warn', 'warn']);
    expect(due[0]?.message).toMatch(/: a short-lived certificate \(36500 day\(s\) long\) with 70 % of its life passed and not rotated \(due by 67 %\)$/);
    const overdue = judgeServed({
      where: 'hook',
      chain: [empty],
      trust: { label: 'caBundle', certs: [empty] },
      names: [],
      now: at(0.95),
      thresholds: window,
    }).findings;
    expect(overdue[0]).toMatchObject({ level: 'fail', message: expect.stringMatching(/overdue past 90 %\)$/) });
    expect(overdue[0]?.likelyCause).toMatch(/has stopped, or the new certificate was issued but not reloaded/);
  });

  it('warns when the CA expires before the leaf', () => {
    const { findings } = judgeServed({
      where: 'conversion',
      chain: [shortLeaf],
      trust: { label: 'caBundle', certs: [shortCa] },
      names: ['conv.hooks.svc'],
      now,
      thresholds,
    });
    expect(findings).toHaveLength(1);
    expect(findings[0]?.message).toMatch(/^the CA in caBundle \(CN=test-short-ca\) expires at .* before the leaf/);
  });
});

describe('ending', () => {
  it('ends on the worst finding with every finding, its chain and its CA in the evidence', () => {
    const { findings } = judgeServed({ where: 'w', chain: [apiserver], trust: { label: 'B', certs: [other] }, names: ['10.0.0.1'], now, thresholds });
    const end = ending(findings, now, 'fine');
    expect(end).toMatchObject({ status: 'fail', classification: 'tls-error' });
    expect(end.message).toMatch(/^2 findings; first: FAIL w: does not verify/);
    expect(end.evidence.map((e) => e.label)).toEqual(['findings', 'w: chain as seen', 'w: checked against B', 'w: chain as seen', 'w: checked against B']);
    expect(end.evidence[2]?.text).toContain('subject CN=test-other-ca');
    expect(ending([], now, 'fine')).toEqual({ status: 'pass', message: 'fine', evidence: [] });
  });
});
