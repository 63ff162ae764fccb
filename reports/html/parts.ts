// The parts every HTML page of shakedown is built from (the report, its diff view): how a check's
// status is shown (a mark that reads in black and white, a class that colours it), a check's anchor
// and the link to it, the counts per status, and a duration as a person reads it. A waived failure
// (--waivers) is shown as its own status, "waived", apart from the failures that fail the run.
import { checkName, type AppliedWaiver, type CheckResult } from '../../helpers/result.ts';
import { escapeHtml } from './escape.ts';

export const SHOWN_STATUSES = ['fail', 'waived', 'warn', 'pass', 'skip'] as const;
export type ShownStatus = (typeof SHOWN_STATUSES)[number];

// Each status's mark and its word, in the order a reader wants them: what fails the run first.
export const STATUS: Record<ShownStatus, { mark: string; word: string; plural: string }> = {
  fail: { mark: '✗', word: 'fail', plural: 'failed' },
  waived: { mark: '⊘', word: 'waived', plural: 'waived' },
  warn: { mark: '⚠', word: 'warn', plural: 'warned' },
  pass: { mark: '✓', word: 'pass', plural: 'passed' },
  skip: { mark: '↷', word: 'skip', plural: 'skipped' },
};

export function shownStatus(result: CheckResult): ShownStatus {
  return result.status === 'fail' && result.waiver !== undefined ? 'waived' : result.status;
}

export type Counts = Record<ShownStatus, number>;

export function countStatuses(results: readonly CheckResult[]): Counts {
  const counts: Counts = { fail: 0, waived: 0, warn: 0, pass: 0, skip: 0 };
  for (const result of results) counts[shownStatus(result)] += 1;
  return counts;
}

// "3 passed, 2 failed, 1 waived, 1 warned, 1 skipped": waived only when there is one.
export function countsText(counts: Counts): string {
  const order: ShownStatus[] = ['pass', 'fail', 'waived', 'warn', 'skip'];
  return order
    .filter((status) => status !== 'waived' || counts.waived > 0)
    .map((status) => `${counts[status]} ${STATUS[status].plural}`)
    .join(', ');
}

export function markSpan(status: ShownStatus): string {
  return `<span class="mark" aria-label="${STATUS[status].word}">${STATUS[status].mark}</span>`;
}

// The anchor of a check's block in the report, from its stable id ("suite › check").
export function checkAnchor(id: string): string {
  return `check-${id
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase()}`;
}

export function anchorOf(result: Pick<CheckResult, 'suite' | 'check'>): string {
  return checkAnchor(checkName(result));
}

// A link to the check's block, named by its "suite › check".
export function checkLink(result: Pick<CheckResult, 'suite' | 'check'>, text = checkName(result)): string {
  return `<a href="#${anchorOf(result)}">${escapeHtml(text)}</a>`;
}

// A check's title as a link to its own block (to copy or share): the check's anchor, seen.
export function selfLink(anchor: string, title: string): string {
  return `<a class="self" href="#${anchor}">${escapeHtml(title)}</a>`;
}

// "waived until 2026-12-31: the upstream is being replaced".
export function waiverText(waiver: AppliedWaiver): string {
  return `waived until ${waiver.until}: ${waiver.reason}`;
}

// Seconds as a person reads them: with one decimal below 100 s, whole up to ten minutes, then
// minutes: 0.4 s, 94.3 s, 412 s, 12 min.
export function formatSeconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 99_950) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 600_000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

// The status that stands for several checks: the worst of theirs.
export function worstStatus(statuses: readonly ShownStatus[]): ShownStatus {
  return (['fail', 'waived', 'warn', 'pass'] as const).find((status) => statuses.includes(status)) ?? 'skip';
}
