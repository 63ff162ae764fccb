// Typed evidence: what a check observed, as data the reporters draw (a grid of cells, a table of
// figures) together with the one text every reporter can print (console, JUnit, sonobuoy). A suite
// builds evidence here and never formats a table itself; the HTML report draws `grids` and
// `figures` as they are, without reading the text back.
import { figureLabel, formatFigures, type FigureLimit, type FigureTable } from './figures.ts';
import type { Evidence, Grid } from './result.ts';

export type { Grid } from './result.ts';

// A grid as text: its corner and column names, then one line per row; row names padded to the
// widest, cells to the widest column. A grid with a title (e.g. the port of a reachability table)
// names it in the corner.
export function formatGrid(grid: Grid): string {
  const corner = grid.title ?? grid.corner;
  const nameWidth = Math.max(corner.length, ...grid.rows.map((row) => row.name.length));
  const cellWidth = Math.max(1, ...grid.columns.map((column) => column.length), ...grid.rows.flatMap((row) => row.cells.map((cell) => cell.length)));
  const line = (name: string, cells: readonly string[]) => `${name.padEnd(nameWidth)}  ${cells.map((cell) => cell.padEnd(cellWidth)).join(' ')}`.trimEnd();
  return [line(corner, grid.columns), ...grid.rows.map((row) => line(row.name, row.cells))].join('\n');
}

// Evidence made of grids (one per port, say), each drawn on its own, then any lines of text below.
export function gridEvidence(label: string, grids: readonly Grid[], lines: readonly string[] = []): Evidence {
  const text = [grids.map(formatGrid).join('\n\n'), ...lines].filter((part) => part !== '').join('\n');
  return { label, text, grids: [...grids] };
}

// Evidence made of measured figures in ms: the label says the unit (and the limit it was judged
// against), the text is the aligned table, and the HTML report draws the figures as a chart.
export function figureEvidence(
  title: string,
  corner: string,
  columns: readonly string[],
  rows: readonly { name: string; values: readonly number[] }[],
  limit?: FigureLimit,
): Evidence {
  const figures: FigureTable = {
    title,
    ...(limit === undefined ? {} : { limit }),
    corner,
    columns: [...columns],
    rows: rows.map((row) => ({ name: row.name, values: [...row.values] })),
  };
  return { label: figureLabel(title, limit), text: formatFigures(corner, columns, rows), figures };
}
