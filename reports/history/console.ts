// The history on the console: one line when nothing is wrong; otherwise the flaky checks, the new
// failures of the last night and the checks failing since an earlier night, each on a line of its
// own. Text read from the reports (check titles, messages) is made safe for a terminal.
import { terminalText } from '../../helpers/terminal-text.ts';
import type { CheckHistory, History, Night } from './model.ts';
import { nightName as plainNightName, nightTime } from './words.ts';

// A failure's message is cut to this on its line (the page and the JSON keep its first line whole).
const MESSAGE_CHARS = 200;
// Checks listed per section; the rest are counted (the page and the JSON list them all).
export const LISTED = 10;
const safe = (text: string, max = 400): string => terminalText(text.length <= max ? text : `${text.slice(0, max - 1)}…`, { oneLine: true });

const nightName = (night: Night): string => safe(plainNightName(night));

const percent = (rate: number | null): string => (rate === null ? 'never ran' : `${Math.round(rate * 100)}%`);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function renderHistorySummary(history: History): string {
  const { nights } = history;
  const first = nights[0];
  const last = nights.at(-1);
  if (first === undefined || last === undefined) return 'history of no night';
  const byId = new Map(history.checks.map((check) => [check.id, check]));
  const get = (id: string): CheckHistory | undefined => byId.get(id);
  const longer = history.failingSince.reduce((n, group) => n + group.checks.length, 0);
  const span = nights.length === 1 ? `night 1, ${nightTime(first.startedAt)}` : `${nightTime(first.startedAt)} to ${nightTime(last.startedAt)}`;
  const findings = [
    history.flaky.length === 0 ? 'none flaky' : `${history.flaky.length} flaky`,
    history.newFailures.length === 0 && longer === 0 ? `none failing in night ${last.night}` : undefined,
    history.newFailures.length === 0 ? undefined : plural(history.newFailures.length, 'new failure'),
    longer === 0 ? undefined : `${longer} failing since an earlier night`,
  ].filter((part) => part !== undefined);
  const lines = [`history of ${plural(nights.length, 'night')} (${span}): ${plural(history.checks.length, 'check')}, ${findings.join(', ')}`];
  const list = (ids: readonly string[], line: (check: CheckHistory) => string) => {
    for (const id of ids.slice(0, LISTED)) {
      const check = get(id);
      if (check !== undefined) lines.push(`  ${safe(id)}: ${line(check)}`);
    }
    if (ids.length > LISTED) lines.push(`  ... and ${ids.length - LISTED} more (--html or --json lists them all)`);
  };
  if (history.flaky.length > 0) {
    lines.push(`flaky (flipped between failing and not failing more than ${plural(history.flakyFlips, 'time')}):`);
    list(
      history.flaky,
      (check) =>
        `${plural(check.flips, 'flip')}, passed ${check.passed} of ${plural(check.ran, 'night')} it ran (${percent(check.passRate)}), last ${lastOutcome(check)}`,
    );
  }
  if (history.newFailures.length > 0) {
    lines.push(`new failures in ${nightName(last)}:`);
    list(
      history.newFailures,
      (check) =>
        `${failureText(check)}${check.firstFailingNight !== null && check.firstFailingNight < last.night ? ` (failed before, first in night ${check.firstFailingNight})` : ''}`,
    );
  }
  for (const group of history.failingSince) {
    const night = nights[group.night - 1];
    lines.push(`failing since ${night === undefined ? `night ${group.night}` : nightName(night)}:`);
    list(group.checks, failureText);
  }
  for (const note of history.notes) lines.push(`note: ${safe(note, 1000)}`);
  return lines.join('\n');
}

function lastOutcome(check: CheckHistory): string {
  const cell = [...check.cells].reverse().find((c) => c !== null && c.outcome !== 'skip');
  return cell?.outcome ?? 'never ran';
}

// The last night's failure: its classification and message, and its waiver when one matched.
function failureText(check: CheckHistory): string {
  const cell = check.cells.at(-1);
  if (cell === null || cell === undefined) return '';
  const waived = cell.waiver === undefined ? '' : ` [waived until ${safe(cell.waiver.until, 40)}: ${safe(cell.waiver.reason, 120)}]`;
  return `${cell.classification ?? 'fail'}: ${safe(cell.message ?? '', MESSAGE_CHARS)}${waived}`;
}
