// The checks of the report: per suite its failures, waived failures and warnings open (message,
// likely cause, origin, evidence, reproduce, log), its passes collapsed; the skipped checks of every
// suite collapsed into one list, grouped by their reason. Each check is an element with its own
// anchor (its title links to it, to copy or share) and data-status, which the filters and the
// search of the page's script act on (script.ts); without the script every check is there, as it is
// in print. Grids in the evidence (truth and reachability tables, node pairs) are drawn as tables,
// each cell in colour with its symbol and what it means; figure tables as charts, with their numbers
// kept as text. Both come typed from the check (helpers/evidence.ts): the text is never read back.
import { formatGrid } from '../../helpers/evidence.ts';
import { checkName, type CheckResult, type Evidence, type FailedCheck, type Grid } from '../../helpers/result.ts';
import { escapeHtml } from './escape.ts';
import { figureChart } from './figures.ts';
import { suiteAnchor, suitesOf } from './overview.ts';
import {
  anchorOf,
  countStatuses,
  countsText,
  formatSeconds,
  markSpan,
  selfLink,
  SHOWN_STATUSES,
  shownStatus,
  STATUS,
  waiverText,
  type ShownStatus,
} from './parts.ts';

// Unique ids for the charts of one page (their <title> and <desc> are referenced by id).
export type Ids = () => string;
export function chartIds(): Ids {
  let next = 0;
  return () => `chart-${++next}`;
}

const ORDER: Record<ShownStatus, number> = { fail: 0, waived: 1, warn: 2, pass: 3, skip: 4 };

// The filters and the search box: hidden until the page's script shows them (they need it).
export function filterBar(results: readonly CheckResult[]): string {
  const counts = countStatuses(results);
  const boxes = SHOWN_STATUSES.filter((status) => counts[status] > 0).map(
    (status) =>
      `<label class="${status}"><input type="checkbox" value="${status}" checked>${markSpan(status)}${STATUS[status].word} <b>${counts[status]}</b></label>`,
  );
  return `<div id="filters" class="filters" role="search" hidden><span class="label">show</span>${boxes.join('')}<input type="search" id="find" placeholder="search checks" aria-label="search the checks: name, message, evidence"><output id="shown" aria-live="polite"></output></div>`;
}

export function checksSection(results: readonly CheckResult[], ids: Ids): string {
  const suites = suitesOf(results).map((suite) =>
    suiteSection(
      suite,
      results.filter((result) => result.suite === suite),
      ids,
    ),
  );
  return `<section id="checks"><h2>Checks</h2>${filterBar(results)}${suites.join('')}${skippedList(results)}</section>`;
}

function suiteSection(suite: string, results: readonly CheckResult[], ids: Ids): string {
  const sorted = [...results].sort((a, b) => ORDER[shownStatus(a)] - ORDER[shownStatus(b)]);
  const passed = sorted.filter((result) => result.status === 'pass');
  const open = sorted.filter((result) => result.status !== 'pass' && result.status !== 'skip');
  const skipped = results.length - passed.length - open.length;
  return [
    `<section class="suite box" id="${suiteAnchor(suite)}" data-suite="${escapeHtml(suite)}"><h2>${escapeHtml(suite)} <span class="label">${countsText(countStatuses(results))}</span></h2>`,
    ...open.map((result) => checkBlock(result, ids)),
    passed.length === 0
      ? ''
      : `<details class="box"><summary>${passed.length} passed</summary>${passed.map((result) => checkBlock(result, ids)).join('')}</details>`,
    skipped === 0 ? '' : `<p class="label">${skipped} skipped: <a href="#skipped">listed with their reasons</a></p>`,
    '</section>',
  ].join('');
}

// Every skipped check of the run, grouped by its reason, the reasons in the order they first came.
function skippedList(results: readonly CheckResult[]): string {
  const skipped = results.filter((result) => result.status === 'skip');
  if (skipped.length === 0) return '';
  const reasons = new Map<string, CheckResult[]>();
  for (const result of skipped) reasons.set(result.skipReason, [...(reasons.get(result.skipReason) ?? []), result]);
  const groups = [...reasons].map(
    ([reason, members]) =>
      `<div class="reason box"><p>${escapeHtml(reason)}</p><ul>${members.map((result) => `<li class="check skip" id="${anchorOf(result)}" data-status="skip" data-suite="${escapeHtml(result.suite)}">${markSpan('skip')}${selfLink(anchorOf(result), checkName(result))}</li>`).join('')}</ul></div>`,
  );
  return `<details id="skipped" class="box"><summary><h2>Skipped <span class="label">${skipped.length} check${skipped.length === 1 ? '' : 's'}, ${reasons.size} reason${reasons.size === 1 ? '' : 's'}</span></h2></summary>${groups.join('')}</details>`;
}

