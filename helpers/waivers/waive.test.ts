import { describe, expect, it } from 'vitest';
import type { CheckResult, FailedCheck } from '../result.ts';
import type { Waiver } from './file.ts';
import { appliesTo, isLive, waiverBook, withKnown, type WaiverScope } from './waive.ts';

const waiver = (overrides: Partial<Waiver> = {}): Waiver => ({
  check: 'dns/CoreDNS*',
  reason: 'CoreDNS moves to new nodes (OPS-1)',
  until: '2027-03-31',
  file: '/w.yaml',
  line: 3,
  ...overrides,
});
const failure = (overrides: Partial<FailedCheck> = {}): FailedCheck => ({
  suite: 'dns',
  check: 'CoreDNS replicas are ready and behind the DNS Service',
  status: 'fail',
  classification: 'dns-error',
  durationMs: 10,
  message: 'CoreDNS is not serving',
  evidence: [{ label: 'pods', text: 'none' }],
  ...overrides,
});
const pass = (suite: string, check: string): CheckResult => ({ suite, check, status: 'pass', durationMs: 1, message: 'ok', evidence: [] });
const skip = (suite: string, check: string): CheckResult => ({
  suite,
  check,
  status: 'skip',
  durationMs: 0,
  message: 'skipped',
  skipReason: 'not selected',
  evidence: [],
});

const scope =
  (overrides: Partial<WaiverScope> = {}): (() => WaiverScope) =>
  () => ({ now: new Date('2027-03-31T23:59:59Z'), context: 'staging-eu', server: 'https://10.0.0.1:6443', ...overrides });

