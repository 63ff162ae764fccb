// The HTML report: one self-contained file (inline style, no script, no network), readable on a
// phone and printable. The run's header and verdict, what changed against a baseline (with
// --baseline), the reasons that explain several checks at once, the latencies the checks measured
// drawn as inline SVG charts (figure tables in their evidence: html/figures.ts), then per suite a
// summary bar and its checks: failures expanded (message, likely cause, origin, evidence,
// reproduce), warnings, skips with their reasons, passes collapsed. Truth and reachability tables in
// the evidence are drawn as grids, each cell in colour and with its symbol.
// Written like JUnit and JSON (file-reporter.ts): atomically, also on a setup error or a crash,
// then marked incomplete.
import { checkName, correlate, describeCorrelation, summarize, type CheckResult, type Evidence } from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type FileReporterOptions, type ReportSnapshot } from './file-reporter.ts';
import { checkAnchor, diffView, loadBaseline, type HtmlBaseline } from './html/diff-view.ts';
import { escapeHtml } from './html/escape.ts';
import { figureChart, figureSummary, parseFigures } from './html/figures.ts';

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

const MARK = { pass: '✓', warn: '⚠', fail: '✗', skip: '↷' } as const;
const CELL: Record<string, { cls: string; title: string }> = {
  '.': { cls: 'ok', title: 'as expected / reached' },
  X: { cls: 'bad', title: 'blocked / mismatch' },
  '?': { cls: 'unknown', title: 'not observed' },
};

const STYLE = `
:root{--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--skip:#6e7781;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;padding:1rem;color:var(--fg);background:var(--bg);max-width:72rem;margin-inline:auto}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}h3{font-size:1rem;margin:.2rem 0}
.facts{color:var(--muted);margin:.2rem 0 1rem}.facts span{display:inline-block;margin-right:1rem;overflow-wrap:anywhere}
.verdict{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff;font-weight:600}
.verdict.pass{background:var(--pass)}.verdict.fail{background:var(--fail)}.verdict.incomplete{background:var(--warn)}
.bar{display:flex;height:.6rem;border-radius:.3rem;overflow:hidden;background:var(--line);margin:.3rem 0 .6rem}
.bar i{display:block}.bar .pass{background:var(--pass)}.bar .fail{background:var(--fail)}.bar .warn{background:var(--warn)}.bar .skip{background:var(--skip)}
.check{border:1px solid var(--line);border-left-width:.35rem;border-radius:.3rem;padding:.5rem .7rem;margin:.4rem 0}
.check.fail{border-left-color:var(--fail)}.check.warn{border-left-color:var(--warn)}.check.skip{border-left-color:var(--skip)}.check.pass{border-left-color:var(--pass)}
.mark{font-weight:700;margin-right:.3rem}.fail .mark{color:var(--fail)}.warn .mark{color:var(--warn)}.skip .mark{color:var(--skip)}.pass .mark{color:var(--pass)}
.label{color:var(--muted);font-size:.85rem}.cause{margin:.3rem 0}
pre{background:#f6f8fa;padding:.5rem;border-radius:.3rem;overflow-x:auto;font-size:.82rem;line-height:1.3;white-space:pre}
table.grid{border-collapse:collapse;font:.8rem ui-monospace,monospace;margin:.3rem 0}
table.grid th,table.grid td{border:1px solid var(--line);padding:.1rem .35rem;text-align:center}
table.grid th{background:#f6f8fa;font-weight:600}table.grid th.row{text-align:left}
td.ok{background:#dafbe1;color:var(--pass)}td.bad{background:#ffebe9;color:var(--fail);font-weight:700}td.unknown{background:#fff8c5;color:var(--warn)}
.grid-wrap{overflow-x:auto}
details>summary{cursor:pointer}.incomplete-note{border:1px solid var(--warn);padding:.5rem;border-radius:.3rem;background:#fff8c5}
a{color:inherit}
figure{margin:.6rem 0 1rem;break-inside:avoid}figcaption{margin:0 0 .3rem}
svg.chart{display:block;width:100%;max-width:26rem;height:auto;color:var(--fg)}
.diff ul{margin:.3rem 0;padding-left:1.2rem}.diff summary h3{display:inline}.diff li{margin:.2rem 0;overflow-wrap:anywhere}.diff .detail{color:var(--muted);font-size:.85rem}
@media print{details{display:block}details>summary{list-style:none}body{max-width:none}svg.chart{max-width:30rem}}
`;

