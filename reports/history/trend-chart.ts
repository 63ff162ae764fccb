// Trend lines for the history page, inline SVG like the run report's charts (reports/svg.ts): no
// script, no external asset, each labelled by its own <title> and <desc> with the numbers in words.
// trendChart: one figure over the nights, its axis from 0, the first and last night marked, the
// lowest, highest and last value written, and the bound the check judged it against as a red
// dashed line. sparkline: a check's own duration over the nights, small enough for a table row.
import { CHART_WIDTH, formatMs, GRID, INK, MUTED, niceScale, PAD, SHADES } from '../svg.ts';
import { escapeHtml } from '../html/escape.ts';

const WIDTH = CHART_WIDTH;
const HEIGHT = 122;
const LEFT = 46;
const TOP = 32;
const BOTTOM = 96;
const LINE = SHADES.p50;
const LIMIT = SHADES.limit;

const n = (value: number): string => String(Math.round(value * 10) / 10);

// Runs of consecutive values, each as [night index, value]: a night without the figure breaks the line.
function segments(values: readonly (number | null)[]): [number, number][][] {
  const runs: [number, number][][] = [];
  let current: [number, number][] = [];
  values.forEach((value, i) => {
    if (value === null) {
      if (current.length > 0) runs.push(current);
      current = [];
    } else current.push([i, value]);
  });
  if (current.length > 0) runs.push(current);
  return runs;
}

interface Extremes {
  low: [number, number];
  high: [number, number];
  last: [number, number];
}

function extremes(values: readonly (number | null)[]): Extremes | undefined {
  const points = values.flatMap((value, i) => (value === null ? [] : [[i, value] as [number, number]]));
  const [first] = points;
  if (first === undefined) return undefined;
  let low = first;
  let high = first;
  for (const point of points) {
    if (point[1] < low[1]) low = point;
    if (point[1] > high[1]) high = point;
  }
  return { low, high, last: points.at(-1) ?? first };
}

// The numbers in words, for a screen reader and a tooltip: the last, lowest and highest, then (unless
// short) every night's.
export function describeTrend(values: readonly (number | null)[], options: { limit?: { name: string; value: number }; short?: boolean } = {}): string {
  const found = extremes(values);
  if (found === undefined) return `not measured in any of ${values.length} nights`;
  const at = ([i, v]: [number, number]) => `${formatMs(v)} (night ${i + 1})`;
  const head = `last ${at(found.last)}, lowest ${at(found.low)}, highest ${at(found.high)}${options.limit === undefined ? '' : `; ${options.limit.name} ${formatMs(options.limit.value)}`}`;
  if (options.short === true) return head;
  return `${head}. ${values.map((v, i) => `night ${i + 1} ${v === null ? 'none' : formatMs(v)}`).join(', ')}.`;
}

