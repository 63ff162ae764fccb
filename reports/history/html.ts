// The history as one self-contained HTML page (inline style, no script, no network), readable on a
// laptop and on a phone: what needs a look first (flaky checks, new failures, checks failing since
// an earlier night, each linked to its row), then the grid of checks × nights, each cell in colour
// and with its symbol (a waived failure apart from a plain one), with each check's flips, pass rate,
// first failure and its duration as a small line; then the measured figures as trend lines, and the
// nights it was made of. Text from the reports goes in only through escapeHtml.
import { escapeHtml } from '../html/escape.ts';
import { formatMs } from '../svg.ts';
import type { Cell, CheckHistory, History, Night, Outcome } from './model.ts';
import { sparkline, trendChart } from './trend-chart.ts';
import { nightName, nightTime } from './words.ts';

const MARK: Record<Outcome, string> = { pass: '✓', warn: '⚠', fail: '✗', waived: '⊘', skip: '↷' };
const WORD: Record<Outcome, string> = { pass: 'passed', warn: 'warned', fail: 'failed', waived: 'failed, waived', skip: 'skipped' };

const STYLE = `
:root{--pass:#1a7f37;--fail:#cf222e;--warn:#9a6700;--waived:#8250df;--skip:#6e7781;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa}
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem;color:var(--fg);background:var(--bg);max-width:90rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.15rem;margin:1.6rem 0 .4rem}h3{font-size:1rem;margin:.6rem 0 .2rem}
.facts{color:var(--muted);margin:.2rem 0 1rem}.facts span{display:inline-block;margin-right:1rem;overflow-wrap:anywhere}
.label,.detail{color:var(--muted);font-size:.85rem}a{color:inherit}
.findings ul{margin:.2rem 0;padding-left:1.2rem}.findings li{margin:.2rem 0;overflow-wrap:anywhere}
.finding{border:1px solid var(--line);border-left:.35rem solid var(--fail);border-radius:.3rem;padding:.4rem .7rem;margin:.5rem 0}
.finding.flaky{border-left-color:var(--warn)}.finding.ok{border-left-color:var(--pass)}.finding.note{border-left-color:var(--skip)}
.legend span{display:inline-block;margin:0 .8rem .3rem 0;white-space:nowrap}
/* Scrolled to its end at first (right to left), where the last nights are; the table itself reads left to right. */
.grid-wrap{overflow-x:auto;width:fit-content;max-width:100%;border:1px solid var(--line);border-radius:.3rem;direction:rtl}.grid-wrap>table{direction:ltr}
table.history{border-collapse:separate;border-spacing:0;font-size:.8rem}
table.history th,table.history td{border-bottom:1px solid var(--line);border-right:1px solid var(--line);padding:.15rem .3rem;text-align:center;white-space:nowrap}
table.history thead th{background:var(--head);font-weight:600;white-space:normal}
table.history th.name{position:sticky;left:0;z-index:1;background:var(--bg);text-align:left;white-space:normal;min-width:min(18rem,38vw);max-width:min(24rem,42vw);font-weight:400;overflow-wrap:anywhere}
table.history thead th.name{background:var(--head);z-index:2;font-weight:600}
table.history td.o{min-width:1.7rem;font-weight:700}
td.pass,b.pass{background:#dafbe1;color:var(--pass)}td.fail,b.fail{background:#ffebe9;color:var(--fail)}td.warn,b.warn{background:#fff8c5;color:var(--warn)}
td.waived,b.waived{background:repeating-linear-gradient(135deg,#fbefff 0 4px,#ecd8ff 4px 8px);color:var(--waived)}td.skip,b.skip{color:var(--skip)}td.none{color:var(--line)}
.legend b{display:inline-block;min-width:1.3rem;text-align:center;border-radius:.2rem}
tr.flaky th.name{box-shadow:inset .3rem 0 0 var(--warn)}tr.failing th.name{box-shadow:inset .3rem 0 0 var(--fail)}
.suite{color:var(--muted)}.badge{display:inline-block;font-size:.7rem;font-weight:600;padding:0 .35rem;border-radius:.6rem;color:#fff;background:var(--warn);margin-left:.3rem}
.badge.failing{background:var(--fail)}
.trends{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,21rem),1fr));gap:.8rem}
figure{margin:0;border:1px solid var(--line);border-radius:.3rem;padding:.5rem;break-inside:avoid}figcaption{margin:0 0 .3rem;overflow-wrap:anywhere}
svg.trend{display:block;width:100%;height:auto}svg.spark{display:block;margin:auto}
ol.nights{padding-left:1.6rem}ol.nights li{overflow-wrap:anywhere}
@media (max-width:40rem){table.history .more{display:none}table.history td.o{min-width:1.5rem;padding:.15rem .2rem}}
@media print{.grid-wrap{overflow:visible}details{display:block}}
`;

