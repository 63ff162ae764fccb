// Check selection (--check, --skip-check) over a profile's plan: a check runs when a --check pattern
// matches it (every check when none is given) and no --skip-check pattern does. Like a profile's
// choice, a check left out is never defined in its worker, so nothing it would make is made, and a
// suite left with no check leaves the plan: no fleet, no namespace, no world of its own. Unlike a
// profile's choice, it is reported: skipped, with the patterns that left it out as the reason.
// Every pattern must match a check the plan runs: one that does not is bad input, named with the
// nearest ids, before anything touches the cluster.
import { describeSource, invalid, type Source } from '../config.ts';
import { checkPattern, nearestIds, typedName, type CheckId, type CheckPattern } from '../check-pattern.ts';
import { ShakedownError } from '../errors.ts';
import type { SuiteManifest } from './manifest.ts';
import { profilePlan, type ProfileName, type ProfilePlan } from './profiles.ts';

export interface Selection {
  checks: readonly string[];
  skipChecks: readonly string[];
}

// Where the patterns came from, for the error that names them; the flags when not given.
export interface SelectionSources {
  checks?: Source;
  skipChecks?: Source;
}

// A check the selection left out, and why.
export interface Deselected extends CheckId {
  reason: string;
}

export interface Selected<S> {
  plan: ProfilePlan<S>;
  deselected: Deselected[];
}

type Named = { name: string; manifest: Pick<SuiteManifest, 'name' | 'checks'> };

export interface SelectionScope {
  // Every suite there is (for "its suite is not chosen" instead of "matches no check").
  all?: readonly Named[];
  // The suites the run chose before its profile (for "the profile leaves it out").
  chosen?: readonly Named[];
  sources?: SelectionSources;
}

// The ids a plan would run, suite by suite in its order.
export function plannedIds(plan: ProfilePlan<Named>): CheckId[] {
  return plan.suites.flatMap((suite) =>
    (plan.checks?.[suite.name] ?? suite.manifest.checks.map((c) => c.title)).map((check) => ({ suite: suite.name, check })),
  );
}

export function hasSelection(selection: Selection): boolean {
  return selection.checks.length > 0 || selection.skipChecks.length > 0;
}

export function selectChecks<S extends Named>(plan: ProfilePlan<S>, selection: Selection, scope: SelectionScope = {}): Selected<S> {
  if (!hasSelection(selection)) return { plan, deselected: [] };
  const ids = plannedIds(plan);
  const sources = {
    checks: scope.sources?.checks ?? { kind: 'flag', flag: 'check' },
    skipChecks: scope.sources?.skipChecks ?? { kind: 'flag', flag: 'skip-check' },
  } satisfies Required<SelectionSources>;
  const take = selection.checks.map(checkPattern);
  const leave = selection.skipChecks.map(checkPattern);
  for (const [patterns, source] of [
    [take, sources.checks],
    [leave, sources.skipChecks],
  ] as const) {
    for (const pattern of patterns) if (!ids.some((id) => pattern.matches(id))) throw unmatched(pattern, source, ids, plan, scope);
  }
  const selected: Record<string, string[]> = {};
  const deselected: Deselected[] = [];
  for (const id of ids) {
    const reason = leftOutBy(id, take, leave, sources);
    if (reason === undefined) (selected[id.suite] ??= []).push(id.check);
    else deselected.push({ ...id, reason });
  }
  const suites = plan.suites.filter((suite) => selected[suite.name] !== undefined);
  if (suites.length === 0) {
    throw invalid(sources.skipChecks, `leaves no check to run: its patterns match every check this run would run (${ids.length})`);
  }
  return { plan: { ...plan, suites, checks: selected }, deselected };
}

function leftOutBy(id: CheckId, take: readonly CheckPattern[], leave: readonly CheckPattern[], sources: Required<SelectionSources>): string | undefined {
  if (take.length > 0 && !take.some((pattern) => pattern.matches(id)))
    return `not selected by ${describeSource(sources.checks)} ${take.map((p) => JSON.stringify(p.text)).join(', ')}`;
  const skip = leave.find((pattern) => pattern.matches(id));
  return skip === undefined ? undefined : `left out by ${describeSource(sources.skipChecks)} ${JSON.stringify(skip.text)}`;
}

const PATTERN_HINT =
  'A pattern matches SUITE/CHECK TITLE or SUITE › CHECK TITLE (as `shakedown list` and the reports name checks), whole and in any case; * stands for any text. `shakedown list` lists every check.';

// The error for a pattern that matches no check the plan runs: the checks it matches that the run
// leaves out (another suite, the profile), or the nearest ids.
function unmatched(pattern: CheckPattern, source: Source, ids: readonly CheckId[], plan: ProfilePlan<Named>, scope: SelectionScope): ShakedownError {
  const quoted = JSON.stringify(pattern.text);
  const outside = (scope.all ?? [])
    .flatMap((suite) => suite.manifest.checks.map((c) => ({ suite: suite.name, check: c.title })))
    .filter((id) => pattern.matches(id));
  let problem: string;
  if (outside.length > 0) {
    const chosen = new Set((scope.chosen ?? []).map((suite) => suite.name));
    const notChosen = [...new Set(outside.map((id) => id.suite))].filter((suite) => !chosen.has(suite));
    const why =
      notChosen.length === 0
        ? `that --profile ${plan.profile} leaves out`
        : `of suite ${notChosen.join(', ')}, which this run leaves out (add --suite ${notChosen[0] ?? ''})`;
    problem = `${quoted} matches only checks ${why}: ${outside
      .slice(0, 3)
      .map((id) => JSON.stringify(typedName(id)))
      .join(', ')}${outside.length > 3 ? ` and ${outside.length - 3} more` : ''}`;
  } else {
    const near = nearestIds(pattern.text, ids);
    problem = `${quoted} matches no check${near.length === 0 ? '' : `; nearest: ${near.map((id) => JSON.stringify(typedName(id))).join(', ')}`}`;
  }
  const error = invalid(source, problem);
  return new ShakedownError(error.code, error.message, { hint: source.kind === 'flag' ? PATTERN_HINT : `${error.hint} ${PATTERN_HINT}` });
}

// The selection checked before a command touches anything, against the plan its run would make (a
// pattern that matches nothing is bad input: exit 2, nothing written); undefined without one, or
// when the profile itself is wrong (the run reports that as it always has).
export function planSelection<S extends Named>(
  settings: { profile: ProfileName; suites: readonly string[] } & Selection,
  chosen: readonly S[],
  scope: SelectionScope = {},
): Selected<S> | undefined {
  if (!hasSelection(settings)) return undefined;
  let plan: ProfilePlan<S>;
  try {
    plan = profilePlan(settings.profile, chosen, settings.suites.length > 0 ? { explicit: true } : { all: chosen });
  } catch {
    return undefined;
  }
  return selectChecks(plan, settings, { chosen, ...scope });
}
