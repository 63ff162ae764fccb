import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize, type CheckResult } from '../helpers/result.ts';
import { gridEvidence } from '../helpers/evidence.ts';
import { createHtmlReporter, escapeHtml, renderHtml, verdictOf } from './html.ts';
import { passed, skipped } from './testing/fixtures.ts';
import { BURST, ENFORCEMENT, manyResults, sampleBaseline, sampleResults, sampleRun, sampleSnapshot, WAIVED } from './testing/sample-run.ts';

// The ids of a page, and the targets of its links within it.
const ids = (html: string) => [...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
const targets = (html: string) => [...new Set([...html.matchAll(/ href="#([^"]+)"/g)].map((m) => m[1]))];

describe('renderHtml', () => {
  const html = renderHtml(sampleSnapshot());

  it('is one self-contained document: no external resource, one inline script and style allowed by hash, no inline style attribute', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<link|src=|url\(|@import|style="/i);
    expect(html).toMatch(/<meta name="viewport"/);
    expect(html.match(/<script/g)).toHaveLength(1);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/^default-src 'none'; /);
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(/<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '')}`);
    expect(csp).toContain(`style-src ${hash(/<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '')}`);
  });

  it('heads with the run, its cluster, the verdict and what decided it, each check linked', () => {
    expect(html).toMatch(/shakedown run sd-20261203-abc123 <span class="verdict fail">failed<\/span>/);
    expect(html).toMatch(/<b>Kubernetes<\/b> v1\.34\.4/);
    expect(html).toMatch(/<b>network-plugin<\/b> kube-router/);
    expect(html).toMatch(/<b>duration<\/b> 67\.5 s/);
    expect(html).toContain(
      '2 failed: <a href="#check-netpol-deny-all-ingress-in-x">netpol › deny all ingress in x</a>, <a href="#check-dns-every-replica-answers">dns › every replica answers</a>; ',
    );
    expect(html).toContain('1 warned: <a href="#check-dns-upstream-names-resolve">');
  });

  it("puts the overview first after the header: per suite its checks per status and its time, then the run's", () => {
    expect(html).toMatch(/<\/header>\n<section id="overview">/);
    const table = html.slice(html.indexOf('<table class="overview">'), html.indexOf('</table>'));
    const rows = [...table.matchAll(/<tr><th scope="row">(.*?)<\/th>(.*?)<\/tr>/g)].map(
      (m) => `${m[1]?.replace(/<[^>]+>/g, '')}: ${[...(m[2] ?? '').matchAll(/>([^<]*)<\/td>/g)].map((c) => c[1]).join(' ')}`,
    );
    // pass, warn, fail, skip, time: no waived column without a waived failure.
    expect(rows).toEqual(['smoke: 1 0 0 0 0.1 s', 'netpol: 1 0 1 0 31.2 s', 'dns: 1 1 1 1 11.4 s', 'all 7: 3 1 2 1 67.5 s']);
    expect(table).not.toContain('waived');
    expect(table).toContain('<a href="#suite-netpol">netpol</a>');
  });

  it('expands failures with cause, origin, evidence as grids and reproduce, and collapses passes', () => {
    expect(html).toMatch(/<span class="label">likely cause<\/span> the NetworkPolicy enforcer on node2 is not running/);
    expect((html.match(/<table class="grid">/g) ?? []).length).toBe(2);
    expect(html).toMatch(/<td class="bad" title="blocked \/ mismatch">X<\/td>/);
    expect(html).toMatch(/<td class="unknown" title="not observed">\?<\/td>/);
    expect(html).toMatch(/<p class="label">reproduce<\/p><pre>kubectl -n x exec a -- curl/);
    expect(html).toMatch(/<details class="box"><summary>1 passed<\/summary>/);
    expect(html).toContain(
      '<div class="check fail" id="check-netpol-deny-all-ingress-in-x" data-status="fail"><h3><span class="mark" aria-label="fail">✗</span><a class="self" href="#check-netpol-deny-all-ingress-in-x">deny all ingress in x</a>',
    );
  });

  it('lists every skipped check in one collapsed list, grouped by reason, each with its anchor, and says so in its suite', () => {
    const skips = [...sampleResults, { ...sampleResults[4]!, suite: 'smoke', check: 'no upstream either' }];
    const page = renderHtml(sampleSnapshot({ results: skips }));
    const list = page.slice(page.indexOf('<details id="skipped"'), page.indexOf('</details>', page.indexOf('<details id="skipped"')));
    expect(list).toContain('<h2>Skipped <span class="label">2 checks, 1 reason</span></h2>');
    expect(list).toContain(
      '<div class="reason box"><p>no upstream configured</p><ul><li class="check skip" id="check-dns-external-name" data-status="skip" data-suite="dns">',
    );
    expect(list).toContain('id="check-smoke-no-upstream-either"');
    expect(page).toContain('<p class="label">1 skipped: <a href="#skipped">listed with their reasons</a></p>');
  });

  it('gives every check one anchor, and every link in the page lands on one', () => {
    const page = renderHtml(sampleSnapshot({ results: [...sampleResults, WAIVED] }), { baseline: { source: 'before.json', report: sampleBaseline } });
    const all = ids(page);
    expect(new Set(all).size).toBe(all.length);
    for (const result of [...sampleResults, WAIVED])
      expect(all).toContain(
        `check-${`${result.suite} ${result.check}`
          .replace(/[^A-Za-z0-9]+/g, '-')
          .replace(/-$/, '')
          .toLowerCase()}`,
      );
    expect(targets(page).filter((target) => !all.includes(target))).toEqual([]);
  });

  it('escapes everything that comes from the cluster', () => {
    expect(html).toMatch(/&lt;deny-all&gt;/);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const hostile = renderHtml(
      sampleSnapshot({
        results: [
          passed('<s>"', '<img src=x onerror=alert(1)>', { message: '</script><script>alert(1)</script>' }),
          skipped('dns', 'x', { skipReason: '<b>"why"</b>' }),
        ],
      }),
    );
    expect(hostile).not.toMatch(/<img|<s>|<b>"|<\/script><script>alert/);
    expect(hostile).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('says when it was written before the run ended, with the setup error', () => {
    const partial = renderHtml(
      sampleSnapshot({
        complete: false,
        results: [],
        setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'kube-scheduler is at fault (high confidence): not scheduling')],
      }),
    );
    expect(partial).toMatch(/<span class="verdict incomplete">incomplete<\/span>/);
    expect(partial).toMatch(/results are partial/);
    expect(partial).toMatch(/SD_SETUP_FAILED: kube-scheduler is at fault/);
  });

  it('stays small for a run of every suite: about 120 checks in under 120 kB', () => {
    const page = renderHtml(sampleSnapshot({ results: manyResults(120) }));
    expect(page.length).toBeLessThan(120_000);
  });
});

describe('a waived failure', () => {
  const results = [sampleResults[0]!, WAIVED];
  const html = renderHtml(sampleSnapshot({ results }));

  it('does not fail the run, and is named as waived, apart from the failures', () => {
    expect(verdictOf(sampleSnapshot({ results }))).toBe('pass');
    expect(html).toMatch(/<span class="verdict pass">passed<\/span>/);
    expect(html).toContain('No check failed; <span class="mark" aria-label="waived">⊘</span>1 failed but waived: <a href="#check-dns-search-domains-resolve">');
  });

  it('is counted in a waived column of the overview and has a filter of its own', () => {
    const table = html.slice(html.indexOf('<table class="overview">'), html.indexOf('</table>'));
    expect(table).toContain('<th scope="col" class="waived"><span class="mark" aria-label="waived">⊘</span><span class="word">waived</span></th>');
    expect(table).toMatch(/<th scope="row">all 2<\/th><td class="pass">1<\/td><td class="zero">0<\/td><td class="zero">0<\/td><td class="waived">1<\/td>/);
    expect(html).toContain('<label class="waived"><input type="checkbox" value="waived" checked>');
  });

  it('says until when and why, escaped, its evidence one click away', () => {
    expect(html).toContain('<div class="check waived" id="check-dns-search-domains-resolve" data-status="waived">');
    expect(html).toContain(
      '<p class="waiver">waived until 2026-12-31: ndots change rolls out next week &lt;b&gt;bold&lt;/b&gt; <span class="label">(waiver dns › search domains*)</span></p>',
    );
    expect(html).toContain('<details><summary>evidence</summary><p class="label">queries</p>');
  });

  it('still fails the run beside a failure that is not waived', () => {
    expect(verdictOf(sampleSnapshot({ results: [...sampleResults, WAIVED] }))).toBe('fail');
  });
});

describe('the timeline and the latency charts', () => {
  const html = renderHtml(sampleSnapshot());

  it('come after the checks, the timeline first', () => {
    expect(html.indexOf('<section id="timeline">')).toBeGreaterThan(html.indexOf('<section id="checks">'));
    expect(html.indexOf('<section id="latency">')).toBeGreaterThan(html.indexOf('<section id="timeline">'));
  });

  it('draw every figure table of any check in one section, linked to its check', () => {
    const section = html.slice(html.indexOf('<section id="latency">'));
    expect(section.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(section).toContain(
      `<a href="#check-dns-load-a-short-burst-of-lookups-latency-errors-and-the-5-s-race">dns › ${BURST}</a>: latency per node <span class="label">2 nodes: p99 8.0 ms to 9.1 ms</span>`,
    );
    expect(section).toContain(
      `<a href="#check-netpol-truth-tables-enforcement-latency-within-the-bound">netpol › ${ENFORCEMENT}</a>: enforcement latency per change`,
    );
    expect(section).toContain('>p50 1.6 ms · p90 3.4 ms · p99 9.1 ms · max 41 ms</text>');
    expect(section).toContain('>step 1: +deny-ingress-x +a-from-y</text>');
  });

  it('give each chart ids of its own', () => {
    const chartIds = [...html.matchAll(/<title id="([^"]+)"/g)].map((m) => m[1]);
    expect(chartIds.length).toBeGreaterThan(1);
    expect(new Set(chartIds).size).toBe(chartIds.length);
  });

  it("draw a failing check's figure table inside its block, with the numbers kept as text", () => {
    const failing = sampleResults.map((result) =>
      result.check === BURST ? { ...result, status: 'fail' as const, classification: 'timeout' as const } : result,
    );
    const page = renderHtml(sampleSnapshot({ results: failing }));
    const block = page.slice(page.indexOf('id="check-dns-load-a-short'), page.indexOf('</div>', page.indexOf('id="check-dns-load-a-short')));
    expect(block).toContain('<p class="label">latency per node (ms)</p><svg class="chart"');
    expect(block).toContain('<details><summary>the numbers</summary><pre>node   queries');
  });

  it('leave the latency section out when no check measured anything', () => {
    const page = renderHtml(sampleSnapshot({ results: sampleResults.slice(0, 5) }));
    expect(page).not.toContain('id="latency"');
    expect(page).not.toContain('href="#latency"');
  });

  it('say why there is no timeline in a report without start times', () => {
    const old = sampleResults.map(({ startedAt: _, ...result }) => result);
    const page = renderHtml(sampleSnapshot({ results: old }));
    expect(page).toContain('No timeline: this report has no start time for any check');
    expect(page).toContain('*: the sum of its checks’ durations');
  });
});

describe('the baseline view', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('comes right after the overview when a baseline is given, and not otherwise', () => {
    const html = renderHtml(sampleSnapshot(), { baseline: { source: 'before.json', report: sampleBaseline } });
    expect(html).toMatch(/<\/section>\n<section id="baseline"/);
    expect(html.indexOf('<section id="baseline"')).toBeGreaterThan(html.indexOf('<section id="overview"'));
    expect(html.indexOf('<section id="baseline"')).toBeLessThan(html.indexOf('One reason for several checks'));
    expect(html).toContain('2 regressions');
    expect(renderHtml(sampleSnapshot())).not.toContain('id="baseline"');
  });

  it('is written by the reporter from the baseline file it was given', async () => {
    const before = join(dir, 'before.json');
    const path = join(dir, 'report.html');
    writeFileSync(before, JSON.stringify({ schemaVersion: 'shakedown.report/v2', ...sampleBaseline }));
    const reporter = createHtmlReporter({ path, baseline: before });
    await reporter.onRunStart?.(sampleRun);
    await reporter.onRunEnd?.(sampleRun, sampleResults, summarize(sampleResults));
    const html = readFileSync(path, 'utf8');
    expect(html).toContain(`<b>baseline</b> ${before}`);
    expect(html).toMatch(/Newly failing <span class="label">1<\/span>/);
  });
});

describe('typed evidence', () => {
  it('draws the grids a check kept as data, with their legend and the lines below them, and never reads a grid out of plain text', () => {
    const grid = gridEvidence(
      'node pairs',
      [
        {
          corner: 'from \\ to',
          columns: ['node1', 'node2'],
          rows: [
            { name: 'node1', cells: ['-', 'U'] },
            { name: 'node2', cells: ['.', '-'] },
          ],
          legend: { '.': 'all pass', U: 'only UDP fails' },
        },
      ],
      ['node1 -> node2: UDP lost'],
    );
    const plain = { label: 'looks like a grid', text: 'TCP/80  x/a x/b\nx/a     .   X' };
    const failing = sampleResults.find((result) => result.status === 'fail')!;
    const page = renderHtml(sampleSnapshot({ results: [{ ...failing, evidence: [grid, plain] } as CheckResult] }));
    expect(page).toContain('<td class="bad" title="only UDP fails">U</td>');
    expect(page).toContain('<td class="none" title="not asked">-</td>');
    expect(page).toContain('<p class="label">. all pass, U only UDP fails</p>');
    expect(page).toContain('<pre>node1 -&gt; node2: UDP lost</pre>');
    expect((page.match(/<table class="grid">/g) ?? []).length).toBe(1);
    expect(page).toContain('<pre>TCP/80  x/a x/b\nx/a     .   X</pre>');
  });
});