const anchor = (index: number): string => `check-${index + 1}`;
const percent = (rate: number | null): string => (rate === null ? '–' : `${Math.round(rate * 100)}%`);
const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

export function renderHistoryHtml(history: History): string {
  const { nights } = history;
  const first = nights[0];
  const last = nights.at(-1);
  const rows = new Map(history.checks.map((check, i) => [check.id, { check, index: i }]));
  const link = (id: string, detail: string): string => {
    const row = rows.get(id);
    return `<li><a href="#${row === undefined ? '' : anchor(row.index)}">${escapeHtml(id)}</a> <span class="detail">${escapeHtml(detail)}</span></li>`;
  };
  const facts = [
    ['nights', String(nights.length)],
    ['from', first === undefined ? '' : `${nightTime(first.startedAt)} (${first.runId})`],
    ['to', last === undefined ? '' : `${nightTime(last.startedAt)} (${last.runId})`],
    ['checks', String(history.checks.length)],
    ['flaky', `flipped more than ${history.flakyFlips} time${history.flakyFlips === 1 ? '' : 's'}`],
  ];
  const body = [
    `<header><h1>shakedown history <span class="label">${nights.length} night${nights.length === 1 ? '' : 's'}</span></h1>`,
    `<p class="facts">${facts.map(([key, value]) => `<span><b>${escapeHtml(key ?? '')}</b> ${escapeHtml(value ?? '')}</span>`).join('')}</p></header>`,
    findings(history, link),
    grid(history),
    trends(history),
    `<section id="nights"><h2>Nights</h2><ol class="nights">${nights.map((night) => `<li>${escapeHtml(nightLine(night))}</li>`).join('')}</ol></section>`,
  ];
  const title = `shakedown history: ${nights.length} nights, ${history.flaky.length} flaky, ${history.newFailures.length} new failure${history.newFailures.length === 1 ? '' : 's'}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}

function nightLine(night: Night): string {
  const facts = [
    night.durationMs === null ? 'did not finish' : formatMs(night.durationMs),
    night.clusterVersion ?? 'unknown version',
    night.cluster ?? 'unknown cluster',
    night.file,
  ];
  return `${nightTime(night.startedAt)}, ${night.runId}: ${facts.join(', ')}`;
}

function findings(history: History, link: (id: string, detail: string) => string): string {
  const last = history.nights.at(-1);
  const byId = new Map(history.checks.map((check) => [check.id, check]));
  const lastText = (id: string): string => {
    const cell = byId.get(id)?.cells.at(-1) ?? null;
    return cell === null ? '' : cellWords(cell);
  };
  const parts: string[] = [];
  if (history.flaky.length > 0) {
    const items = history.flaky.map((id) => {
      const check = byId.get(id);
      return link(
        id,
        check === undefined
          ? ''
          : `${plural(check.flips, 'flip')}, passed ${check.passed} of ${plural(check.ran, 'night')} it ran (${percent(check.passRate)})`,
      );
    });
    parts.push(`<div class="finding flaky"><h3>Flaky: ${history.flaky.length}</h3><ul>${items.join('')}</ul></div>`);
  }
  if (history.newFailures.length > 0 && last !== undefined) {
    parts.push(
      `<div class="finding"><h3>New failures in ${escapeHtml(nightName(last))}: ${history.newFailures.length}</h3><ul>${history.newFailures.map((id) => link(id, lastText(id))).join('')}</ul></div>`,
    );
  }
  for (const group of history.failingSince) {
    const night = history.nights[group.night - 1];
    parts.push(
      `<div class="finding"><h3>Failing since ${escapeHtml(night === undefined ? `night ${group.night}` : nightName(night))}: ${group.checks.length}</h3><ul>${group.checks.map((id) => link(id, lastText(id))).join('')}</ul></div>`,
    );
  }
  if (parts.length === 0) parts.push(`<div class="finding ok"><p>No flaky check, and nothing failing in the last night.</p></div>`);
  for (const note of history.notes) parts.push(`<div class="finding note"><p>${escapeHtml(note)}</p></div>`);
  return `<section id="findings" class="findings"><h2>Findings</h2>${parts.join('')}</section>`;
}

// "failed [dns-error]: 2 of 6 lookups failed" and, for a waived one, the waiver.
function cellWords(cell: Cell): string {
  const head = `${WORD[cell.outcome]}${cell.classification === undefined ? '' : ` [${cell.classification}]`}`;
  const waiver = cell.waiver === undefined ? '' : `; waived by ${cell.waiver.check} until ${cell.waiver.until}: ${cell.waiver.reason}`;
  return `${head}${cell.message === undefined || cell.message === '' ? '' : `: ${cell.message}`}${waiver}`;
}

function grid(history: History): string {
  const legend = (['pass', 'warn', 'fail', 'waived', 'skip'] as const).map((o) => `<span><b class="${o}">${MARK[o]}</b> ${WORD[o]}</span>`);
  const head = `<thead><tr><th class="name" scope="col">check</th>${history.nights.map((night) => `<th scope="col" title="${escapeHtml(`${nightTime(night.startedAt)}, ${night.runId}`)}">${night.night}</th>`).join('')}<th scope="col">flips</th><th scope="col">pass rate</th><th scope="col" class="more">first failure</th><th scope="col" class="more">duration</th></tr></thead>`;
  const body = history.checks.map((check, i) => row(check, i, history.nights));
  return [
    `<section id="grid"><h2>Checks × nights</h2>`,
    `<p class="legend label">${legend.join('')}<span>blank: not in that night's report</span><span>flips: between failing and not failing, nights it ran</span><span>pass rate: passed or warned, of nights it ran</span></p>`,
    `<div class="grid-wrap"><table class="history">${head}<tbody>${body.join('')}</tbody></table></div></section>`,
  ].join('');
}

