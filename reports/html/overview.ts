// The overview at the top of the report: one row per suite (its checks per status, how long it
// took), each linked to the suite's section, and a total row for the run. A suite's time is from its
// first check's start to its last check's end; a report without start times (an older shakedown's)
// gives the sum of its checks' durations instead, and says so.
import type { CheckResult } from '../../helpers/result.ts';
import { escapeHtml } from './escape.ts';
import { countStatuses, formatSeconds, markSpan, STATUS, type Counts, type ShownStatus } from './parts.ts';

export function suiteAnchor(suite: string): string {
  return `suite-${suite.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

// The suites in the order their first result came.
export function suitesOf(results: readonly CheckResult[]): string[] {
  return [...new Set(results.map((result) => result.suite))];
}

export interface Span {
  start: number;
  end: number;
}

// When the check ran (epoch ms), or undefined without a usable start time.
export function spanOf(result: CheckResult): Span | undefined {
  const start = result.startedAt === undefined ? NaN : Date.parse(result.startedAt);
  if (!Number.isFinite(start) || !(result.durationMs >= 0)) return undefined;
  return { start, end: start + result.durationMs };
}

// The suite's wall-clock time (first start to last end), or the sum of its checks' durations when
// none has a start time; `summed` says which.
export function suiteTime(results: readonly CheckResult[]): { ms: number; summed: boolean } {
  const spans = results.map(spanOf).filter((span) => span !== undefined);
  if (spans.length === 0) return { ms: results.reduce((sum, result) => sum + Math.max(0, result.durationMs), 0), summed: true };
  return { ms: Math.max(...spans.map((span) => span.end)) - Math.min(...spans.map((span) => span.start)), summed: false };
}

const COLUMNS: ShownStatus[] = ['pass', 'warn', 'fail', 'waived', 'skip'];

export function overviewTable(results: readonly CheckResult[], runMs: number): string {
  const total = countStatuses(results);
  // The waived column only when a failure was waived: a phone's width is precious.
  const columns = COLUMNS.filter((status) => status !== 'waived' || total.waived > 0);
  const cells = (counts: Counts) => columns.map((status) => `<td class="${counts[status] === 0 ? 'zero' : status}">${counts[status]}</td>`).join('');
  let summed = false;
  const rows = suitesOf(results).map((suite) => {
    const members = results.filter((result) => result.suite === suite);
    const time = suiteTime(members);
    summed ||= time.summed;
    return `<tr><th scope="row"><a href="#${suiteAnchor(suite)}">${escapeHtml(suite)}</a></th>${cells(countStatuses(members))}<td class="time">${formatSeconds(time.ms)}${time.summed ? '*' : ''}</td></tr>`;
  });
  const head = `<tr><th scope="col">suite</th>${columns.map((status) => `<th scope="col" class="${status}">${markSpan(status)}<span class="word">${STATUS[status].word}</span></th>`).join('')}<th scope="col" class="time">time</th></tr>`;
  const foot = `<tr><th scope="row">all ${results.length}</th>${cells(total)}<td class="time">${formatSeconds(runMs)}</td></tr>`;
  const note = `<p class="label">time: from a suite's first check's start to its last check's end (suites run side by side); for the run, from its start to its end${summed ? '. *: the sum of its checks\u2019 durations, as this report has no start times for them' : ''}.</p>`;
  return `<section id="overview"><h2>Overview</h2><div class="table-wrap"><table class="overview"><thead>${head}</thead><tbody>${rows.join('')}</tbody><tfoot>${foot}</tfoot></table></div>${note}</section>`;
}
