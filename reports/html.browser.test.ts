// The HTML report in a real browser (headless Chromium over the DevTools protocol): a report with
// failures, a waived failure, warnings, skips, a setup error, truth tables, latency charts and a
// baseline to compare with renders with no console error (its Content-Security-Policy refuses
// anything but its own style and script, and says so on the console) at a desktop's width (1280 px)
// and a phone's (390 px), with the overview first; it fits the phone; its filters and search narrow
// the checks, its anchors land on their check, and it is whole without its script and in print.
// Runs in .ci/run (project `browser`), which installs Debian's chromium. With SHAKEDOWN_ARTIFACTS
// set, screenshots of the whole page at both widths are written there: report-1280.png and
// report-390.png of the real run's report (SHAKEDOWN_HTML_REPORT), sample-1280.png and
// sample-390.png of the sample.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { renderHtml } from './html.ts';
import { openPage, type Page } from './testing/chromium.ts';
import { sampleBaseline, sampleResults, sampleSnapshot, WAIVED } from './testing/sample-run.ts';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const WIDTHS = [DESKTOP, PHONE];

const dir = mkdtempSync(join(tmpdir(), 'sd-html-'));
const file = join(dir, 'report.html');
const url = pathToFileURL(file).href;
const artifacts = process.env.SHAKEDOWN_ARTIFACTS;
const snapshot = sampleSnapshot({
  results: [...sampleResults, WAIVED],
  setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'kubelet on node2 is at fault (high confidence): it stopped heartbeating')],
});
writeFileSync(file, renderHtml(snapshot, { baseline: { source: 'before.json', report: sampleBaseline } }));

async function saveShot(page: Page, name: string): Promise<void> {
  const shot = await page.screenshot();
  expect(shot.subarray(1, 4).toString()).toBe('PNG');
  if (artifacts === undefined) return;
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, name), shot);
}

