import { describe, expect, it } from 'vitest';
import { thrown } from '../testing/shakedown-error.ts';
import type { SuiteManifest } from './manifest.ts';
import { profilePlan } from './profiles.ts';
import { planSelection, selectChecks, type Selection } from './selection.ts';

type Toy = { name: string; manifest: Pick<SuiteManifest, 'name' | 'checks'> };

const suite = (name: string, titles: string[]): Toy => ({
  name,
  manifest: { name, checks: titles.map((title) => ({ id: title, title, description: title })) },
});
const DNS = suite('dns', ['CoreDNS replicas are ready and behind the DNS Service', 'SRV records for named ports', 'load › a short burst of lookups']);
const SMOKE = suite('smoke', ['pod to pod over HTTP, TCP and UDP']);
const NETPOL = suite('netpol', ['truth tables › NetworkPolicy is enforced (default deny ingress)', 'truth tables › egress']);
const ALL = [DNS, SMOKE, NETPOL];
const full = (suites: Toy[] = ALL) => profilePlan('full', suites);
const select = (selection: Partial<Selection>, plan = full()) =>
  selectChecks(plan, { checks: [], skipChecks: [], ...selection }, { all: ALL, chosen: plan.suites });

describe('selectChecks', () => {
  it('leaves the plan as it is without a pattern', () => {
    const plan = full();
    expect(select({}, plan)).toEqual({ plan, deselected: [] });
  });

  it('runs only the checks a --check pattern matches: a suite left with none leaves the plan (nothing of it is set up)', () => {
    const { plan, deselected } = select({ checks: ['dns/CoreDNS*', 'dns/SRV*'] });
    expect(plan.suites.map((s) => s.name)).toEqual(['dns']);
    expect(plan.checks).toEqual({ dns: ['CoreDNS replicas are ready and behind the DNS Service', 'SRV records for named ports'] });
    expect(deselected).toEqual([
      { suite: 'dns', check: 'load › a short burst of lookups', reason: 'not selected by --check "dns/CoreDNS*", "dns/SRV*"' },
      { suite: 'smoke', check: 'pod to pod over HTTP, TCP and UDP', reason: 'not selected by --check "dns/CoreDNS*", "dns/SRV*"' },
      {
        suite: 'netpol',
        check: 'truth tables › NetworkPolicy is enforced (default deny ingress)',
        reason: 'not selected by --check "dns/CoreDNS*", "dns/SRV*"',
      },
      { suite: 'netpol', check: 'truth tables › egress', reason: 'not selected by --check "dns/CoreDNS*", "dns/SRV*"' },
    ]);
  });

  it('leaves out what a --skip-check pattern matches, naming that pattern, after --check', () => {
    const { plan, deselected } = select({ checks: ['dns/*', 'netpol/*'], skipChecks: ['*load*', 'netpol › truth tables › egress'] });
    expect(plan.checks).toEqual({
      dns: ['CoreDNS replicas are ready and behind the DNS Service', 'SRV records for named ports'],
      netpol: ['truth tables › NetworkPolicy is enforced (default deny ingress)'],
    });
    expect(deselected.map((d) => `${d.suite}/${d.check}: ${d.reason}`)).toEqual([
      'dns/load › a short burst of lookups: left out by --skip-check "*load*"',
      'smoke/pod to pod over HTTP, TCP and UDP: not selected by --check "dns/*", "netpol/*"',
      'netpol/truth tables › egress: left out by --skip-check "netpol › truth tables › egress"',
    ]);
  });

  it('selects within the profile: a check the profile leaves out is neither run nor reported', () => {
    const spec = { describe: 'toy', checks: { dns: ['SRV records for named ports'], smoke: ['pod to pod over HTTP, TCP and UDP'] } };
    const quick = profilePlan('quick', ALL, { all: ALL, spec });
    const { plan, deselected } = selectChecks(quick, { checks: ['dns/*'], skipChecks: [] });
    expect(plan.checks).toEqual({ dns: ['SRV records for named ports'] });
    expect(deselected.map((d) => d.check)).toEqual(['pod to pod over HTTP, TCP and UDP']);
  });

  it('refuses a pattern that matches nothing, naming the nearest ids', () => {
    const error = thrown(() => select({ checks: ['dsn/*'] }));
    expect(error.code).toBe('SD_BAD_FLAG');
    expect(error.message).toBe(
      '--check "dsn/*" matches no check; nearest: "dns/CoreDNS replicas are ready and behind the DNS Service", "dns/SRV records for named ports", "dns/load › a short burst of lookups"',
    );
    expect(error.hint).toMatch(/SUITE\/CHECK TITLE/);
    expect(thrown(() => select({ skipChecks: ['dns/SRV recods*'] })).message).toMatch(
      /^--skip-check "dns\/SRV recods\*" matches no check; nearest: "dns\/SRV records for named ports", /,
    );
  });

  it('names the source of a pattern that came from a variable or the config file', () => {
    const error = thrown(() =>
      selectChecks(full(), { checks: ['nope/*'], skipChecks: [] }, { sources: { checks: { kind: 'env', variable: 'SHAKEDOWN_CHECKS' } } }),
    );
    expect([error.code, error.message.split(';')[0]]).toEqual(['SD_CONFIG_INVALID', 'SHAKEDOWN_CHECKS "nope/*" matches no check']);
    expect(error.hint).toMatch(/^Fix or unset SHAKEDOWN_CHECKS; a flag overrides it\. A pattern matches/);
    const selected = selectChecks(full(), { checks: ['smoke/*'], skipChecks: [] }, { sources: { checks: { kind: 'file', path: '/c.json', key: 'checks' } } });
    expect(selected.deselected[0]?.reason).toBe('not selected by /c.json: key "checks" "smoke/*"');
  });

  it('says when a pattern matches only checks of a suite the run leaves out, or that the profile leaves out', () => {
    const chosen = full([SMOKE]);
    expect(thrown(() => selectChecks(chosen, { checks: ['dns/*'], skipChecks: [] }, { all: ALL, chosen: [SMOKE] })).message).toBe(
      '--check "dns/*" matches only checks of suite dns, which this run leaves out (add --suite dns): "dns/CoreDNS replicas are ready and behind the DNS Service", "dns/SRV records for named ports", "dns/load › a short burst of lookups"',
    );
    const spec = { describe: 'toy', checks: { dns: ['SRV records for named ports'] } };
    const quick = profilePlan('quick', [DNS], { all: [DNS], spec });
    expect(thrown(() => selectChecks(quick, { checks: ['dns/load*'], skipChecks: [] }, { all: ALL, chosen: [DNS] })).message).toBe(
      '--check "dns/load*" matches only checks that --profile quick leaves out: "dns/load › a short burst of lookups"',
    );
  });

  it('refuses a --skip-check that leaves nothing to run', () => {
    expect(thrown(() => select({ skipChecks: ['*'] })).message).toBe(
      '--skip-check leaves no check to run: its patterns match every check this run would run (6)',
    );
  });
});

describe('planSelection', () => {
  const settings = { profile: 'full' as const, suites: [], checks: [], skipChecks: [] };

  it('is nothing without a pattern, the selected plan with one', () => {
    expect(planSelection(settings, ALL)).toBeUndefined();
    expect(planSelection({ ...settings, checks: ['smoke/*'] }, ALL)?.plan.suites.map((s) => s.name)).toEqual(['smoke']);
  });

  it('leaves a profile that cannot be planned to the run, which reports it', () => {
    expect(planSelection({ ...settings, profile: 'quick', suites: ['dns'], checks: ['nope'] }, [suite('dns', ['other'])])).toBeUndefined();
  });
});
