// The HTML report: one self-contained file (inline style and one small inline script, both allowed
// by hash in the page's own Content-Security-Policy; nothing loads from anywhere), readable on a phone
// and printable, and whole without its script. From the top: the run's header with the verdict and
// what decided it; the overview, one row per suite (checks per status, time: html/overview.ts); what
// changed against a baseline (with --baseline: html/diff-view.ts); setup errors; the reasons that
// explain several checks at once; the checks, with filters by status and a search box, per suite its
// failures, waived failures and warnings open and its passes collapsed, then every skipped check in
// one list with its reason (html/checks.ts); the timeline of the checks with its critical path
// (html/timeline.ts); the latencies the checks measured drawn as inline SVG charts (html/figures.ts).
// Every check has an anchor, and every mention of a check links to it. Everything from the cluster
// is escaped (html/escape.ts).
// Written like JUnit and JSON (file-reporter.ts): atomically, also on a setup error or a crash,
// then marked incomplete.
import { checkName, correlate, describeCorrelation, type CheckResult } from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type FileReporterOptions, type ReportSnapshot } from './file-reporter.ts';
import { chartIds, checksSection, type Ids } from './html/checks.ts';
import { diffView, loadBaseline, type HtmlBaseline } from './html/diff-view.ts';
import { escapeHtml } from './html/escape.ts';
import { figureChart, figureSummary } from './html/figures.ts';
import { overviewTable } from './html/overview.ts';
import { checkLink, countStatuses, markSpan, shownStatus, STATUS } from './html/parts.ts';
import { contentSecurityPolicy, SCRIPT } from './html/script.ts';
import { STYLE } from './html/style.ts';
import { timelineSection } from './html/timeline.ts';

export { escapeHtml } from './html/escape.ts';

export interface HtmlReporterOptions extends FileReporterOptions {
  // A JSON report to compare with (--baseline): a file name, read once when the reporter is made
  // (a file that cannot be read is said at the top of the page), or one already read.
  baseline?: string | HtmlBaseline;
}

export interface HtmlExtras {
  baseline?: HtmlBaseline;
}

export function createHtmlReporter(options: HtmlReporterOptions): FileReporter {
  const baseline = typeof options.baseline === 'string' ? loadBaseline(options.baseline) : options.baseline;
  return createFileReporter(options, (snapshot) => renderHtml(snapshot, baseline === undefined ? {} : { baseline }));
}

export type Verdict = 'pass' | 'fail' | 'incomplete';

// A failure fails the run unless a waiver covers it; so does a setup error.
export function verdictOf(report: Pick<ReportSnapshot, 'results' | 'setupErrors' | 'complete'>): Verdict {
  if (!report.complete) return 'incomplete';
  return report.setupErrors.length > 0 || countStatuses(report.results).fail > 0 ? 'fail' : 'pass';
}

const VERDICT_WORD: Record<Verdict, string> = { pass: 'passed', fail: 'failed', incomplete: 'incomplete' };
// Checks named in the verdict's line per status, the rest counted.
const NAMED = 5;

