// Small inline SVG charts for the HTML report: plain markup, no script, no external asset, no
// gradient or pattern reference. Each chart is one <svg role="img"> labelled by its own <title> and
// <desc> (the numbers in words, for a screen reader), and carries every number as <text> too, so it
// reads when printed in black and white. Drawn on a 340-unit-wide canvas that the page scales to its
// width (a 360 px phone shows it at about its own size).
import { escapeHtml } from './html/escape.ts';

export const CHART_WIDTH = 340;
export const PAD = 8;
const FONT = 12;
// A rough advance of one character at FONT in a system sans-serif: enough to keep labels apart.
const CHAR = 6.7;
// Ink, muted text and grid lines of every chart (the run report's and the history page's).
export const INK = '#1f2328';
export const MUTED = '#59636e';
export const GRID = '#d1d9e0';
export const SHADES = { p50: '#1f4e99', p90: '#5b8bd6', p99: '#a9c4ee', bar: '#1f4e99', limit: '#cf222e' } as const;

// An axis from 0 to a round maximum at or above `max`, in about `ticks` round steps.
export function niceScale(max: number, ticks = 4): { max: number; step: number } {
  if (!Number.isFinite(max) || max <= 0) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * magnitude;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

// Milliseconds as a person reads them: 0.8 ms, 12 ms, 1.4 s, 31 s.
export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${Math.round(ms / 1000)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}

const clip = (text: string, chars: number): string => (text.length <= chars ? text : `${text.slice(0, Math.max(1, chars - 1))}…`);
const n = (value: number): string => String(Math.round(value * 10) / 10);

interface Frame {
  id: string;
  title: string;
  desc: string;
  height: number;
  body: string[];
}

function svg(frame: Frame): string {
  return [
    `<svg class="chart" viewBox="0 0 ${CHART_WIDTH} ${n(frame.height)}" width="${CHART_WIDTH}" height="${n(frame.height)}" role="img" aria-labelledby="${frame.id}-t ${frame.id}-d" font-size="${FONT}">`,
    `<title id="${frame.id}-t">${escapeHtml(frame.title)}</title><desc id="${frame.id}-d">${escapeHtml(frame.desc)}</desc>`,
    ...frame.body,
    '</svg>',
  ].join('');
}

// Vertical grid lines and their labels under the plot, from x0 to x1 over [0, scale.max].
function axis(scale: { max: number; step: number }, x: (v: number) => number, top: number, bottom: number): string[] {
  const parts: string[] = [];
  for (let v = 0; v <= scale.max + scale.step / 2; v += scale.step) {
    const at = x(v);
    parts.push(`<line x1="${n(at)}" y1="${n(top)}" x2="${n(at)}" y2="${n(bottom)}" stroke="${GRID}" stroke-width="1"/>`);
    const anchor = v === 0 ? 'start' : v >= scale.max - scale.step / 2 ? 'end' : 'middle';
    parts.push(`<text x="${n(at)}" y="${n(bottom + FONT + 2)}" text-anchor="${anchor}" fill="${MUTED}">${v === 0 ? '0' : escapeHtml(formatMs(v))}</text>`);
  }
  return parts;
}

export interface PercentileRow {
  name: string;
  p50: number;
  p90?: number;
  p99: number;
  max?: number;
  // Said in the description after the percentiles, e.g. "250 queries, 0 errors".
  note?: string;
}

const ROW = 40;

// Per row (a node, a replica) a bar from 0 to p50, on to p90 and to p99 in lighter shades, and a
// whisker to the maximum, on one axis; the values written above each bar.
export function percentileChart(rows: readonly PercentileRow[], options: { id: string; title: string }): string {
  const valuesOf = (row: PercentileRow) =>
    `p50 ${formatMs(row.p50)}${row.p90 === undefined ? '' : ` · p90 ${formatMs(row.p90)}`} · p99 ${formatMs(row.p99)}${row.max === undefined ? '' : ` · max ${formatMs(row.max)}`}`;
  // Name and values on one line when every row's fit, else the values on a line of their own.
  const oneLine = rows.every((row) => (row.name.length + valuesOf(row).length) * CHAR + 10 <= CHART_WIDTH - 2 * PAD);
  const rowHeight = oneLine ? ROW : ROW + FONT + 3;
  const top = 24;
  const plotBottom = top + rows.length * rowHeight;
  const height = plotBottom + FONT + 8;
  const scale = niceScale(Math.max(...rows.map((r) => Math.max(r.max ?? 0, r.p99, r.p90 ?? 0, r.p50))));
  const x = (v: number) => PAD + (Math.max(0, Math.min(v, scale.max)) / scale.max) * (CHART_WIDTH - 2 * PAD);
  const body: string[] = [];
  const hasP90 = rows.some((r) => r.p90 !== undefined);
  const hasMax = rows.some((r) => r.max !== undefined);
  const legend: [string, string][] = [['p50', SHADES.p50], ...(hasP90 ? [['p90', SHADES.p90] as [string, string]] : []), ['p99', SHADES.p99]];
  let lx = PAD;
  for (const [name, colour] of legend) {
    body.push(`<rect x="${lx}" y="4" width="11" height="11" fill="${colour}"/><text x="${lx + 14}" y="14" fill="${INK}">${name}</text>`);
    lx += 14 + name.length * CHAR + 10;
  }
  if (hasMax)
    body.push(
      `<line x1="${lx}" y1="9.5" x2="${lx + 10}" y2="9.5" stroke="${INK}" stroke-width="1.5"/><line x1="${lx + 10}" y1="4" x2="${lx + 10}" y2="15" stroke="${INK}" stroke-width="1.5"/><text x="${lx + 14}" y="14" fill="${INK}">max</text>`,
    );
  body.push(...axis(scale, x, top, plotBottom));
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const values = valuesOf(row);
    body.push(`<g><title>${escapeHtml(`${row.name}: ${values}${row.note === undefined ? '' : `; ${row.note}`}`)}</title>`);
    if (oneLine) {
      body.push(`<text x="${PAD}" y="${n(y + 14)}" font-weight="600" fill="${INK}">${escapeHtml(row.name)}</text>`);
      body.push(`<text x="${CHART_WIDTH - PAD}" y="${n(y + 14)}" text-anchor="end" fill="${INK}">${escapeHtml(values)}</text>`);
    } else {
      body.push(
        `<text x="${PAD}" y="${n(y + 14)}" font-weight="600" fill="${INK}">${escapeHtml(clip(row.name, Math.floor((CHART_WIDTH - 2 * PAD) / CHAR)))}</text>`,
      );
      body.push(`<text x="${PAD}" y="${n(y + 14 + FONT + 3)}" fill="${INK}">${escapeHtml(values)}</text>`);
    }
    const barY = y + rowHeight - 21;
    const segments: [number, number, string][] = [
      [0, row.p50, SHADES.p50],
      ...(row.p90 === undefined ? [] : [[row.p50, row.p90, SHADES.p90] as [number, number, string]]),
      [row.p90 ?? row.p50, row.p99, SHADES.p99],
    ];
    for (const [from, to, colour] of segments) {
      const width = Math.max(to > from ? 0.8 : 0, x(to) - x(from));
      if (width > 0) body.push(`<rect x="${n(x(from))}" y="${n(barY)}" width="${n(width)}" height="12" fill="${colour}"/>`);
    }
    if (row.max !== undefined && row.max > row.p99) {
      body.push(`<line x1="${n(x(row.p99))}" y1="${n(barY + 6)}" x2="${n(x(row.max))}" y2="${n(barY + 6)}" stroke="${INK}" stroke-width="1.5"/>`);
      body.push(`<line x1="${n(x(row.max))}" y1="${n(barY + 1)}" x2="${n(x(row.max))}" y2="${n(barY + 11)}" stroke="${INK}" stroke-width="1.5"/>`);
    }
    body.push('</g>');
  });
  const desc = rows
    .map(
      (r) =>
        `${r.name}: p50 ${formatMs(r.p50)}${r.p90 === undefined ? '' : `, p90 ${formatMs(r.p90)}`}, p99 ${formatMs(r.p99)}${r.max === undefined ? '' : `, max ${formatMs(r.max)}`}${r.note === undefined ? '' : ` (${r.note})`}`,
    )
    .join('; ');
  return svg({ id: options.id, title: options.title, desc: `${desc}.`, height, body });
}

