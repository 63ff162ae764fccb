// Figure tables drawn as charts (the table format itself: helpers/figures.ts).
import { type FigureTable } from '../../helpers/figures.ts';
import { barChart, formatMs, percentileChart, type BarRow, type PercentileRow } from '../svg.ts';

export { figureLabel, formatFigures, parseFigures, type FigureLimit, type FigureTable } from '../../helpers/figures.ts';

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
