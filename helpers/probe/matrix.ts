// Reachability is a matrix: sources by targets, expected against observed. On a mismatch both
// tables are printed with their difference: "." allowed, "X" blocked, "?" unknown.
import type { ProbeResult } from '../../agent/protocol.ts';
import { describeResult, meets, type Expectation } from './expectations.ts';

export interface Cell {
  source: string;
  target: string;
  expected: Expectation;
  observed: ProbeResult | undefined;
  // What kept the cell from being observed (a transport error), if anything.
  error?: string;
}

export function symbolOf(result: ProbeResult | undefined): '.' | 'X' | '?' {
  if (result === undefined) return '?';
  if (result.outcome === 'ok' || result.outcome === 'http-status') return '.';
  if (result.outcome === 'error' || result.outcome === 'protocol-error') return '?';
  return 'X';
}

export function expectedSymbol(expected: Expectation): '.' | 'X' {
  return expected.outcome === 'ok' || expected.outcome === 'http-status' ? '.' : 'X';
}

export function mismatches(cells: readonly Cell[]): Cell[] {
  return cells.filter((cell) => !meets(cell.observed, cell.expected));
}

function table(cells: readonly Cell[], symbol: (cell: Cell) => string): string {
  const sources = [...new Set(cells.map((cell) => cell.source))];
  const targets = [...new Set(cells.map((cell) => cell.target))];
  const rowWidth = Math.max(0, ...sources.map((s) => s.length));
  const widths = targets.map((t) => Math.max(1, t.length));
  const lines = [`${' '.repeat(rowWidth)}  ${targets.map((t, i) => t.padEnd(widths[i] ?? 1)).join(' ')}`];
  for (const source of sources) {
    const row = targets.map((target, i) => {
      const cell = cells.find((c) => c.source === source && c.target === target);
      return (cell === undefined ? ' ' : symbol(cell)).padEnd(widths[i] ?? 1);
    });
    lines.push(`${source.padEnd(rowWidth)}  ${row.join(' ')}`.trimEnd());
  }
  return lines.join('\n');
}

export function renderExpected(cells: readonly Cell[]): string {
  return table(cells, (cell) => expectedSymbol(cell.expected));
}

export function renderObserved(cells: readonly Cell[]): string {
  return table(cells, (cell) => symbolOf(cell.observed));
}

// "." where observation met the expectation, "X" where it did not.
export function renderDifference(cells: readonly Cell[]): string {
  return table(cells, (cell) => (meets(cell.observed, cell.expected) ? '.' : 'X'));
}

// One line per mismatch: what was expected and what was seen.
export function mismatchLines(cells: readonly Cell[]): string[] {
  return mismatches(cells).map((cell) => `${cell.source} -> ${cell.target}: expected ${cell.expected.name}, saw ${cell.error ?? describeResult(cell.observed)}${cell.observed?.detail ? ` (${cell.observed.detail})` : ''}`);
}