// What the reader sees: the checks (in #checks) shown, each as "status name".
const SHOWN = '[...document.querySelectorAll("#checks [data-status]")].filter((e) => e.checkVisibility()).map((e) => e.dataset.status + " " + e.id)';
const overflow = 'document.documentElement.scrollWidth - document.documentElement.clientWidth';
const firstAfterHeader = 'document.querySelector("header").nextElementSibling.id';
// Every link within the page that lands nowhere.
const deadLinks =
  '[...document.querySelectorAll("a[href^=\'#\']")].map((a) => a.getAttribute("href").slice(1)).filter((id) => document.getElementById(id) === null)';

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the HTML report in headless Chromium', () => {
  let page: Page;
  beforeAll(async () => {
    page = await openPage(url, DESKTOP);
  }, 60_000);

  afterAll(async () => {
    await page?.close();
  });

  it.each(WIDTHS)('renders at $width px without a console error, the overview first, nothing but tables and code scrolling sideways', async (viewport) => {
    await page.setViewport(viewport);
    expect(page.problems).toEqual([]);
    expect(await page.evaluate<string>(firstAfterHeader)).toBe('overview');
    expect(await page.evaluate<number>(overflow)).toBeLessThanOrEqual(0);
    // The overview table fits without scrolling of its own, at a phone's width too.
    expect(
      await page.evaluate<number>('(() => { const w = document.querySelector("#overview .table-wrap"); return w.scrollWidth - w.clientWidth; })()'),
    ).toBeLessThanOrEqual(0);
    await saveShot(page, `sample-${viewport.width}.png`);
  });

  it('shows the verdict, the overview per suite, failures open and passes collapsed', async () => {
    await page.setViewport(DESKTOP);
    expect(await page.evaluate<string>('document.title')).toBe('shakedown sd-20261203-abc123: fail');
    expect(await page.evaluate<string>('document.querySelector(".verdict").textContent')).toBe('failed');
    expect(
      await page.evaluate<string[]>(
        '[...document.querySelectorAll("#overview tbody tr, #overview tfoot tr")].map((tr) => tr.innerText.replace(/\\s+/g, " ").trim())',
      ),
    ).toEqual(['smoke 1 0 0 0 0 0.1 s', 'netpol 1 0 1 0 0 31.2 s', 'dns 1 1 1 1 1 12.1 s', 'all 8 3 1 2 1 1 67.5 s']);
    expect(await page.evaluate<string[]>('[...document.querySelectorAll("section.suite h2")].map((h) => h.firstChild.textContent.trim())')).toEqual([
      'smoke',
      'netpol',
      'dns',
    ]);
    const shown = await page.evaluate<string[]>(SHOWN);
    expect(shown).toEqual([
      'fail check-netpol-deny-all-ingress-in-x',
      'fail check-dns-every-replica-answers',
      'waived check-dns-search-domains-resolve',
      'warn check-dns-upstream-names-resolve',
    ]);
    expect(await page.evaluate<boolean>('[...document.querySelectorAll("#checks details.box")].every((d) => !d.open)')).toBe(true);
    expect(await page.evaluate<string>('document.querySelector(".check.waived .waiver").textContent')).toBe(
      'waived until 2026-12-31: ndots change rolls out next week <b>bold</b> (waiver dns › search domains*)',
    );
  });

  it('filters the checks by status, and the search narrows them', async () => {
    const click = (status: string) => page.evaluate(`document.querySelector('#filters input[value="${status}"]').click()`);
    const search = (text: string) =>
      page.evaluate(
        `(() => { const f = document.getElementById("find"); f.value = ${JSON.stringify(text)}; f.dispatchEvent(new Event("input", { bubbles: true })); })()`,
      );
    const count = () => page.evaluate<string>('document.getElementById("shown").value');
    expect(await page.evaluate<boolean>('document.getElementById("filters").checkVisibility()')).toBe(true);
    expect(await count()).toBe('8 checks');
    // Only the passes: the groups that hold them open, the suites without one go.
    for (const status of ['fail', 'waived', 'warn', 'skip']) await click(status);
    expect(await page.evaluate<string[]>(SHOWN)).toEqual([
      'pass check-smoke-every-agent-answers',
      'pass check-netpol-truth-tables-enforcement-latency-within-the-bound',
      'pass check-dns-load-a-short-burst-of-lookups-latency-errors-and-the-5-s-race',
    ]);
    expect(await count()).toBe('3 of 8 checks');
    // Passes and skips: the skipped list opens with its reason.
    await click('skip');
    expect(await page.evaluate<string[]>(SHOWN)).toContain('skip check-dns-external-name');
    expect(await page.evaluate<boolean>('document.getElementById("skipped").open')).toBe(true);
    for (const status of ['fail', 'waived', 'warn']) await click(status);
    expect(await count()).toBe('8 checks');
    // The search matches the suite, the name, the message and the evidence, every word.
    await search('node2 replica');
    expect(await page.evaluate<string[]>(SHOWN)).toEqual(['fail check-dns-every-replica-answers']);
    expect(await page.evaluate<string[]>('[...document.querySelectorAll("section.suite")].filter((s) => s.checkVisibility()).map((s) => s.id)')).toEqual([
      'suite-dns',
    ]);
    await search('NETPOL');
    expect(await count()).toBe('2 of 8 checks');
    await search('upstream');
    // A skip reason is searched too.
    expect(await page.evaluate<string[]>(SHOWN)).toEqual(['warn check-dns-upstream-names-resolve', 'skip check-dns-external-name']);
    await search('');
    expect(await page.evaluate<string[]>(SHOWN)).toHaveLength(4);
    expect(await page.evaluate<boolean>('[...document.querySelectorAll("#checks details.box")].every((d) => !d.open)')).toBe(true);
    expect(page.problems).toEqual([]);
  });

  it('has an anchor per check: every link lands on one, and following it shows the check even when filtered out', async () => {
    expect(await page.evaluate<string[]>(deadLinks)).toEqual([]);
    const ids = await page.evaluate<string[]>('[...document.querySelectorAll("[data-status]")].map((e) => e.id)');
    expect(new Set(ids).size).toBe(8);
    // Each check's title links to itself.
    expect(
      await page.evaluate<string[]>(
        '[...document.querySelectorAll("#checks [data-status]")].filter((e) => e.querySelector(`a[href="#${e.id}"]`) === null).map((e) => e.id)',
      ),
    ).toEqual([]);
    await page.evaluate('document.querySelector(\'#filters input[value="pass"]\').click()');
    // A link to a passed check, filtered out now (the baseline's "much slower").
    await page.evaluate('document.querySelector("a[href=\'#check-dns-load-a-short-burst-of-lookups-latency-errors-and-the-5-s-race\']").click()');
    // In view, and not under the filters that stay at the top of the window.
    const target = await page.evaluate<{ visible: boolean; top: number; target: boolean; seen: boolean }>(
      '(() => { const e = document.getElementById("check-dns-load-a-short-burst-of-lookups-latency-errors-and-the-5-s-race"); const r = e.getBoundingClientRect(); return { visible: e.checkVisibility(), top: r.top, target: e.matches(":target"), seen: document.elementFromPoint(r.left + 20, r.top + 8)?.closest("[data-status]") === e }; })()',
    );
    expect(target).toMatchObject({ visible: true, target: true, seen: true });
    expect(target.top).toBeLessThan(DESKTOP.height);
    // Following the link brought every status back.
    expect(await page.evaluate<number>('document.querySelectorAll("#filters input[type=checkbox]:not(:checked)").length')).toBe(0);
  });

  it('shows what changed against the baseline after the overview, each change linked to its check', async () => {
    expect(await page.evaluate<string>('document.getElementById("overview").nextElementSibling.id')).toBe('baseline');
    expect(await page.evaluate<string>('document.querySelector("#baseline .verdict").textContent')).toBe('2 regressions');
    const groups = await page.evaluate<string[]>('[...document.querySelectorAll("#baseline h3")].map((h) => h.textContent)');
    expect(groups).toEqual(['✗Newly failing 2', '↑Much slower 1', '✓Fixed 1', '⚠New warnings 1', '↷Now skipped 1', '+Appeared 1', '−Vanished 1']);
  });

  it('draws the truth tables as grids whose mismatches stand out by colour and symbol', async () => {
    expect(await page.evaluate<number>('document.querySelectorAll("table.grid").length')).toBe(2);
    const bad = await page.evaluate<{ text: string; color: string; background: string }>(
      '(() => { const td = document.querySelector("td.bad"); const s = getComputedStyle(td); return { text: td.textContent, color: s.color, background: s.backgroundColor }; })()',
    );
    expect(bad.text).toBe('X');
    expect(bad.color).not.toBe(bad.background);
    expect(await page.evaluate<string>('getComputedStyle(document.querySelector("td.ok")).backgroundColor')).not.toBe(bad.background);
  });

  it('draws the timeline: a bar per timed check where it ran, the critical path first', async () => {
    await page.setViewport(PHONE);
    const bars = await page.evaluate<{ name: string; left: number; width: number; track: number }[]>(
      `[...document.querySelectorAll(".tl-group .tl-row")].map((row) => { const t = row.querySelector("svg").getBoundingClientRect(); const r = row.querySelector("rect").getBoundingClientRect(); return { name: row.querySelector("a").textContent, left: (r.left - t.left) / t.width, width: r.width / t.width, track: t.width }; })`,
    );
    expect(bars.map((bar) => bar.name)).toEqual(['netpol › deny all ingress in x', 'netpol › truth tables › enforcement latency within the bound']);
    // deny all ingress ran from 6.0 s to 37.2 s of an 80 s axis.
    expect(bars[0]?.left).toBeCloseTo(6 / 80, 2);
    expect(bars[0]?.width).toBeCloseTo(31.2 / 80, 2);
    for (const bar of bars) expect(bar.track).toBeGreaterThan(250);
    // Each suite's own checks open from its row.
    expect(await page.evaluate<number>('document.querySelectorAll(".tl-suite").length')).toBe(3);
    expect(await page.evaluate<boolean>('document.querySelector(".tl-suite .tl-row:not(summary)").checkVisibility()')).toBe(false);
    await page.evaluate('document.querySelector(".tl-suite summary span").click()');
    expect(await page.evaluate<boolean>('document.querySelector(".tl-suite .tl-row:not(summary)").checkVisibility()')).toBe(true);
    await page.evaluate('document.querySelector(".tl-suite").open = false');
  });

  it('draws the latency charts as SVG of real size, legible on a phone and labelled for a screen reader', async () => {
    await page.setViewport(PHONE);
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
      // Text no smaller than about 10 CSS pixels at a phone's width.
      expect(chart.font).toBeGreaterThanOrEqual(10);
      expect(chart.bars).toBeGreaterThan(2);
    }
    expect(charts[0]?.label).toMatch(/latency per node \| node1: p50 1\.2 ms, p90 2\.1 ms, p99 8\.0 ms, max 12 ms/);
    expect(charts[1]?.label).toMatch(/enforcement latency per change \| default deny ingress: 3\.9 s/);
  });

  it('prints every check, collapsed or not, without the controls', async () => {
    await page.setViewport(DESKTOP);
    await page.emulateMedia('print');
    try {
      expect(await page.evaluate<boolean>('document.getElementById("filters").checkVisibility()')).toBe(false);
      expect(await page.evaluate<string[]>('[...document.querySelectorAll("[data-status]")].filter((e) => !e.checkVisibility()).map((e) => e.id)')).toEqual([]);
      expect(await page.evaluate<boolean>('document.querySelector(".tl-suite .tl-row:not(summary)").checkVisibility()')).toBe(true);
    } finally {
      await page.emulateMedia('screen');
    }
  });
});

