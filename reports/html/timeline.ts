// The run's timeline: every check that has a start time drawn as a bar from its start to its end, on
// one axis from the run's start, grouped by suite (each suite a row of its own, coloured by the worst
// status of its checks, its checks behind a toggle: its name toggles, the overview links to it), with the critical path first: the chain of
// checks that set how long the run took (criticalPath). Bars are SVG rectangles placed in percent
// of the track (attributes, not inline styles, so the page's Content-Security-Policy holds); each
// check's duration is also written out. A report without start times (an older shakedown's) gets a
// line saying why there is no timeline.
import { checkName, type CheckResult } from '../../helpers/result.ts';
import { formatMs, niceScale } from '../svg.ts';
import { escapeHtml } from './escape.ts';
import { spanOf, suitesOf, type Span } from './overview.ts';
import { anchorOf, formatSeconds, shownStatus, worstStatus } from './parts.ts';

// A check that began within this long of another's end may have waited for it (a slot of its
// suite's pool, or the next step of a sequence).
const TOUCH_MS = 100;

interface Timed {
  result: CheckResult;
  span: Span;
}

// The chain of checks that set the run's length, first to last: from the check that ended last,
// back to the check of its own suite that ended as it began (the slot it waited for), or, when no
// other check was running as it began, to the check that ended last before it (a phase of the run
// that waits for the ones before, as a suite grouped apart does). It stops at a check that waited
// for something else (its suite's setup) while other checks ran.
export function criticalPath(timed: readonly Timed[]): Timed[] {
  if (timed.length === 0) return [];
  const latest = (list: readonly Timed[]) => list.reduce((a, b) => (b.span.end > a.span.end ? b : a));
  const path = [latest(timed)];
  for (let current = path[0]; current !== undefined;) {
    const begin = current.span.start;
    const before = timed.filter((t) => t !== current && !path.includes(t) && t.span.start < begin && t.span.end <= begin + TOUCH_MS);
    const slot = before.filter((t) => t.result.suite === current?.result.suite && t.span.end >= begin - TOUCH_MS);
    const idle = !timed.some((t) => t.span.start < begin - TOUCH_MS && t.span.end > begin + TOUCH_MS);
    current = slot.length > 0 ? latest(slot) : idle && before.length > 0 ? latest(before) : undefined;
    if (current !== undefined) path.unshift(current);
  }
  return path;
}

export function timelineSection(results: readonly CheckResult[], run: Span): string {
  const head = '<section id="timeline"><h2>Timeline</h2>';
  const timed: Timed[] = results.flatMap((result) => {
    const span = spanOf(result);
    return span === undefined ? [] : [{ result, span }];
  });
  if (timed.length === 0) {
    return `${head}<p class="label">No timeline: this report has no start time for any check (it was written by an older shakedown, or no check ran). Each check's duration is in its block.</p></section>`;
  }
  const origin = Math.min(run.start, ...timed.map((t) => t.span.start));
  const end = Math.max(run.end, ...timed.map((t) => t.span.end));
  const scale = niceScale((end - origin) / 1000);
  const x = (ms: number) => Math.max(0, Math.min(100, ((ms - origin) / 1000 / scale.max) * 100));
  const ticks = Math.round(scale.max / scale.step);
  const path = criticalPath(timed);
  const critical = new Set(path);
  // Positions in percent of the track: no viewBox to stretch, no inline style.
  const bar = (span: Span) => {
    const from = x(span.start);
    const width = Math.max(0.2, x(span.end) - from);
    return `<svg aria-hidden="true"><rect x="${round(Math.min(from, 100 - width))}%" width="${round(width)}%"/></svg>`;
  };
  const row = (t: Timed, name: string) =>
    `<div class="tl-row ${shownStatus(t.result)}${critical.has(t) ? ' crit' : ''}"><a href="#${anchorOf(t.result)}">${escapeHtml(name)}</a>${bar(t.span)}<span>${formatSeconds(t.result.durationMs)}</span></div>`;
  const axis = `<div class="tl-row tl-axis" aria-hidden="true"><span></span><div class="ticks">${Array.from({ length: ticks + 1 }, (_, i) => `<span>${i === 0 ? '0' : formatMs(i * scale.step * 1000)}</span>`).join('')}</div><span></span></div>`;
  const first = path[0]?.span.start ?? origin;
  const last = path.at(-1)?.span.end ?? end;
  const chain = path.length === 1 ? 'the check that ended last' : `${path.length} checks, each waiting for the one before it,`;
  const pathGroup = `<div class="tl-group"><h3>Critical path <span class="label">${chain} from ${formatSeconds(first - origin)} to ${formatSeconds(last - origin)} of the run's ${formatSeconds(end - origin)}</span></h3>${path.map((t) => row(t, checkName(t.result))).join('')}</div>`;
  const groups = suitesOf(timed.map((t) => t.result)).map((suite) => {
    const members = timed.filter((t) => t.result.suite === suite).sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
    const span = { start: Math.min(...members.map((t) => t.span.start)), end: Math.max(...members.map((t) => t.span.end)) };
    return `<details class="tl-suite"><summary class="tl-row ${worstStatus(members.map((t) => shownStatus(t.result)))}"><span>${escapeHtml(suite)}</span>${bar(span)}<span>${formatSeconds(span.end - span.start)}</span></summary>${members.map((t) => row(t, t.result.check)).join('')}</details>`;
  });
  const untimed = results.length - timed.length;
  const note = `<p class="label">From the run's start (0) to its end; a bar from each check's start to its end, its colour its status; bold: on the critical path.${untimed === 0 ? '' : ` ${untimed} check${untimed === 1 ? ' has' : 's have'} no start time and ${untimed === 1 ? 'is' : 'are'} not drawn (skipped before running, or the run's own setup).`}</p>`;
  // data-ticks: how many steps the axis has, for the grid the page's style draws behind the bars.
  return `${head}${note}<div class="tl" data-ticks="${ticks}">${axis}${pathGroup}${groups.join('')}</div></section>`;
}

const round = (value: number): string => String(Math.round(value * 100) / 100);
