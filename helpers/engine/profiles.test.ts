import { describe, expect, it } from 'vitest';
import { thrown } from '../testing/shakedown-error.ts';
import { PROFILES, PROFILE_NAMES, plannedCounts, profilePlan, profileProblems, type ProfileSpec } from './profiles.ts';
import { discoverSuites, loadSuites } from './suites.ts';

const suites = await loadSuites(discoverSuites());
const manifests = suites.map((suite) => suite.manifest);

describe('run profiles', () => {
  it.each(PROFILE_NAMES)('profile %s names only suites that exist and checks their manifests declare', (name) => {
    expect(profileProblems(name, manifests)).toEqual([]);
    expect(() => profilePlan(name, suites, { all: suites })).not.toThrow();
  });

  it('quick runs exactly one check in each area', () => {
    const quick = PROFILES.quick.checks;
    if (quick === 'all') throw new Error('quick must name its checks');
    for (const area of ['smoke', 'services', 'nodeport', 'dns', 'netpol', 'ingress', 'storage', 'certificates', 'control-plane']) {
      expect(quick[area], area).toHaveLength(1);
    }
    const plan = profilePlan('quick', suites, { all: suites });
    expect(plan.suites.map((suite) => suite.name).sort()).toEqual(Object.keys(quick).sort());
    // dns runs alone for its load burst only, which quick leaves out: one batch.
    expect(plan.together).toBe(true);
    // Its namespaces are deleted, not waited for; full waits (and names any that stay).
    expect(plan.awaitCleanup).toBe(false);
    expect(profilePlan('full', suites).awaitCleanup).toBeUndefined();
    expect(plan.checks?.dns).not.toContain('load › a short burst of lookups: latency, errors and the 5 s race');
    expect(plannedCounts(plan).every((count) => count.checks === 1)).toBe(true);
  });

  it('full runs every check of every chosen suite', () => {
    const plan = profilePlan('full', suites);
    expect(plan).toMatchObject({ profile: 'full', checks: undefined });
    expect(plan.suites).toEqual(suites);
    expect(plannedCounts(plan)).toEqual(suites.map((suite) => ({ suite: suite.name, checks: suite.manifest.checks.length })));
  });

  it('a profile naming a suite or a check that does not exist is SD_PROFILE_INVALID, naming each', () => {
    const spec: ProfileSpec = { describe: 'broken', checks: { smoke: ['agentsAnswer', 'no such check'], nosuch: ['anything'], dns: [] } };
    const error = thrown(() => profilePlan('quick', suites, { all: suites, spec }));
    expect(error.code).toBe('SD_PROFILE_INVALID');
    expect(error.message).toContain('suite "smoke" declares no check "no such check"');
    expect(error.message).toContain('suite "nosuch" does not exist');
    expect(error.message).toContain('suite "dns" is listed with no check');
    expect(error.message).not.toContain('agentsAnswer');
  });

  it("with --suite, runs the profile's checks of those suites, and refuses a suite the profile leaves out", () => {
    const chosen = suites.filter((suite) => suite.name === 'smoke' || suite.name === 'dns');
    const plan = profilePlan('quick', chosen, { explicit: true });
    expect(plan.suites.map((suite) => suite.name)).toEqual(['dns', 'smoke']);
    // The plan holds the titles of the checks the profile names by key.
    expect(plan.checks).toEqual({ dns: ['the DNS Service and every CoreDNS replica answer'], smoke: ['pod to pod over HTTP, TCP and UDP'] });
    const gate = suites.filter((suite) => suite.name === 'gate' || suite.name === 'smoke');
    const error = thrown(() => profilePlan('quick', gate, { explicit: true }));
    expect(error.code).toBe('SD_BAD_FLAG');
    expect(error.message).toMatch(/^--profile quick has no check of suite gate \(it covers /);
    // Without --suite, a suite the profile leaves out is simply not run.
    expect(profilePlan('quick', gate).suites.map((suite) => suite.name)).toEqual(['smoke']);
  });
});
