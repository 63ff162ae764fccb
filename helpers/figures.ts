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
  return {
    title,
    ...(limitName === undefined || limitValue === undefined ? {} : { limit: { name: limitName, value: Number(limitValue) } }),
    corner,
    columns,
    rows,
  };
}