function row(check: CheckHistory, index: number, nights: readonly Night[]): string {
  const failing = check.failingSinceNight !== null;
  const badges = `${check.flaky ? '<span class="badge">flaky</span>' : ''}${failing ? '<span class="badge failing">failing</span>' : ''}`;
  const name = `<th class="name" scope="row"><span class="suite">${escapeHtml(check.suite)} ›</span> ${escapeHtml(check.check)}${badges}</th>`;
  // The night's time and run are in its column's heading: a cell's title says the night by number.
  const cells = check.cells.map((cell, i) => {
    const when = `night ${nights[i]?.night ?? i + 1}`;
    if (cell === null) return `<td class="o none" title="${escapeHtml(`${when}: not in the report`)}"></td>`;
    return `<td class="o ${cell.outcome}" title="${escapeHtml(`${when}: ${cellWords(cell)} (${formatMs(cell.durationMs)})`)}">${MARK[cell.outcome]}</td>`;
  });
  const classes = [check.flaky ? 'flaky' : '', failing ? 'failing' : ''].filter((c) => c !== '').join(' ');
  const durations = check.cells.map((cell) => cell?.durationMs ?? null);
  return `<tr id="${anchor(index)}"${classes === '' ? '' : ` class="${classes}"`}>${name}${cells.join('')}<td>${check.flips}</td><td>${percent(check.passRate)}</td><td class="more">${check.firstFailingNight ?? '–'}</td><td class="more">${sparkline(durations, `duration of ${check.id}`)}</td></tr>`;
}

function trends(history: History): string {
  if (history.trends.length === 0) return '';
  const figures = history.trends.map((trend, i) => {
    const chart = trendChart(trend.values, {
      id: `trend-${i + 1}`,
      title: `${trend.id}: ${trend.stat}`,
      ...(trend.limit === undefined ? {} : { limit: trend.limit }),
    });
    const check = trend.check === undefined ? '' : `<br><span class="label">${escapeHtml(trend.check)}</span>`;
    return `<figure><figcaption><b>${escapeHtml(trend.name)}</b> <span class="label">${escapeHtml(trend.stat)}</span>${check}</figcaption>${chart}</figure>`;
  });
  return `<section id="trends"><h2>Measured figures</h2><div class="trends">${figures.join('')}</div></section>`;
}
