// The HTML report's view of what changed against a baseline (`--baseline BEFORE.json`), at the top
// of the page: newly failing and much slower checks (the regressions), fixed ones, new warnings,
// checks now skipped, and checks that appeared or vanished. The comparison is `shakedown diff`'s own
// (reports/diff.ts), so the page and the console never disagree. Drawn with the report's own parts
// (parts.ts): the same marks, status colours, check blocks and anchors; a waived failure says so.
import { DEFAULT_DIFF, diffResults, isRegression, readReport, type Change, type ChangeKind, type DiffOptions, type ReportLike } from '../diff.ts';
import { checkName, type CheckResult } from '../../helpers/result.ts';
import { escapeHtml } from './escape.ts';
import { checkAnchor, STATUS } from './parts.ts';

export { checkAnchor } from './parts.ts';

export interface HtmlBaseline {
  // The file it was read from, as given.
  source: string;
  report?: ReportLike;
  // Why it could not be read (the page says so instead of comparing).
  error?: string;
  options?: DiffOptions;
}

export function loadBaseline(path: string): HtmlBaseline {
  try {
    return { source: path, report: readReport(path) };
  } catch (error) {
    return { source: path, error: error instanceof Error ? error.message : String(error) };
  }
}

// Regressions, fixes and new warnings are listed open (at most OPEN_ITEMS, the rest behind a
// toggle); checks now skipped, appeared or vanished are counted, their list collapsed.
const GROUPS: { kind: ChangeKind; title: string; cls: string; mark: string; open: boolean }[] = [
  { kind: 'new-failure', title: 'Newly failing', cls: 'fail', mark: STATUS.fail.mark, open: true },
  { kind: 'slower', title: 'Much slower', cls: 'fail', mark: '↑', open: true },
  { kind: 'resolved', title: 'Fixed', cls: 'pass', mark: STATUS.pass.mark, open: true },
  { kind: 'new-warning', title: 'New warnings', cls: 'warn', mark: STATUS.warn.mark, open: true },
  { kind: 'now-skipped', title: 'Now skipped', cls: 'skip', mark: STATUS.skip.mark, open: false },
  { kind: 'appeared', title: 'Appeared', cls: 'skip', mark: '+', open: false },
  { kind: 'vanished', title: 'Vanished', cls: 'skip', mark: '−', open: false },
];
const OPEN_ITEMS = 8;
const DETAIL_CHARS = 110;

const statusText = (result: CheckResult | undefined): string =>
  result === undefined
    ? 'absent'
    : result.status === 'fail'
      ? `fail (${result.classification}${result.waiver === undefined ? '' : ', waived'})`
      : result.status;

function item(change: Change, linkable: boolean): string {
  const name = escapeHtml(change.id);
  const link = linkable ? `<a href="#${checkAnchor(change.id)}">${name}</a>` : name;
  // The first line, shortened: the check's own block, one click away, has the whole of it.
  const line = change.text.split('\n')[0] ?? '';
  const detail = line.length <= DETAIL_CHARS ? line : `${line.slice(0, DETAIL_CHARS - 1)}…`;
  return `<li>${link} <span class="label">${escapeHtml(statusText(change.before))} → ${escapeHtml(statusText(change.after))}</span>${detail === '' ? '' : `<br><span class="detail">${escapeHtml(detail)}</span>`}</li>`;
}

// The section, or '' without a baseline. `complete` false: the run's results are partial, so a
// check not yet run does not count as vanished.
export function diffView(baseline: HtmlBaseline | undefined, results: readonly CheckResult[], complete: boolean): string {
  if (baseline === undefined) return '';
  const head = `<section id="baseline" class="diff"><h2>Compared with the baseline</h2>`;
  if (baseline.report === undefined)
    return `${head}<p class="incomplete-note">The baseline ${escapeHtml(baseline.source)} could not be read: ${escapeHtml(baseline.error ?? 'unknown error')}</p></section>`;
  const options = baseline.options ?? DEFAULT_DIFF;
  const changes = diffResults(baseline.report.results, results, options).filter((change) => complete || change.kind !== 'vanished');
  const regressions = changes.filter(isRegression).length;
  const before = baseline.report.run;
  const facts = `<p class="facts"><span><b>baseline</b> ${escapeHtml(baseline.source)}</span><span><b>run</b> ${escapeHtml(before.runId)}</span><span><b>started</b> ${escapeHtml(before.startedAt)}</span><span><b>Kubernetes</b> ${escapeHtml(before.cluster.version ?? 'unknown')}</span></p>`;
  const verdict = `<p><span class="verdict ${regressions === 0 ? 'pass' : 'fail'}">${regressions === 0 ? 'no regression' : `${regressions} regression${regressions === 1 ? '' : 's'}`}</span> ${changes.length === 0 ? `nothing changed in ${results.length} checks` : `${changes.length} change${changes.length === 1 ? '' : 's'} (${results.length} checks in this run, ${baseline.report.results.length} in the baseline)`}; slower means at least x${options.ratio} and +${(options.floorMs / 1000).toFixed(1)}&nbsp;s${complete ? '' : '; this run is partial, so checks it has not run yet are not listed as vanished'}</p>`;
  const present = new Set(results.map(checkName));
  const groups = GROUPS.map(({ kind, title, cls, mark, open }) => {
    const members = changes.filter((change) => change.kind === kind);
    if (members.length === 0) return '';
    const items = members.map((change) => item(change, present.has(change.id)));
    const heading = `<span class="mark">${mark}</span>${title} <span class="label">${members.length}</span>`;
    if (!open) return `<details class="check ${cls}"><summary><h3>${heading}</h3></summary><ul>${items.join('')}</ul></details>`;
    const rest = items.slice(OPEN_ITEMS);
    return `<div class="check ${cls}"><h3>${heading}</h3><ul>${items.slice(0, OPEN_ITEMS).join('')}</ul>${rest.length === 0 ? '' : `<details><summary>${rest.length} more</summary><ul>${rest.join('')}</ul></details>`}</div>`;
  });
  return `${head}${facts}${verdict}${groups.join('')}</section>`;
}
