// The HTML report in a real browser (headless Chromium over the DevTools protocol): a report with
// failures, warnings, skips, a setup error and truth tables renders with no console error, the
// structure a reader relies on is there, and it fits a phone's width. Runs in .ci/run (project
// `browser`), which installs Debian's chromium; a screenshot is left where SHAKEDOWN_HTML_SHOT says.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { renderHtml } from './html.ts';
import { openPage, type Page } from './testing/chromium.ts';
import { sampleSnapshot } from './testing/sample-run.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-html-'));
let page: Page;

describe('the HTML report in headless Chromium', () => {
  beforeAll(async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(sampleSnapshot({ setupErrors: [new ShakedownError('SD_SETUP_FAILED', 'kubelet on node2 is at fault (high confidence): it stopped heartbeating')] })));
    page = await openPage(pathToFileURL(file).href);
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
    expect(await page.evaluate<number>('document.querySelectorAll(".check.fail").length')).toBe(4);
    expect(await page.evaluate<boolean>('[...document.querySelectorAll("details")].every((d) => !d.open)')).toBe(true);
  });

  it('draws the truth tables as grids whose mismatches stand out by colour and symbol', async () => {
    expect(await page.evaluate<number>('document.querySelectorAll("table.grid").length')).toBe(2);
    const bad = await page.evaluate<{ text: string; color: string; background: string }>('(() => { const td = document.querySelector("td.bad"); const s = getComputedStyle(td); return { text: td.textContent, color: s.color, background: s.backgroundColor }; })()');
    expect(bad.text).toBe('X');
    expect(bad.color).not.toBe(bad.background);
    expect(await page.evaluate<string>('getComputedStyle(document.querySelector("td.ok")).backgroundColor')).not.toBe(bad.background);
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
    const overflow = await realPage.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