function checkBlock(result: CheckResult, ids: Ids): string {
  const status = shownStatus(result);
  const anchor = anchorOf(result);
  const failure = result.status === 'fail' ? ` <span class="label">[${escapeHtml(result.classification)}]</span>` : '';
  const head = `<h3>${markSpan(status)}${selfLink(anchor, result.check)}${failure} <span class="label">${formatSeconds(result.durationMs)}</span></h3>`;
  const open = `<div class="check ${status}" id="${anchor}" data-status="${status}">${head}`;
  if (result.status === 'pass' || result.status === 'skip')
    return `${open}<p>${escapeHtml(result.status === 'skip' ? result.skipReason : result.message)}</p></div>`;
  const details = [
    result.origin === undefined
      ? ''
      : `<p class="cause"><span class="label">origin</span> ${escapeHtml(`${result.origin.dimension} ${result.origin.value} (${result.origin.confidence} confidence): ${result.origin.summary}`)}</p>`,
    result.likelyCause === undefined ? '' : `<p class="cause"><span class="label">likely cause</span> ${escapeHtml(result.likelyCause)}</p>`,
    ...result.evidence.map((evidence) => evidenceBlock(evidence, ids)),
    result.reproduce === undefined ? '' : `<p class="label">reproduce</p><pre>${escapeHtml(result.reproduce)}</pre>`,
    (result.log ?? []).length === 0 ? '' : `<details><summary>log</summary><pre>${escapeHtml((result.log ?? []).join('\n'))}</pre></details>`,
  ].join('');
  // A waived failure is known and accepted until its date: what it saw stays one click away.
  if (status === 'waived')
    return `${open}${waiverLine(result as FailedCheck)}<p>${escapeHtml(result.message)}</p>${details === '' ? '' : `<details><summary>evidence</summary>${details}</details>`}</div>`;
  return `${open}<p>${escapeHtml(result.message)}</p>${details}</div>`;
}

function waiverLine(result: FailedCheck): string {
  if (result.waiver === undefined) return '';
  return `<p class="waiver">${escapeHtml(waiverText(result.waiver))} <span class="label">(waiver ${escapeHtml(result.waiver.check)})</span></p>`;
}

function evidenceBlock(evidence: Evidence, ids: Ids): string {
  const label = `<p class="label">${escapeHtml(evidence.label)}</p>`;
  const chart = evidence.figures === undefined ? undefined : figureChart(evidence.figures, ids());
  if (chart !== undefined) return `${label}${chart}<details><summary>the numbers</summary><pre>${escapeHtml(evidence.text)}</pre></details>`;
  const grids = evidence.grids ?? [];
  if (grids.length === 0) return `${label}<pre>${escapeHtml(evidence.text)}</pre>`;
  // The lines gridEvidence put below the grids.
  const drawn = grids.map(formatGrid).join('\n\n');
  const rest = evidence.text.startsWith(drawn) ? evidence.text.slice(drawn.length).trim() : '';
  return `${label}${grids.map(gridTable).join('')}${rest === '' ? '' : `<pre>${escapeHtml(rest)}</pre>`}`;
}

const CELL: Record<string, { cls: string; title: string }> = {
  '.': { cls: 'ok', title: 'as expected / reached' },
  X: { cls: 'bad', title: 'blocked / mismatch' },
  '?': { cls: 'unknown', title: 'not observed' },
  '-': { cls: 'none', title: 'not asked' },
};

function cellOf(grid: Grid, cell: string): { cls: string; title: string } {
  const known = CELL[cell];
  const meaning = grid.legend?.[cell];
  if (known !== undefined) return meaning === undefined ? known : { cls: known.cls, title: meaning };
  return { cls: cell.trim() === '' ? 'none' : 'bad', title: meaning ?? '' };
}

function gridTable(grid: Grid): string {
  const caption = grid.title === undefined ? '' : `<caption>${escapeHtml(grid.title)}</caption>`;
  const head = `<tr><th class="row">${escapeHtml(grid.corner)}</th>${grid.columns.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')}</tr>`;
  const rows = grid.rows.map(
    (row) =>
      `<tr><th class="row" scope="row">${escapeHtml(row.name)}</th>${row.cells
        .map((cell) => {
          const shown = cellOf(grid, cell);
          return `<td class="${shown.cls}" title="${escapeHtml(shown.title)}">${escapeHtml(cell)}</td>`;
        })
        .join('')}</tr>`,
  );
  const legend =
    grid.legend === undefined
      ? ''
      : `<p class="label">${Object.entries(grid.legend)
          .map(([symbol, meaning]) => `${escapeHtml(symbol)} ${escapeHtml(meaning)}`)
          .join(', ')}</p>`;
  return `<div class="grid-wrap"><table class="grid">${caption}${head}${rows.join('')}</table>${legend}</div>`;
}