describe('isLive', () => {
  it('holds through the whole until day, UTC, and not a millisecond after', () => {
    expect(isLive({ until: '2027-03-31' }, new Date('2027-03-31T23:59:59.999Z'))).toBe(true);
    expect(isLive({ until: '2027-03-31' }, new Date('2027-04-01T00:00:00.000Z'))).toBe(false);
    expect(isLive({ until: '2027-03-31' }, new Date('2026-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('appliesTo', () => {
  it('limits a waiver to the clusters its context and server patterns match', () => {
    const at = { context: 'staging-eu', server: 'https://10.0.0.1:6443' };
    expect(appliesTo({}, at)).toBe(true);
    expect(appliesTo({ context: 'staging-*' }, at)).toBe(true);
    expect(appliesTo({ context: 'prod-*' }, at)).toBe(false);
    expect(appliesTo({ context: 'staging-*', server: 'https://10.0.0.2:*' }, at)).toBe(false);
    expect(appliesTo({ server: 'https://10.0.0.1:6443' }, at)).toBe(true);
    expect(appliesTo({ context: 'x' }, { context: null, server: null })).toBe(false);
  });
});

describe('waiverBook', () => {
  it('waives a failure a live waiver matches: still a failure, with the waiver', () => {
    const book = waiverBook([waiver({ check: 'nope/*' }), waiver()], scope());
    expect(book.apply(failure())).toEqual({
      ...failure(),
      waiver: { check: 'dns/CoreDNS*', reason: 'CoreDNS moves to new nodes (OPS-1)', until: '2027-03-31' },
    });
  });

  it('leaves a pass, a skip and an unmatched failure as they are', () => {
    const book = waiverBook([waiver()], scope());
    expect(book.apply(pass('dns', 'CoreDNS replicas are ready and behind the DNS Service'))).toEqual(
      pass('dns', 'CoreDNS replicas are ready and behind the DNS Service'),
    );
    expect(book.apply(failure({ check: 'SRV records' }))).toEqual(failure({ check: 'SRV records' }));
  });

  it('fails an expired waiver\'s failure again, saying "waiver expired on DATE" in its message and evidence', () => {
    const book = waiverBook([waiver({ until: '2027-03-30' })], scope());
    const result = book.apply(failure()) as FailedCheck;
    expect(result.waiver).toBeUndefined();
    expect(result.message).toBe('CoreDNS is not serving (waiver expired on 2027-03-30: CoreDNS moves to new nodes (OPS-1))');
    expect(result.evidence.at(-1)).toEqual({
      label: 'waiver',
      text: 'waiver expired on 2027-03-30 (it held through that day, UTC), so this failure counts again.\n/w.yaml:3: check "dns/CoreDNS*", reason: CoreDNS moves to new nodes (OPS-1)',
    });
  });

  it('prefers a live waiver to an expired one, and names the latest expiry when all have run out', () => {
    expect(
      (waiverBook([waiver({ until: '2026-01-01' }), waiver({ until: '2027-12-31', reason: 'later' })], scope()).apply(failure()) as FailedCheck).waiver?.reason,
    ).toBe('later');
    expect((waiverBook([waiver({ until: '2026-01-01' }), waiver({ until: '2026-06-30' })], scope()).apply(failure()) as FailedCheck).message).toContain(
      'waiver expired on 2026-06-30',
    );
  });

  it('applies a waiver only on the clusters it names', () => {
    expect((waiverBook([waiver({ context: 'prod' })], scope()).apply(failure()) as FailedCheck).waiver).toBeUndefined();
    expect((waiverBook([waiver({ context: 'staging-*' })], scope()).apply(failure()) as FailedCheck).waiver).toBeDefined();
  });

  it('calls stale a waiver whose checks ran and never failed, and one whose pattern matches no check at all', () => {
    const waivers = withKnown(
      [
        waiver(),
        waiver({ check: 'smoke/*', line: 7 }),
        waiver({ check: 'netpol/*', line: 11 }),
        waiver({ check: 'dsn/*', line: 15 }),
        waiver({ check: 'smoke/*', context: 'prod', line: 19 }),
        waiver({ check: 'setup/*', line: 23 }),
      ],
      [
        { suite: 'dns', check: 'CoreDNS replicas are ready and behind the DNS Service' },
        { suite: 'smoke', check: 'pod to pod' },
        { suite: 'netpol', check: 'enforced' },
      ],
    );
    const book = waiverBook(waivers, scope());
    const results = [book.apply(failure()), pass('smoke', 'pod to pod'), skip('netpol', 'enforced')];
    const stale = book.stale(results);
    expect(stale.map((w) => [w.suite, w.check, w.status])).toEqual([
      ['waivers', 'stale waiver: smoke/*', 'warn'],
      ['waivers', 'stale waiver: dsn/*', 'warn'],
    ]);
    expect(stale[0]?.message).toBe(
      'the waiver "smoke/*" (/w.yaml:7, until 2027-03-31) matched no failure: its check ran and none failed; remove it or correct its pattern',
    );
    expect(stale[1]?.message).toBe(
      'the waiver "dsn/*" (/w.yaml:15, until 2027-03-31) matched no failure: its pattern matches no check of this shakedown; remove it or correct its pattern',
    );
    expect(stale[0]?.evidence).toEqual([{ label: 'waiver', text: 'check: smoke/*\nreason: CoreDNS moves to new nodes (OPS-1)\nuntil: 2027-03-31' }]);
  });

  it('calls stale an expired waiver that matched nothing, and not one that matched a failure', () => {
    const book = waiverBook([waiver({ until: '2026-01-01' }), waiver({ check: 'smoke/*', until: '2026-01-01' })], scope());
    const results = [book.apply(failure()), pass('smoke', 'pod to pod')];
    expect(book.stale(results).map((w) => w.check)).toEqual(['stale waiver: smoke/*']);
  });

  it('names a stale waiver limited to a cluster by its limits too', () => {
    const book = waiverBook([waiver({ check: 'smoke/*', context: 'staging-*', server: 'https://10.0.0.1:*' })], scope());
    expect(book.stale([pass('smoke', 'a')]).map((w) => w.check)).toEqual(['stale waiver: smoke/* (context staging-* server https://10.0.0.1:*)']);
  });
});
