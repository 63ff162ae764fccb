// The history page in headless Chromium (project `browser`, as the run report's): a history of 100
// nights of 120 checks renders without a console error at a laptop's width and a phone's, the page
// itself never scrolls sideways (the grid does, inside its frame, opened at the last nights with the
// check names kept in view), a waived failure looks unlike a plain one, and the trend lines are of a
// readable size. With SHAKEDOWN_ARTIFACTS set, a screenshot at each width is left there.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, type Page } from '../testing/chromium.ts';
import { renderHistoryHtml } from './html.ts';
import { buildHistory } from './model.ts';
import { readReports } from './read.ts';
import { writeSyntheticReports } from './testing/nights.ts';

const dir = mkdtempSync(join(tmpdir(), 'sd-history-browser-'));
const file = join(dir, 'history.html');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  writeSyntheticReports(join(dir, 'nights'), 100, 120);
  const read = readReports([join(dir, 'nights')], dir);
  writeFileSync(file, renderHistoryHtml(buildHistory(read.reports, { flakyFlips: 2, notes: read.notes })));
});

describe.each([1280, 390])('the history page at %i px', (width) => {
  let page: Page;
  beforeAll(async () => {
    page = await openPage(pathToFileURL(file).href, { width, height: 900 });
  }, 60_000);
  afterAll(async () => {
    await page?.close();
  });

  it('renders without a console error, and the page does not scroll sideways', async () => {
    expect(page.problems).toEqual([]);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth')).toBeLessThanOrEqual(0);
    expect(await page.evaluate<number>('document.querySelectorAll("table.history tbody tr").length')).toBe(120);
  });

  it('opens the grid at the last nights, with the check names in view', async () => {
    const grid = await page.evaluate<{
      frame: { left: number; right: number };
      last: { left: number; right: number };
      name: { left: number; right: number };
      wide: boolean;
    }>(`(() => {
      const wrap = document.querySelector(".grid-wrap");
      const box = (e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right }; };
      const heads = [...document.querySelectorAll("table.history thead th")];
      return { frame: box(wrap), last: box(heads.find((h) => h.textContent === "100")), name: box(document.querySelector("table.history tbody th.name")), wide: wrap.scrollWidth > wrap.clientWidth };
    })()`);
    expect(grid.wide).toBe(true);
    expect(grid.last.left).toBeGreaterThanOrEqual(grid.name.right - 1);
    expect(grid.last.right).toBeLessThanOrEqual(grid.frame.right + 1);
    expect(grid.name.left).toBeGreaterThanOrEqual(grid.frame.left - 1);
  });

  it('shows a failure, a waived failure and a pass in colours and symbols of their own', async () => {
    const look = await page.evaluate<
      Record<string, { text: string; background: string; color: string }>
    >(`Object.fromEntries(["pass", "fail", "waived"].map((o) => {
      const td = document.querySelector("td.o." + o);
      const s = getComputedStyle(td);
      return [o, { text: td.textContent, background: s.backgroundImage === "none" ? s.backgroundColor : s.backgroundImage, color: s.color }];
    }))`);
    expect(new Set(Object.values(look).map((l) => l.text)).size).toBe(3);
    expect(new Set(Object.values(look).map((l) => l.background)).size).toBe(3);
    expect(new Set(Object.values(look).map((l) => l.color)).size).toBe(3);
  });

  it('draws the trend lines at a readable size, inside the page', async () => {
    const charts = await page.evaluate<{ width: number; right: number; font: number }[]>(`[...document.querySelectorAll("svg.trend")].map((svg) => {
      const r = svg.getBoundingClientRect();
      return { width: r.width, right: r.right, font: Math.min(...[...svg.querySelectorAll("text")].map((t) => t.getBoundingClientRect().height)) };
    })`);
    expect(charts.length).toBeGreaterThanOrEqual(5);
    const viewport = await page.evaluate<number>('document.documentElement.clientWidth');
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(250);
      expect(chart.right).toBeLessThanOrEqual(viewport);
      expect(chart.font).toBeGreaterThanOrEqual(10);
    }
    const shot = await page.screenshot();
    expect(shot.subarray(1, 4).toString()).toBe('PNG');
    const artifacts = process.env.SHAKEDOWN_ARTIFACTS;
    if (artifacts !== undefined && artifacts !== '') writeFileSync(join(artifacts, `history-sample-${width}.png`), shot);
  });
});
