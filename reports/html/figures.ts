// Figure tables: numbers a check measured, put in its evidence as a plain table that reads as it is
// in the console, JUnit and JSON, and that the HTML report draws as a chart:
//
//   label: "latency per node (ms)"            or "enforcement latency per change (ms; bound 30000)"
//   text:  node   queries  p50  p90  p99  max
//          node1  250      1.2  2.1  8.0  12.1
//
// The label ends in "(ms)", optionally with a limit ("; NAME VALUE", in ms) drawn as a line. The
// first header token names the rows; each row ends with one number per column, and the tokens before
// them are its name (spaces allowed). Columns p50 and p99 (p90, max optional) make a percentile
// chart; otherwise the first column is drawn as one bar per row.
import { barChart, formatMs, percentileChart, type BarRow, type PercentileRow } from '../svg.ts';

export interface FigureLimit {
  name: string;
  value: number;
}

export interface FigureTable {
  // The label without its unit: what was measured.
  title: string;
  limit?: FigureLimit;
  corner: string;
  columns: string[];
  rows: { name: string; values: number[] }[];
}

const LABEL = /^(.*\S)\s*\(ms(?:;\s*([A-Za-z][\w-]*)\s+(\d+(?:\.\d+)?))?\)\s*$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;

// The evidence label of a figure table.
export function figureLabel(title: string, limit?: FigureLimit): string {
  return `${title} (ms${limit === undefined ? '' : `; ${limit.name} ${Math.round(limit.value)}`})`;
}

// The evidence text of a figure table: columns aligned, numbers to 0.1 ms.
export function formatFigures(corner: string, columns: readonly string[], rows: readonly { name: string; values: readonly number[] }[]): string {
  const cells = [[corner, ...columns], ...rows.map((row) => [row.name, ...row.values.map((v) => String(Math.round(v * 10) / 10))])];
  const widths = cells[0]?.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length))) ?? [];
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

export function parseFigures(label: string, text: string): FigureTable | undefined {
  const labelled = LABEL.exec(label);
  if (labelled === null) return undefined;
  const [, title = '', limitName, limitValue] = labelled;
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [header, ...rest] = lines.map((line) => line.trim().split(/\s+/));
  if (header === undefined || header.length < 2 || rest.length === 0) return undefined;
  const [corner = '', ...columns] = header;
  const rows: FigureTable['rows'] = [];
  for (const tokens of rest) {
    if (tokens.length <= columns.length) return undefined;
    const numbers = tokens.slice(tokens.length - columns.length);
    if (!numbers.every((token) => NUMBER.test(token))) return undefined;
    rows.push({ name: tokens.slice(0, tokens.length - columns.length).join(' '), values: numbers.map(Number) });
  }
  return { title, ...(limitName === undefined || limitValue === undefined ? {} : { limit: { name: limitName, value: Number(limitValue) } }), corner, columns, rows };
}

// A chart of the table, or undefined when it has nothing to draw.
export function figureChart(table: FigureTable, id: string, title = table.title): string | undefined {
  if (table.rows.length === 0) return undefined;
  const column = (name: string) => table.columns.indexOf(name);
  const [p50, p90, p99, max] = ['p50', 'p90', 'p99', 'max'].map(column) as [number, number, number, number];
  const charted = new Set([p50, p90, p99, max]);
  const note = (values: readonly number[], skip: ReadonlySet<number>) =>
    table.columns
      .map((name, i) => (skip.has(i) ? '' : `${name} ${values[i] ?? ''}`))
      .filter((part) => part !== '')
      .join(', ');
  if (p50 >= 0 && p99 >= 0) {
    const rows: PercentileRow[] = table.rows.map((row) => {
      const extra = note(row.values, charted);
      return {
        name: row.name,
        p50: row.values[p50] ?? 0,
        p99: row.values[p99] ?? 0,
        ...(p90 >= 0 ? { p90: row.values[p90] ?? 0 } : {}),
        ...(max >= 0 ? { max: row.values[max] ?? 0 } : {}),
        ...(extra === '' ? {} : { note: extra }),
      };
    });
    return percentileChart(rows, { id, title });
  }
  const rows: BarRow[] = table.rows.map((row) => {
    const extra = note(row.values, new Set([0]));
    return { name: row.name, value: row.values[0] ?? 0, ...(extra === '' ? {} : { note: extra }) };
  });
  return barChart(rows, { id, title, ...(table.limit === undefined ? {} : { limit: { value: table.limit.value, label: table.limit.name } }) });
}

// One line under a chart: how many rows and the spread of what it draws.
export function figureSummary(table: FigureTable): string {
  const first = table.columns.includes('p99') ? table.columns.indexOf('p99') : 0;
  const values = table.rows.map((row) => row.values[first] ?? 0).sort((a, b) => a - b);
  const what = table.columns[first] ?? '';
  const spread = values.length === 1 ? formatMs(values[0] ?? 0) : `${formatMs(values[0] ?? 0)} to ${formatMs(values.at(-1) ?? 0)}`;
  return `${table.rows.length} ${table.corner}${table.rows.length === 1 ? '' : 's'}: ${what === 'p99' ? 'p99 ' : ''}${spread}${table.limit === undefined ? '' : ` (${table.limit.name} ${formatMs(table.limit.value)})`}`;
}
