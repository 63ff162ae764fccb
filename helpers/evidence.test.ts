import { describe, expect, it } from 'vitest';
import { figureEvidence, formatGrid, gridEvidence } from './evidence.ts';
import { parseFigures } from './figures.ts';

describe('formatGrid', () => {
  it('prints the corner and columns, then a line per row, row names and cells padded', () => {
    expect(
      formatGrid({
        corner: 'TCP/80',
        columns: ['x/a', 'x/b'],
        rows: [
          { name: 'x/a', cells: ['.', 'X'] },
          { name: 'x/bb', cells: ['?', '.'] },
        ],
      }),
    ).toBe('TCP/80  x/a x/b\nx/a     .   X\nx/bb    ?   .');
  });

  it('names a grid by its title in the corner', () => {
    expect(formatGrid({ title: 'UDP/53', corner: 'from', columns: ['a'], rows: [{ name: 'a', cells: ['-'] }] })).toBe('UDP/53  a\na       -');
  });
});

describe('gridEvidence', () => {
  it('keeps the grids as data and prints them one after another, then its lines', () => {
    const grids = [
      { corner: 'TCP/80', columns: ['a'], rows: [{ name: 'a', cells: ['.'] }] },
      { corner: 'UDP/81', columns: ['a'], rows: [{ name: 'a', cells: ['X'] }] },
    ];
    const evidence = gridEvidence('difference', grids, ['a -> a UDP/81: expected reached, saw timeout']);
    expect(evidence).toEqual({
      label: 'difference',
      text: 'TCP/80  a\na       .\n\nUDP/81  a\na       X\na -> a UDP/81: expected reached, saw timeout',
      grids,
    });
  });
});

describe('figureEvidence', () => {
  it('labels the unit and limit, aligns the numbers, and keeps the same table as data', () => {
    const evidence = figureEvidence('latency per node', 'node', ['p50', 'p99'], [{ name: 'node1', values: [1.24, 8] }], { name: 'bound', value: 2000 });
    expect(evidence.label).toBe('latency per node (ms; bound 2000)');
    expect(evidence.text).toBe('node   p50  p99\nnode1  1.2  8');
    expect(evidence.figures).toEqual({
      title: 'latency per node',
      limit: { name: 'bound', value: 2000 },
      corner: 'node',
      columns: ['p50', 'p99'],
      rows: [{ name: 'node1', values: [1.24, 8] }],
    });
    // A report reader without the typed table reads the same one from the text (history of older reports).
    expect(parseFigures(evidence.label, evidence.text)?.rows[0]?.name).toBe('node1');
  });
});
