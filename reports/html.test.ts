import { afterAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize } from '../helpers/result.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHtmlReporter, escapeHtml, parseGrid, renderHtml } from './html.ts';
import { BURST, ENFORCEMENT, sampleBaseline, sampleResults, sampleRun, sampleSnapshot } from './testing/sample-run.ts';

describe('renderHtml', () => {
  const html = renderHtml(sampleSnapshot());

  it('is one self-contained document: no script, no external resource', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).toMatch(/<meta name="viewport"/);
  });

  it('heads with the run, its cluster and the verdict', () => {
    expect(html).toMatch(/shakedown run sd-20261203-abc123 <span class="verdict fail">failed<\/span>/);
    expect(html).toMatch(/<b>Kubernetes<\/b> v1\.34\.4/);
    expect(html).toMatch(/<b>network-plugin<\/b> kube-router/);
    expect(html).toMatch(/<b>duration<\/b> 67\.5 s/);
    expect(html).toMatch(/3 passed, 2 failed, 1 warned, 1 skipped/);
  });

  it('names the one reason shared by checks of two suites first', () => {
    expect(html.indexOf('One reason for several checks')).toBeLessThan(html.indexOf('id="suite-'));
    expect(html).toMatch(/node2/);
  });

  it('expands failures with cause, origin, evidence as grids and reproduce, and collapses passes', () => {
    expect(html).toMatch(/<span class="label">likely cause<\/span> the NetworkPolicy enforcer on node2 is not running/);
    expect((html.match(/<table class="grid">/g) ?? []).length).toBe(2);
    expect(html).toMatch(/<td class="bad" title="blocked \/ mismatch">X<\/td>/);
    expect(html).toMatch(/<td class="unknown" title="not observed">\?<\/td>/);
    expect(html).toMatch(/<p class="label">reproduce<\/p><pre>kubectl -n x exec a -- curl/);
    expect(html).toMatch(/<details><summary>1 passed<\/summary>/);
    expect(html).toMatch(/<div class="check fail" id="check-netpol-deny-all-ingress-in-x">/);
    expect(html).toMatch(/skipped:<\/span> no upstream configured/);
  });

  it('escapes everything that comes from the cluster', () => {
    expect(html).toMatch(/&lt;deny-all&gt;/);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('says when it was written before the run ended, with the setup error', () => {
    const partial = renderHtml(sampleSnapshot({ complete: false, results: [], setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'kube-scheduler is at fault (high confidence): not scheduling')] }));
    expect(partial).toMatch(/<span class="verdict incomplete">incomplete<\/span>/);
    expect(partial).toMatch(/results are partial/);
    expect(partial).toMatch(/SD_SETUP_FAILED: kube-scheduler is at fault/);
  });
});

describe('the latency charts', () => {
  const html = renderHtml(sampleSnapshot());
  const section = html.slice(html.indexOf('<section id="latency">'), html.indexOf('<section id="suite-'));

  it('draws every figure table of any check in one section before the suites, linked to its check', () => {
    expect(html.indexOf('<section id="latency"><h2>Latency</h2>')).toBeGreaterThan(html.indexOf('One reason for several checks'));
    expect(section.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(section).toContain(`<a href="#check-dns-load-a-short-burst-of-lookups-latency-errors-and-the-5-s-race">dns › ${BURST}</a>: latency per node <span class="label">2 nodes: p99 8.0 ms to 9.1 ms</span>`);
    expect(section).toContain(`<a href="#check-netpol-truth-tables-enforcement-latency-within-the-bound">netpol › ${ENFORCEMENT}</a>: enforcement latency per change`);
    expect(section).toContain('>p50 1.6 ms · p90 3.4 ms · p99 9.1 ms · max 41 ms</text>');
    expect(section).toContain('>step 1: +deny-ingress-x +a-from-y</text>');
  });

  it('gives each chart ids of its own', () => {
    const ids = [...html.matchAll(/<title id="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('draws a failing check\'s figure table inside its block, with the numbers kept as text', () => {
    const failing = sampleResults.map((result) => (result.check === BURST ? { ...result, status: 'fail' as const, classification: 'timeout' as const } : result));
    const page = renderHtml(sampleSnapshot({ results: failing }));
    const block = page.slice(page.indexOf('id="check-dns-load-a-short'), page.indexOf('</div>', page.indexOf('id="check-dns-load-a-short')));
    expect(block).toContain('<p class="label">latency per node (ms)</p><svg class="chart"');
    expect(block).toContain('<details><summary>the numbers</summary><pre>node   queries');
  });

  it('leaves the section out when no check measured anything', () => {
    expect(renderHtml(sampleSnapshot({ results: sampleResults.slice(0, 5) }))).not.toContain('id="latency"');
  });
});

describe('the baseline view', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sd-html-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('comes first after the header when a baseline is given, and not otherwise', () => {
    const html = renderHtml(sampleSnapshot(), { baseline: { source: 'before.json', report: sampleBaseline } });
    expect(html.indexOf('<section id="baseline"')).toBeGreaterThan(html.indexOf('</header>'));
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

describe('parseGrid', () => {
  it('reads a table of ., X and ? and refuses anything else', () => {
    expect(parseGrid('TCP/80  x/a x/b\nx/a     .   X\nx/b     ?   .')).toEqual({ corner: 'TCP/80', columns: ['x/a', 'x/b'], rows: [{ name: 'x/a', cells: ['.', 'X'] }, { name: 'x/b', cells: ['?', '.'] }] });
    expect(parseGrid('p50 3 ms\np99 900 ms')).toBeUndefined();
    expect(parseGrid('only a header')).toBeUndefined();
  });
});