export function renderHtml(report: ReportSnapshot, extras: HtmlExtras = {}): string {
  const { run, results } = report;
  const ids = chartIds();
  const summary = summarize(results);
  const verdict = !report.complete ? 'incomplete' : summary.failed > 0 || report.setupErrors.length > 0 ? 'fail' : 'pass';
  const started = Date.parse(run.startedAt);
  const finished = run.finishedAt === null ? report.writtenAt.getTime() : Date.parse(run.finishedAt);
  const facts = [
    ['cluster', run.cluster.server ?? 'unknown'],
    ['context', run.cluster.context ?? 'unknown'],
    ['Kubernetes', run.cluster.version ?? 'unknown'],
    ['nodes', run.cluster.nodes === null ? 'unknown' : String(run.cluster.nodes)],
    ...Object.entries(run.properties).filter(([key]) => key.startsWith('shakedown.') && key !== 'shakedown.suites').map(([key, value]) => [key.slice('shakedown.'.length), value]),
    ['started', run.startedAt],
    ['duration', `${((finished - started) / 1000).toFixed(1)} s`],
  ];
  const suites = [...new Set(results.map((result) => result.suite))];
  const body = [
    `<header><h1>shakedown run ${escapeHtml(run.runId)} <span class="verdict ${verdict}">${verdict === 'pass' ? 'passed' : verdict === 'fail' ? 'failed' : 'incomplete'}</span></h1>`,
    `<p class="facts">${facts.map(([key, value]) => `<span><b>${escapeHtml(key ?? '')}</b> ${escapeHtml(value ?? '')}</span>`).join('')}</p>`,
    `<p>${summary.passed} passed, ${summary.failed} failed, ${summary.warned} warned, ${summary.skipped} skipped</p>${bar(results)}</header>`,
    report.complete ? '' : `<p class="incomplete-note">This report was written before the run ended (a setup error, a crash or an interruption): the results are partial.</p>`,
    diffView(extras.baseline, results, report.complete),
    ...report.setupErrors.map((error) => `<section class="check fail"><h3><span class="mark">${MARK.fail}</span>${escapeHtml(error.code)}: ${escapeHtml(error.message)}</h3>${error.details === undefined ? '' : `<pre>${escapeHtml(error.details)}</pre>`}<p class="cause"><span class="label">hint</span> ${escapeHtml(error.hint)}</p></section>`),
    correlations(results),
    latencySection(results, ids),
    ...suites.map((suite) => suiteSection(suite, results.filter((result) => result.suite === suite), ids)),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>shakedown ${escapeHtml(run.runId)}: ${verdict}</title><style>${STYLE}</style></head>
<body>
${body.filter((part) => part !== '').join('\n')}
</body></html>
`;
}

function bar(results: readonly CheckResult[]): string {
  const summary = summarize(results);
  const total = Math.max(1, results.length);
  const part = (cls: string, n: number) => (n === 0 ? '' : `<i class="${cls}" style="width:${((100 * n) / total).toFixed(2)}%"></i>`);
  return `<div class="bar" role="img" aria-label="${summary.passed} passed, ${summary.failed} failed, ${summary.warned} warned, ${summary.skipped} skipped">${part('pass', summary.passed)}${part('fail', summary.failed)}${part('warn', summary.warned)}${part('skip', summary.skipped)}</div>`;
}

function correlations(results: readonly CheckResult[]): string {
  const found = correlate(results);
  if (found.length === 0) return '';
  return `<section><h2>One reason for several checks</h2>${found.map((correlation) => `<div class="check fail"><p>${escapeHtml(describeCorrelation(correlation))}</p></div>`).join('')}</section>`;
}

const ORDER: Record<CheckResult['status'], number> = { fail: 0, warn: 1, skip: 2, pass: 3 };

// Unique ids for the charts of one page (their <title> and <desc> are referenced by id).
type Ids = () => string;
function chartIds(): Ids {
  let next = 0;
  return () => `chart-${++next}`;
}

// Every figure table any check recorded (whatever its status: a passing DNS burst's latency is
// worth seeing), drawn in one section before the suites, each linked to its check.
function latencySection(results: readonly CheckResult[], ids: Ids): string {
  const figures = results.flatMap((result) =>
    result.evidence.flatMap((evidence) => {
      const table = parseFigures(evidence.label, evidence.text);
      const chart = table === undefined ? undefined : figureChart(table, ids(), `${checkName(result)}: ${table.title}`);
      if (table === undefined || chart === undefined) return [];
      const name = checkName(result);
      return [`<figure><figcaption class="${result.status}"><span class="mark" aria-label="${result.status}">${MARK[result.status]}</span><a href="#${checkAnchor(name)}">${escapeHtml(name)}</a>: ${escapeHtml(table.title)} <span class="label">${escapeHtml(figureSummary(table))}</span></figcaption>${chart}</figure>`];
    }),
  );
  if (figures.length === 0) return '';
  return `<section id="latency"><h2>Latency</h2>${figures.join('')}</section>`;
}

function suiteSection(suite: string, results: readonly CheckResult[], ids: Ids): string {
  const summary = summarize(results);
  const sorted = [...results].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const passed = sorted.filter((result) => result.status === 'pass');
  const others = sorted.filter((result) => result.status !== 'pass');
  return [
    `<section id="suite-${escapeHtml(suite)}"><h2>${escapeHtml(suite)} <span class="label">${summary.passed} passed, ${summary.failed} failed, ${summary.warned} warned, ${summary.skipped} skipped</span></h2>${bar(results)}`,
    ...others.map((result) => checkBlock(result, ids)),
    passed.length === 0 ? '' : `<details><summary>${passed.length} passed</summary>${passed.map((result) => checkBlock(result, ids)).join('')}</details>`,
    '</section>',
  ].join('');
}

function checkBlock(result: CheckResult, ids: Ids): string {
  const anchor = checkAnchor(checkName(result));
  const head = `<h3><span class="mark" aria-label="${result.status}">${MARK[result.status]}</span>${escapeHtml(checkName(result))}${result.status === 'fail' ? ` <span class="label">[${escapeHtml(result.classification)}]</span>` : ''} <span class="label">${(result.durationMs / 1000).toFixed(1)} s</span></h3>`;
  if (result.status === 'pass') return `<div class="check pass" id="${anchor}">${head}<p>${escapeHtml(result.message)}</p></div>`;
  if (result.status === 'skip') return `<div class="check skip" id="${anchor}">${head}<p><span class="label">skipped:</span> ${escapeHtml(result.skipReason)}</p></div>`;
  return [
    `<div class="check ${result.status}" id="${anchor}">${head}<p>${escapeHtml(result.message)}</p>`,
    result.origin === undefined ? '' : `<p class="cause"><span class="label">origin</span> ${escapeHtml(`${result.origin.dimension} ${result.origin.value} (${result.origin.confidence} confidence): ${result.origin.summary}`)}</p>`,
    result.likelyCause === undefined ? '' : `<p class="cause"><span class="label">likely cause</span> ${escapeHtml(result.likelyCause)}</p>`,
    ...result.evidence.map((evidence) => evidenceBlock(evidence, ids)),
    result.reproduce === undefined ? '' : `<p class="label">reproduce</p><pre>${escapeHtml(result.reproduce)}</pre>`,
    (result.log ?? []).length === 0 ? '' : `<details><summary>log</summary><pre>${escapeHtml((result.log ?? []).join('\n'))}</pre></details>`,
    '</div>',
  ].join('');
}

function evidenceBlock(evidence: Evidence, ids: Ids): string {
  const table = parseFigures(evidence.label, evidence.text);
  const chart = table === undefined ? undefined : figureChart(table, ids());
  if (chart !== undefined) return `<p class="label">${escapeHtml(evidence.label)}</p>${chart}<details><summary>the numbers</summary><pre>${escapeHtml(evidence.text)}</pre></details>`;
  return `<p class="label">${escapeHtml(evidence.label)}</p>${evidence.text
    .split(/\n\s*\n/)
    .map((block) => {
      const grid = parseGrid(block);
      return grid === undefined ? `<pre>${escapeHtml(block)}</pre>` : gridTable(grid);
    })
    .join('')}`;
}

export interface Grid {
  corner: string;
  columns: string[];
  rows: { name: string; cells: string[] }[];
}

// A truth or reachability table as the suites print it: a header of column names, then one line per
// row whose cells are ".", "X" or "?".
export function parseGrid(text: string): Grid | undefined {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [header, ...rest] = lines.map((line) => line.trim().split(/\s+/));
  if (header === undefined || header.length < 2 || rest.length === 0) return undefined;
  const [corner = '', ...columns] = header;
  const rows: Grid['rows'] = [];
  for (const tokens of rest) {
    const [name = '', ...cells] = tokens;
    if (cells.length !== columns.length || !cells.every((cell) => cell in CELL)) return undefined;
    rows.push({ name, cells });
  }
  return { corner, columns, rows };
}

function gridTable(grid: Grid): string {
  const head = `<tr><th class="row">${escapeHtml(grid.corner)}</th>${grid.columns.map((column) => `<th scope="col">${escapeHtml(column)}</th>`).join('')}</tr>`;
  const rows = grid.rows.map(
    (row) =>
      `<tr><th class="row" scope="row">${escapeHtml(row.name)}</th>${row.cells.map((cell) => `<td class="${CELL[cell]?.cls ?? ''}" title="${CELL[cell]?.title ?? ''}">${escapeHtml(cell)}</td>`).join('')}</tr>`,
  );
  return `<div class="grid-wrap"><table class="grid">${head}${rows.join('')}</table></div>`;
}
