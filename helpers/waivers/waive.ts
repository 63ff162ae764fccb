// Waivers applied to a run's results. A failure whose check a waiver's pattern matches, on a cluster
// its context and server patterns match, is waived while the waiver lives (through its `until` day,
// UTC): it stays a failure (status 'fail', so diff and history see the truth) and carries the
// waiver, and the run does not fail for it. After `until` it fails again and says "waiver expired
// on DATE". A waiver that matched no failure although its checks ran (or whose pattern matches no
// check of this shakedown at all) is stale: a warning result of the pseudo-suite "waivers", so every
// report shows it, named by its pattern (a stable id, for diff); it never fails the run unless
// --fail-on warn asks warnings to.
import { checkPattern, globMatches, type CheckId } from '../check-pattern.ts';
import type { CheckResult, FailedCheck, WarnedCheck } from '../result.ts';
import type { Waiver } from './file.ts';

// The pseudo-suite of stale waivers (like "setup", the engine's own).
export const WAIVERS_SUITE = 'waivers';

export interface WaiverScope {
  // The run's start: a waiver holds through its `until` day (UTC) of this time.
  now: Date;
  context: string | null;
  server: string | null;
}

// Whether a waiver applies to this cluster: its context and server patterns, when it has them.
export function appliesTo(waiver: Pick<Waiver, 'context' | 'server'>, scope: Pick<WaiverScope, 'context' | 'server'>): boolean {
  const fits = (pattern: string | undefined, value: string | null) => pattern === undefined || (value !== null && globMatches(pattern, value));
  return fits(waiver.context, scope.context) && fits(waiver.server, scope.server);
}

// Live through the whole `until` day, UTC.
export function isLive(waiver: Pick<Waiver, 'until'>, now: Date): boolean {
  return now.getTime() < Date.parse(`${waiver.until}T00:00:00Z`) + 86_400_000;
}

export interface WaiverBook {
  // The result as reported: a failure with the waiver that matched it, or with its expiry said.
  apply(result: CheckResult): CheckResult;
  // The stale waivers among those this run's results never matched, as warnings.
  stale(results: readonly CheckResult[]): WarnedCheck[];
}

export function waiverBook(waivers: readonly Waiver[], scope: () => WaiverScope): WaiverBook {
  const patterns = new Map(waivers.map((waiver) => [waiver, checkPattern(waiver.check)]));
  const matched = new Set<Waiver>();
  return {
    apply(result) {
      if (result.status !== 'fail' || result.waiver !== undefined) return result;
      const at = scope();
      const candidates = waivers.filter((waiver) => appliesTo(waiver, at) && patterns.get(waiver)?.matches(result) === true);
      for (const waiver of candidates) matched.add(waiver);
      const live = candidates.find((waiver) => isLive(waiver, at.now));
      if (live !== undefined) return { ...result, waiver: { check: live.check, reason: live.reason, until: live.until } };
      const expired = candidates.reduce<Waiver | undefined>((last, waiver) => (last === undefined || waiver.until > last.until ? waiver : last), undefined);
      return expired === undefined ? result : expiredFailure(result, expired);
    },
    stale(results) {
      const at = scope();
      const ran = results.filter((result) => result.status !== 'skip' && result.suite !== WAIVERS_SUITE);
      return waivers.flatMap((waiver) => {
        if (matched.has(waiver) || !appliesTo(waiver, at)) return [];
        const pattern = patterns.get(waiver);
        const checks = ran.filter((result) => pattern?.matches(result) === true);
        if (checks.length > 0) return [staleWarning(waiver, `its ${checks.length === 1 ? 'check' : `${checks.length} checks`} ran and none failed`)];
        return waiver.known === false ? [staleWarning(waiver, 'its pattern matches no check of this shakedown')] : [];
      });
    },
  };
}

// Marks each waiver whose pattern matches one of these ids (every suite's checks), or one of the
// engine's own checks (suite "setup"), as known.
export function withKnown(waivers: readonly Waiver[], ids: readonly CheckId[]): Waiver[] {
  return waivers.map((waiver) => {
    const pattern = checkPattern(waiver.check);
    return { ...waiver, known: /^setup\s*(\/|›|>)/i.test(pattern.text) || ids.some((id) => pattern.matches(id)) };
  });
}

export const expiredText = (waiver: Pick<Waiver, 'until'>): string => `waiver expired on ${waiver.until}`;

function expiredFailure(result: FailedCheck, waiver: Waiver): FailedCheck {
  return {
    ...result,
    message: `${result.message} (${expiredText(waiver)}: ${waiver.reason})`,
    evidence: [
      ...result.evidence,
      {
        label: 'waiver',
        text: `${expiredText(waiver)} (it held through that day, UTC), so this failure counts again.\n${where(waiver)}: check ${JSON.stringify(waiver.check)}, reason: ${waiver.reason}`,
      },
    ],
  };
}

function staleWarning(waiver: Waiver, why: string): WarnedCheck {
  const limits = [waiver.context === undefined ? '' : ` context ${waiver.context}`, waiver.server === undefined ? '' : ` server ${waiver.server}`].join('');
  return {
    suite: WAIVERS_SUITE,
    check: `stale waiver: ${waiver.check}${limits === '' ? '' : ` (${limits.trim()})`}`,
    status: 'warn',
    durationMs: 0,
    message: `the waiver ${JSON.stringify(waiver.check)} (${where(waiver)}, until ${waiver.until}) matched no failure: ${why}; remove it or correct its pattern`,
    evidence: [
      {
        label: 'waiver',
        text: [
          `check: ${waiver.check}`,
          `reason: ${waiver.reason}`,
          `until: ${waiver.until}`,
          ...(waiver.context === undefined ? [] : [`context: ${waiver.context}`]),
          ...(waiver.server === undefined ? [] : [`server: ${waiver.server}`]),
        ].join('\n'),
      },
    ],
  };
}

const where = (waiver: Waiver): string => `${waiver.file}:${waiver.line}`;
