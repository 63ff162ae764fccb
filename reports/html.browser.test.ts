// The HTML report in a real browser (headless Chromium over the DevTools protocol): a report with
// failures, warnings, skips, a setup error, truth tables, latency charts and a baseline to compare
// with renders with no console error, the structure a reader relies on is there, and it fits a
// phone's width (360 px). Runs in .ci/run (project
// `browser`), which installs Debian's chromium; a screenshot is left where SHAKEDOWN_HTML_SHOT says.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { renderHtml } from './html.ts';
import { openPage, type Page } from './testing/chromium.ts';
import { sampleBaseline, sampleSnapshot } from './testing/sample-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-html-'));
let page: Page;

describe('the HTML report in headless Chromium', () => {
  beforeAll(async () => {
    const file = join(dir, 'report.html');
    const snapshot = sampleSnapshot({ setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'kubelet on node2 is at fault (high confidence): it stopped heartbeating')] });
    writeFileSync(file, renderHtml(snapshot, { baseline: { source: 'before.json', report: sampleBaseline } }));
    page = await openPage(pathToFileURL(file).href, { width: 360, height: 800 });
  }, 60_000);

  afterAll(async () => {
    await page?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders without a console error or an uncaught exception', () => {
    expect(page.problems).toEqual([]);
  });

  it('shows the verdict, every suite, failures open and passes collapsed', async () => {
    expect(await page.evaluate<string>('document.title')).toBe('shakedown sd-20261203-abc123: fail');
    expect(await page.evaluate<string>('document.querySelector(".verdict").textContent')).toBe('failed');
    expect(await page.evaluate<string[]>('[...document.querySelectorAll("section[id^=suite-] h2")].map((h) => h.firstChild.textContent.trim())')).toEqual(['smoke', 'netpol', 'dns']);
    expect(await page.evaluate<number>('[...document.querySelectorAll(".check.fail")].filter((e) => !e.closest("#baseline")).length')).toBe(4);
    expect(await page.evaluate<boolean>('[...document.querySelectorAll("details")].every((d) => !d.open)')).toBe(true);
  });

  it('draws the truth tables as grids whose mismatches stand out by colour and symbol', async () => {
    expect(await page.evaluate<number>('document.querySelectorAll("table.grid").length')).toBe(2);
    const bad = await page.evaluate<{ text: string; color: string; background: string }>('(() => { const td = document.querySelector("td.bad"); const s = getComputedStyle(td); return { text: td.textContent, color: s.color, background: s.backgroundColor }; })()');
    expect(bad.text).toBe('X');
    expect(bad.color).not.toBe(bad.background);
    expect(await page.evaluate<string>('getComputedStyle(document.querySelector("td.ok")).backgroundColor')).not.toBe(bad.background);
  });

  it('shows what changed against the baseline first, each change linked to its check', async () => {
    expect(await page.evaluate<string>('document.querySelector("header").nextElementSibling.id')).toBe('baseline');
    expect(await page.evaluate<string>('document.querySelector("#baseline .verdict").textContent')).toBe('2 regressions');
    const groups = await page.evaluate<string[]>('[...document.querySelectorAll("#baseline h3")].map((h) => h.textContent)');
    expect(groups).toEqual(['✗Newly failing 1', '↑Much slower 1', '✓Fixed 1', '⚠New warnings 1', '↷Now skipped 1', '+Appeared 1', '−Vanished 1']);
    // Every link lands on a check block of the page.
    expect(await page.evaluate<string[]>('[...document.querySelectorAll("#baseline a")].map((a) => a.getAttribute("href")).filter((h) => document.querySelector(h) === null)')).toEqual([]);
    const box = await page.evaluate<{ height: number; visible: boolean }>('(() => { const r = document.querySelector("#baseline").getBoundingClientRect(); return { height: r.height, visible: getComputedStyle(document.querySelector("#baseline")).display !== "none" }; })()');
    expect(box.visible).toBe(true);
    expect(box.height).toBeGreaterThan(100);
  });

  it('draws the latency charts as SVG of real size, legible on a phone and labelled for a screen reader', async () => {
    const charts = await page.evaluate<{ width: number; height: number; right: number; label: string; text: number; font: number; bars: number }[]>(
      `[...document.querySelectorAll("#latency svg.chart")].map((svg) => {
        const r = svg.getBoundingClientRect();
        const ids = svg.getAttribute("aria-labelledby").split(" ");
        const texts = [...svg.querySelectorAll("text")];
        return {
          width: r.width, height: r.height, right: r.right,
          label: ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" | "),
          text: texts.filter((t) => t.getBBox().width > 0).length,
          font: Math.min(...texts.map((t) => t.getBoundingClientRect().height)),
          bars: [...svg.querySelectorAll("rect")].filter((b) => b.getBoundingClientRect().width > 0).length,
        };
      })`,
    );
    expect(charts).toHaveLength(2);
    const viewport = await page.evaluate<number>('document.documentElement.clientWidth');
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(250);
      expect(chart.height).toBeGreaterThan(100);
      expect(chart.right).toBeLessThanOrEqual(viewport);
      expect(chart.text).toBeGreaterThan(5);
      // Text no smaller than about 10 CSS pixels at a 360 px width.
      expect(chart.font).toBeGreaterThanOrEqual(10);
      expect(chart.bars).toBeGreaterThan(2);
    }
    expect(charts[0]?.label).toMatch(/latency per node \| node1: p50 1\.2 ms, p90 2\.1 ms, p99 8\.0 ms, max 12 ms/);
    expect(charts[1]?.label).toMatch(/enforcement latency per change \| default deny ingress: 3\.9 s/);
  });

  it('fits a phone: nothing but the tables and code scrolls sideways', async () => {
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    const shot = await page.screenshot();
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    if (process.env.SHAKEDOWN_HTML_SHOT !== undefined) writeFileSync(process.env.SHAKEDOWN_HTML_SHOT, shot);
  });
});

// The report of a real run (.ci/run passes the HTML report of its first every-suite round).
const real = process.env.SHAKEDOWN_HTML_REPORT;
describe.runIf(real !== undefined)('the HTML report of a real run in headless Chromium', () => {
  let realPage: Page;
  beforeAll(async () => {
    realPage = await openPage(pathToFileURL(real ?? '').href);
  }, 60_000);
  afterAll(async () => {
    await realPage?.close();
  });

  it('renders every suite of the run without a console error', async () => {
    expect(realPage.problems).toEqual([]);
    expect(await realPage.evaluate<string>('document.querySelector(".verdict").textContent')).toBe('passed');
    expect(await realPage.evaluate<number>('document.querySelectorAll("section[id^=suite-]").length')).toBeGreaterThan(3);
    // The DNS burst (and the NetworkPolicy enforcement latency, when policies are enforced) drawn as charts of real size.
    const sizes = await realPage.evaluate<number[][]>('[...document.querySelectorAll("#latency svg.chart")].map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })');
    expect(sizes.length).toBeGreaterThanOrEqual(1);
    for (const [width, height] of sizes) expect((width ?? 0) * (height ?? 0)).toBeGreaterThan(0);
    const overflow = await realPage.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