export function trendChart(values: readonly (number | null)[], options: { id: string; title: string; limit?: { name: string; value: number } }): string {
  const found = extremes(values);
  // A bound far above every value would flatten the line: then it is written, not drawn.
  const drawLimit = options.limit !== undefined && found !== undefined && options.limit.value <= 3 * found.high[1];
  const scale = niceScale(Math.max(found?.high[1] ?? 0, drawLimit ? (options.limit?.value ?? 0) : 0));
  const count = values.length;
  const x = (i: number): number => (count <= 1 ? (LEFT + WIDTH - PAD) / 2 : LEFT + (i / (count - 1)) * (WIDTH - PAD - LEFT));
  const y = (v: number): number => BOTTOM - (Math.max(0, Math.min(v, scale.max)) / scale.max) * (BOTTOM - TOP);
  const body: string[] = [];
  for (const v of [0, scale.max]) {
    body.push(`<line x1="${LEFT}" y1="${n(y(v))}" x2="${WIDTH - PAD}" y2="${n(y(v))}" stroke="${GRID}" stroke-width="1"/>`);
    body.push(`<text x="${LEFT - 4}" y="${n(y(v) + 4)}" text-anchor="end" fill="${MUTED}">${v === 0 ? '0' : escapeHtml(formatMs(v))}</text>`);
  }
  body.push(`<text x="${n(x(0))}" y="${BOTTOM + 16}" text-anchor="${count <= 1 ? 'middle' : 'start'}" fill="${MUTED}">night 1</text>`);
  if (count > 1) body.push(`<text x="${WIDTH - PAD}" y="${BOTTOM + 16}" text-anchor="end" fill="${MUTED}">night ${count}</text>`);
  if (options.limit !== undefined && drawLimit) {
    const at = y(options.limit.value);
    body.push(`<line x1="${LEFT}" y1="${n(at)}" x2="${WIDTH - PAD}" y2="${n(at)}" stroke="${LIMIT}" stroke-width="1.5" stroke-dasharray="4 3"/>`);
    // Under the line when it runs along the top of the plot.
    body.push(
      `<text x="${LEFT + 2}" y="${n(at < TOP + 14 ? at + 13 : at - 4)}" fill="${LIMIT}">${escapeHtml(`${options.limit.name} ${formatMs(options.limit.value)}`)}</text>`,
    );
  } else if (options.limit !== undefined) {
    body.push(
      `<text x="${WIDTH - PAD}" y="27" text-anchor="end" fill="${LIMIT}">${escapeHtml(`${options.limit.name} ${formatMs(options.limit.value)}, far above`)}</text>`,
    );
  }
  const dots = count <= 40;
  for (const run of segments(values)) {
    if (run.length > 1)
      body.push(
        `<polyline points="${run.map(([i, v]) => `${n(x(i))},${n(y(v))}`).join(' ')}" fill="none" stroke="${LINE}" stroke-width="2" stroke-linejoin="round"/>`,
      );
    for (const [i, v] of run) if (dots || run.length === 1) body.push(`<circle cx="${n(x(i))}" cy="${n(y(v))}" r="2.5" fill="${LINE}"/>`);
  }
  if (found === undefined)
    body.push(`<text x="${(LEFT + WIDTH - PAD) / 2}" y="${(TOP + BOTTOM) / 2}" text-anchor="middle" fill="${MUTED}">not measured</text>`);
  else {
    const [li, lv] = found.last;
    body.push(`<circle cx="${n(x(li))}" cy="${n(y(lv))}" r="3.5" fill="${INK}"/>`);
    body.push(`<text x="${WIDTH - PAD}" y="13" text-anchor="end" fill="${INK}" font-weight="600">${escapeHtml(`last ${formatMs(lv)}`)}</text>`);
    body.push(`<text x="${PAD}" y="13" fill="${MUTED}">${escapeHtml(`${formatMs(found.low[1])} to ${formatMs(found.high[1])}`)}</text>`);
  }
  return [
    `<svg class="trend" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-labelledby="${options.id}-t ${options.id}-d" font-size="12">`,
    `<title id="${options.id}-t">${escapeHtml(options.title)}</title><desc id="${options.id}-d">${escapeHtml(describeTrend(values, options.limit === undefined ? {} : { limit: options.limit }))}</desc>`,
    ...body,
    '</svg>',
  ].join('');
}

const SPARK_WIDTH = 72;
const SPARK_HEIGHT = 18;

// A check's duration over the nights, as a line in a table cell; its label says what it is, and the
// last, lowest and highest value.
export function sparkline(values: readonly (number | null)[], what: string): string {
  const found = extremes(values);
  if (found === undefined) return '';
  const top = found.high[1] > 0 ? found.high[1] : 1;
  const count = values.length;
  const x = (i: number): number => (count <= 1 ? SPARK_WIDTH / 2 : 2 + (i / (count - 1)) * (SPARK_WIDTH - 4));
  const y = (v: number): number => SPARK_HEIGHT - 2 - (v / top) * (SPARK_HEIGHT - 4);
  const lines = segments(values).map((run) =>
    run.length === 1
      ? `<circle cx="${n(x(run[0]?.[0] ?? 0))}" cy="${n(y(run[0]?.[1] ?? 0))}" r="1.5" fill="${LINE}"/>`
      : `<polyline points="${run.map(([i, v]) => `${n(x(i))},${n(y(v))}`).join(' ')}" fill="none" stroke="${LINE}" stroke-width="1.5"/>`,
  );
  const [li, lv] = found.last;
  const label = `${what}: ${describeTrend(values, { short: true })}`;
  return `<svg class="spark" viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}" width="${SPARK_WIDTH}" height="${SPARK_HEIGHT}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>${lines.join('')}<circle cx="${n(x(li))}" cy="${n(y(lv))}" r="2" fill="${INK}"/></svg>`;
}
