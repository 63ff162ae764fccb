import { describe, expect, it } from 'vitest';
import { figureChart, figureLabel, figureSummary, formatFigures, parseFigures } from './figures.ts';

describe('figure tables', () => {
  it('are written aligned and read back, names with spaces included', () => {
    const text = formatFigures(
      'change',
      ['ms', 'table-step-ms'],
      [
        { name: 'step 1: +deny-ingress-x +a-from-y', values: [2307.44, 1048] },
        { name: 'delete deny-all, allow-all', values: [263, 262] },
      ],
    );
    expect(text).toBe(
      'change                             ms      table-step-ms\nstep 1: +deny-ingress-x +a-from-y  2307.4  1048\ndelete deny-all, allow-all         263     262',
    );
    const label = figureLabel('enforcement latency per change', { name: 'bound', value: 30_000 });
    expect(label).toBe('enforcement latency per change (ms; bound 30000)');
    expect(parseFigures(label, text)).toEqual({
      title: 'enforcement latency per change',
      limit: { name: 'bound', value: 30_000 },
      corner: 'change',
      columns: ['ms', 'table-step-ms'],
      rows: [
        { name: 'step 1: +deny-ingress-x +a-from-y', values: [2307.4, 1048] },
        { name: 'delete deny-all, allow-all', values: [263, 262] },
      ],
    });
  });

  it('take a name that ends in a number as part of the name, the last columns as the numbers', () => {
    expect(parseFigures('x (ms)', 'port  ms\ntcp 9000  12')?.rows).toEqual([{ name: 'tcp 9000', values: [12] }]);
  });

  it('are recognised only under a label in ms and with a number in every column', () => {
    expect(parseFigures('latency', 'node p50\nnode1 3')).toBeUndefined();
    expect(parseFigures('latency (ms)', 'node p50 p99\nnode1 3')).toBeUndefined();
    expect(parseFigures('latency (ms)', 'node p50\nnode1 fast')).toBeUndefined();
    expect(parseFigures('latency (ms)', 'node p50')).toBeUndefined();
    expect(parseFigures('latency (ms)', 'TCP/80 x/a\nx/a .')).toBeUndefined();
  });
});

describe('figureChart', () => {
  it('draws percentiles per row when the table has p50 and p99, the rest of the columns in the description', () => {
    const table = parseFigures('latency per node (ms)', 'node  queries  errors  p50  p90  p99  max\nnode1  250  0  1.2  2.1  8  12.1');
    expect(table).toBeDefined();
    const svg = figureChart(table!, 'f1', 'dns: latency per node') ?? '';
    expect(svg).toContain('<title id="f1-t">dns: latency per node</title>');
    expect(svg).toContain('node1: p50 1.2 ms, p90 2.1 ms, p99 8.0 ms, max 12 ms (queries 250, errors 0)');
    expect(figureSummary(table!)).toBe('1 node: p99 8.0 ms');
  });

  it("draws the first column as bars otherwise, with the label's limit", () => {
    const table = parseFigures('enforcement latency per change (ms; bound 5000)', 'change ms table-step-ms\ndefault deny 3879 1799\ndelete 263 262');
    const svg = figureChart(table!, 'f2') ?? '';
    expect(svg).toContain('<desc id="f2-d">default deny: 3.9 s (table-step-ms 1799); delete: 263 ms (table-step-ms 262); bound 5.0 s.</desc>');
    expect(svg).toMatch(/stroke-dasharray/);
    expect(figureSummary(table!)).toBe('2 changes: 263 ms to 3.9 s (bound 5.0 s)');
  });
});
