// Run profiles as data: which checks of which suites a profile runs. `full` (the default) runs every
// check of every chosen suite; `quick` runs one representative check per area, chosen to finish in
// seconds (no load test, no truth table beyond the enforcement verdict, nothing that waits for a
// volume). A check a profile leaves out is not run at all: it is not a skip and never a failure, and
// the report says which profile ran (run property shakedown.profile).
//
// A profile names each check by the key its manifest declares it under (never by its title); an
// entry naming a suite or a check that does not exist is SD_PROFILE_INVALID, found when the
// profile is chosen, before anything touches the cluster (and by a unit test for every profile).
import { ShakedownError } from '../errors.ts';
import type { SuiteManifest } from './manifest.ts';

export const PROFILE_NAMES = ['full', 'quick'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

// Suite name -> the keys of the checks to run, as the manifest declares them. `all`: every check of every suite.
export type ProfileChecks = Readonly<Record<string, readonly string[]>>;

export interface ProfileSpec {
  describe: string;
  checks: ProfileChecks | 'all';
  // Every chosen suite runs in one batch, even one whose manifest says it runs alone: the profile
  // leaves out the checks it runs alone for (dns's load burst), and a second batch costs seconds.
  together?: boolean;
  // false: the run deletes its namespaces (pods at once) and checks that the namespace controller
  // runs, but does not wait the seconds it takes to remove them (about 5 s per pass on a small
  // cluster, a quarter of a quick run); `full` waits and names any that stay. Default true.
  awaitCleanup?: boolean;
}

export const PROFILES: Readonly<Record<ProfileName, ProfileSpec>> = {
  full: { describe: 'every check of every chosen suite', checks: 'all' },
  quick: {
    describe: 'one representative check per area, in seconds',
    together: true,
    awaitCleanup: false,
    checks: {
      smoke: ['podToPod'],
      services: ['portMapping'],
      nodeport: ['everyNodeFromEveryNode'],
      dns: ['serversAnswer'],
      netpol: ['verdict'],
      ingress: ['inventory'],
      storage: ['provisioners'],
      certificates: ['apiServer'],
      'control-plane': ['apiServerHealth'],
      network: ['nodePairs'],
    },
  },
};

// What a run does under a profile: the suites that run, in their order, and per suite the checks
// (all of them under `full`).
export interface ProfilePlan<S> {
  profile: ProfileName;
  suites: S[];
  // All suites in one batch (ProfileSpec.together).
  together?: boolean;
  // ProfileSpec.awaitCleanup.
  awaitCleanup?: boolean;
  // Suite name -> the titles that run; undefined: every check of every suite.
  checks: Record<string, string[]> | undefined;
}

type Named = { name: string; manifest: Pick<SuiteManifest, 'name' | 'checks'> };

// Every problem of a profile against the suites there are: a suite that does not exist, a key its
// manifest does not declare, a suite with no check.
export function profileProblems(name: ProfileName, manifests: readonly Pick<SuiteManifest, 'name' | 'checks'>[], spec: ProfileSpec = PROFILES[name]): string[] {
  if (spec.checks === 'all') return [];
  const problems: string[] = [];
  for (const [suite, ids] of Object.entries(spec.checks)) {
    const manifest = manifests.find((m) => m.name === suite);
    if (manifest === undefined) {
      problems.push(`suite "${suite}" does not exist (suites: ${manifests.map((m) => m.name).join(', ') || 'none'})`);
      continue;
    }
    if (ids.length === 0) problems.push(`suite "${suite}" is listed with no check`);
    for (const id of ids) {
      if (!manifest.checks.some((declared) => declared.id === id)) problems.push(`suite "${suite}" declares no check "${id}"`);
    }
  }
  return problems;
}

// The plan for the chosen suites under a profile. The profile is validated against every suite
// there is (`all`), or when they are not given, its entries for the chosen suites. `explicit`: the suites were named (--suite), so one the
// profile leaves out is an error rather than silently not run.
export function profilePlan<S extends Named>(
  name: ProfileName,
  chosen: readonly S[],
  options: { all?: readonly Named[]; explicit?: boolean; spec?: ProfileSpec } = {},
): ProfilePlan<S> {
  const spec = options.spec ?? PROFILES[name];
  if (spec.checks === 'all') return { profile: name, suites: [...chosen], checks: undefined };
  // Against every suite when known; else (the engine sees only the chosen suites) the entries of the chosen ones.
  const checked: ProfileSpec =
    options.all !== undefined
      ? spec
      : { ...spec, checks: Object.fromEntries(Object.entries(spec.checks).filter(([suite]) => chosen.some((s) => s.name === suite))) };
  const problems = profileProblems(
    name,
    (options.all ?? chosen).map((suite) => suite.manifest),
    checked,
  );
  if (problems.length > 0) throw new ShakedownError('SD_PROFILE_INVALID', `profile ${name}: ${problems.join('; ')}`);
  const table = spec.checks;
  const left = chosen.filter((suite) => table[suite.name] === undefined);
  if (options.explicit === true && left.length > 0) {
    throw new ShakedownError(
      'SD_BAD_FLAG',
      `--profile ${name} has no check of suite ${left.map((s) => s.name).join(', ')} (it covers ${Object.keys(table).join(', ')})`,
      {
        hint: `Leave out --suite, name suites the profile covers, or use --profile full.`,
      },
    );
  }
  const suites = chosen.filter((suite) => table[suite.name] !== undefined);
  return {
    profile: name,
    suites,
    checks: Object.fromEntries(suites.map((suite) => [suite.name, titlesOf(suite.manifest, table[suite.name] ?? [])])),
    ...(spec.together === true ? { together: true } : {}),
    ...(spec.awaitCleanup === false ? { awaitCleanup: false } : {}),
  };
}

// The titles of a suite's checks the profile names by key, in the profile's order.
function titlesOf(manifest: Named['manifest'], ids: readonly string[]): string[] {
  return ids.map((id) => manifest.checks.find((declared) => declared.id === id)?.title ?? id);
}

// How many checks each planned suite runs (for progress: done / total).
export function plannedCounts(plan: ProfilePlan<Named>): { suite: string; checks: number }[] {
  return plan.suites.map((suite) => ({ suite: suite.name, checks: plan.checks?.[suite.name]?.length ?? suite.manifest.checks.length }));
}