export function renderHtml(report: ReportSnapshot, extras: HtmlExtras = {}): string {
  const { run, results } = report;
  const ids = chartIds();
  const verdict = verdictOf(report);
  const started = Date.parse(run.startedAt);
  const finished = run.finishedAt === null ? report.writtenAt.getTime() : Date.parse(run.finishedAt);
  const facts = [
    ['cluster', run.cluster.server ?? 'unknown'],
    ['context', run.cluster.context ?? 'unknown'],
    ['Kubernetes', run.cluster.version ?? 'unknown'],
    ['nodes', run.cluster.nodes === null ? 'unknown' : String(run.cluster.nodes)],
    ...Object.entries(run.properties)
      .filter(([key]) => key.startsWith('shakedown.') && key !== 'shakedown.suites')
      .map(([key, value]) => [key.slice('shakedown.'.length), value]),
    ['started', run.startedAt],
    ['duration', `${((finished - started) / 1000).toFixed(1)} s`],
  ];
  const latency = latencySection(results, ids);
  const nav = [
    ['overview', 'overview'],
    ['checks', 'checks'],
    ...(results.some((r) => r.status === 'skip') ? [['skipped', 'skipped']] : []),
    ['timeline', 'timeline'],
    ...(latency === '' ? [] : [['latency', 'latency']]),
  ];
  const body = [
    `<header><h1>shakedown run ${escapeHtml(run.runId)} <span class="verdict ${verdict}">${VERDICT_WORD[verdict]}</span></h1>`,
    `<p class="facts">${facts.map(([key, value]) => `<span><b>${escapeHtml(key ?? '')}</b> ${escapeHtml(value ?? '')}</span>`).join('')}</p>`,
    `<p class="verdict-line">${verdictLine(report)}</p>`,
    report.complete
      ? ''
      : `<p class="incomplete-note">This report was written before the run ended (a setup error, a crash or an interruption): the results are partial.</p>`,
    `<nav aria-label="sections">${nav.map(([id, text]) => `<a href="#${id}">${text}</a>`).join('')}</nav></header>`,
    overviewTable(results, finished - started),
    diffView(extras.baseline, results, report.complete),
    ...report.setupErrors.map(
      (error) =>
        `<section class="check fail"><h3>${markSpan('fail')}${escapeHtml(error.code)}: ${escapeHtml(error.message)}</h3>${error.details === undefined ? '' : `<pre>${escapeHtml(error.details)}</pre>`}<p class="cause"><span class="label">hint</span> ${escapeHtml(error.hint)}</p></section>`,
    ),
    correlations(results),
    checksSection(results, ids),
    timelineSection(results, { start: started, end: finished }),
    latency,
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(STYLE, SCRIPT)}">
<title>shakedown ${escapeHtml(run.runId)}: ${verdict}</title><style>${STYLE}</style></head>
<body>
${body.filter((part) => part !== '').join('\n')}
<script>${SCRIPT}</script>
</body></html>
`;
}

// What decided the verdict, each check named and linked: failures, setup errors, waived failures,
// warnings.
function verdictLine(report: ReportSnapshot): string {
  const named = (results: readonly CheckResult[]) =>
    `${results
      .slice(0, NAMED)
      .map((result) => checkLink(result))
      .join(', ')}${results.length > NAMED ? ` and ${results.length - NAMED} more` : ''}`;
  const of = (status: 'fail' | 'waived' | 'warn') => report.results.filter((result) => shownStatus(result) === status);
  const failed = of('fail');
  const parts = [
    failed.length === 0 && report.setupErrors.length === 0 ? `No check failed${report.complete ? '' : ' so far'}` : '',
    failed.length === 0 ? '' : `${markSpan('fail')}${failed.length} ${STATUS.fail.plural}: ${named(failed)}`,
    report.setupErrors.length === 0
      ? ''
      : `${markSpan('fail')}${report.setupErrors.length} setup error${report.setupErrors.length === 1 ? '' : 's'}: ${report.setupErrors.map((error) => escapeHtml(error.code)).join(', ')}`,
    of('waived').length === 0 ? '' : `${markSpan('waived')}${of('waived').length} failed but waived: ${named(of('waived'))}`,
    of('warn').length === 0 ? '' : `${markSpan('warn')}${of('warn').length} ${STATUS.warn.plural}: ${named(of('warn'))}`,
  ];
  return parts.filter((part) => part !== '').join('; ');
}

function correlations(results: readonly CheckResult[]): string {
  const found = correlate(results);
  if (found.length === 0) return '';
  return `<section><h2>One reason for several checks</h2>${found.map((correlation) => `<div class="check fail"><p>${escapeHtml(describeCorrelation(correlation))}</p></div>`).join('')}</section>`;
}

// Every figure table any check recorded (whatever its status: a passing DNS burst's latency is
// worth seeing), drawn in one section, each linked to its check.
function latencySection(results: readonly CheckResult[], ids: Ids): string {
  const figures = results.flatMap((result) =>
    result.evidence.flatMap((evidence) => {
      const table = evidence.figures;
      const chart = table === undefined ? undefined : figureChart(table, ids(), `${checkName(result)}: ${table.title}`);
      if (table === undefined || chart === undefined) return [];
      return [
        `<figure><figcaption class="${shownStatus(result)}">${markSpan(shownStatus(result))}${checkLink(result)}: ${escapeHtml(table.title)} <span class="label">${escapeHtml(figureSummary(table))}</span></figcaption>${chart}</figure>`,
      ];
    }),
  );
  if (figures.length === 0) return '';
  return `<section id="latency"><h2>Latency</h2>${figures.join('')}</section>`;
}