export interface BarRow {
  name: string;
  value: number;
  // Said in the description after the value, e.g. "table step 1.8 s".
  note?: string;
}

const BAR_ROW = 34;

// One horizontal bar per row (a policy change, a route), its name above it and its value at its
// end, on one axis; an optional limit drawn as a red dashed line with its label.
export function barChart(rows: readonly BarRow[], options: { id: string; title: string; limit?: { value: number; label: string } }): string {
  const top = options.limit === undefined ? 6 : 22;
  const plotBottom = top + rows.length * BAR_ROW;
  const height = plotBottom + FONT + 8;
  // Room at the right for the longest value written after its bar.
  const valueRoom = 8 + Math.max(...rows.map((r) => formatMs(r.value).length)) * CHAR;
  const largest = Math.max(...rows.map((r) => r.value));
  // A limit far beyond every value would squash the bars to slivers: then it is written, not drawn.
  const drawLimit = options.limit !== undefined && options.limit.value <= 3 * largest;
  const scale = niceScale(Math.max(largest, drawLimit ? (options.limit?.value ?? 0) : 0));
  const x = (v: number) => PAD + (Math.max(0, Math.min(v, scale.max)) / scale.max) * (CHART_WIDTH - 2 * PAD - valueRoom);
  const body: string[] = [...axis(scale, x, top, plotBottom)];
  const nameChars = Math.floor((CHART_WIDTH - 2 * PAD) / CHAR);
  rows.forEach((row, i) => {
    const y = top + i * BAR_ROW;
    const width = Math.max(row.value > 0 ? 1 : 0, x(row.value) - PAD);
    body.push(`<g><title>${escapeHtml(`${row.name}: ${formatMs(row.value)}${row.note === undefined ? '' : `; ${row.note}`}`)}</title>`);
    body.push(`<text x="${PAD}" y="${n(y + 13)}" fill="${INK}">${escapeHtml(clip(row.name, nameChars))}</text>`);
    body.push(`<rect x="${PAD}" y="${n(y + 17)}" width="${n(width)}" height="12" fill="${SHADES.bar}"/>`);
    body.push(`<text x="${n(PAD + width + 4)}" y="${n(y + 28)}" fill="${INK}">${escapeHtml(formatMs(row.value))}</text></g>`);
  });
  if (options.limit !== undefined && !drawLimit) {
    body.push(
      `<text x="${CHART_WIDTH - PAD}" y="${n(top - 7)}" text-anchor="end" fill="${SHADES.limit}">${escapeHtml(`${options.limit.label} ${formatMs(options.limit.value)}, off the scale →`)}</text>`,
    );
  } else if (options.limit !== undefined) {
    const at = x(options.limit.value);
    body.push(
      `<line x1="${n(at)}" y1="${n(top - 4)}" x2="${n(at)}" y2="${n(plotBottom)}" stroke="${SHADES.limit}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    );
    body.push(
      `<text x="${n(at)}" y="${n(top - 7)}" text-anchor="${at > CHART_WIDTH / 2 ? 'end' : 'start'}" fill="${SHADES.limit}">${escapeHtml(`${options.limit.label} ${formatMs(options.limit.value)}`)}</text>`,
    );
  }
  const desc = rows.map((r) => `${r.name}: ${formatMs(r.value)}${r.note === undefined ? '' : ` (${r.note})`}`).join('; ');
  return svg({
    id: options.id,
    title: options.title,
    desc: `${desc}${options.limit === undefined ? '' : `; ${options.limit.label} ${formatMs(options.limit.value)}`}.`,
    height,
    body,
  });
}