describe('the HTML report without its script', () => {
  let page: Page;
  const passed = 'check-smoke-every-agent-answers';
  beforeAll(async () => {
    page = await openPage(`${url}#${passed}`, PHONE, { javaScript: false });
  }, 60_000);
  afterAll(async () => {
    await page?.close();
  });

  it('is whole: every check there, the controls that need the script hidden, an anchor opens its way to the check', async () => {
    expect(page.problems).toEqual([]);
    expect(await page.evaluate<string>(firstAfterHeader)).toBe('overview');
    expect(await page.evaluate<boolean>('document.getElementById("filters").checkVisibility()')).toBe(false);
    expect(await page.evaluate<number>('document.querySelectorAll("[data-status]").length')).toBe(8);
    expect(await page.evaluate<boolean>(`document.getElementById("${passed}").checkVisibility()`)).toBe(true);
    expect(await page.evaluate<number>(overflow)).toBeLessThanOrEqual(0);
  });
});

// The report of a real run (.ci/run passes the HTML report of its first every-suite round).
const real = process.env.SHAKEDOWN_HTML_REPORT;
describe.runIf(real !== undefined)('the HTML report of a real run in headless Chromium', () => {
  let page: Page;
  beforeAll(async () => {
    page = await openPage(pathToFileURL(real ?? '').href, DESKTOP);
  }, 60_000);
  afterAll(async () => {
    await page?.close();
  });

  it.each(WIDTHS)('renders every suite of the run at $width px without a console error, the overview first, fitting the width', async (viewport) => {
    await page.setViewport(viewport);
    expect(page.problems).toEqual([]);
    expect(await page.evaluate<string>(firstAfterHeader)).toBe('overview');
    expect(await page.evaluate<string>('document.querySelector(".verdict").textContent')).toBe('passed');
    expect(await page.evaluate<number>('document.querySelectorAll("#overview tbody tr").length')).toBeGreaterThan(3);
    expect(await page.evaluate<number>('document.querySelectorAll("section.suite").length')).toBeGreaterThan(3);
    expect(await page.evaluate<number>(overflow)).toBeLessThanOrEqual(0);
    await saveShot(page, `report-${viewport.width}.png`);
  });

  it('links every check, draws its timeline with a critical path and the charts of what it measured', async () => {
    expect(await page.evaluate<string[]>(deadLinks)).toEqual([]);
    expect(await page.evaluate<number>('document.querySelectorAll(".tl-group .tl-row.crit").length')).toBeGreaterThanOrEqual(1);
    // The DNS burst (and the NetworkPolicy enforcement latency, when policies are enforced) drawn as charts of real size.
    const sizes = await page.evaluate<number[][]>(
      '[...document.querySelectorAll("#latency svg.chart")].map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; })',
    );
    expect(sizes.length).toBeGreaterThanOrEqual(1);
    for (const [width, height] of sizes) expect((width ?? 0) * (height ?? 0)).toBeGreaterThan(0);
  });

  it('narrows to what a filter and a search leave', async () => {
    const total = await page.evaluate<number>('document.querySelectorAll("#checks [data-status]").length');
    await page.evaluate('document.querySelector(\'#filters input[value="pass"]\').click()');
    const withoutPasses = await page.evaluate<number>(`${SHOWN}.length`);
    expect(withoutPasses).toBeLessThan(total);
    expect(await page.evaluate<string[]>(`${SHOWN}.filter((s) => s.startsWith("pass "))`)).toEqual([]);
    await page.evaluate('document.querySelector(\'#filters input[value="pass"]\').click()');
    await page.evaluate('(() => { const f = document.getElementById("find"); f.value = "dns"; f.dispatchEvent(new Event("input", { bubbles: true })); })()');
    const dns = await page.evaluate<number>(`${SHOWN}.length`);
    expect(dns).toBeGreaterThan(0);
    expect(dns).toBeLessThan(total);
    expect(page.problems).toEqual([]);
  });
});
