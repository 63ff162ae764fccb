import { describe, expect, it } from 'vitest';
import { barChart, formatMs, niceScale, percentileChart } from './svg.ts';

describe('niceScale', () => {
  it('ends the axis at a round value at or above the maximum', () => {
    expect(niceScale(41)).toEqual({ max: 60, step: 20 });
    expect(niceScale(3879)).toEqual({ max: 4000, step: 1000 });
    expect(niceScale(9.1)).toEqual({ max: 10, step: 2.5 });
    expect(niceScale(40)).toEqual({ max: 40, step: 10 });
    expect(niceScale(0)).toEqual({ max: 1, step: 0.25 });
    expect(niceScale(Number.NaN)).toEqual({ max: 1, step: 0.25 });
  });
});

describe('formatMs', () => {
  it('writes milliseconds as a person reads them', () => {
    expect(formatMs(0.84)).toBe('0.8 ms');
    expect(formatMs(12.4)).toBe('12 ms');
    expect(formatMs(1400)).toBe('1.4 s');
    expect(formatMs(30_000)).toBe('30 s');
  });
});

const numbers = (svg: string, attribute: string): number[] =>
  [...svg.matchAll(new RegExp(`<rect[^>]* ${attribute}="([\\d.]+)"`, 'g'))].map((m) => Number(m[1]));

describe('percentileChart', () => {
  const svg = percentileChart(
    [
      { name: 'node1', p50: 1.2, p90: 2.1, p99: 8, max: 12.1, note: 'queries 250' },
      { name: '<node2>', p50: 1.6, p90: 3.4, p99: 9.1, max: 41 },
    ],
    { id: 'c1', title: 'dns latency per node' },
  );

  it('is an accessible image: labelled by its title and a description with every number', () => {
    expect(svg).toMatch(/^<svg class="chart" viewBox="0 0 340 [\d.]+" width="340" height="[\d.]+" role="img" aria-labelledby="c1-t c1-d"/);
    expect(svg).toContain('<title id="c1-t">dns latency per node</title>');
    expect(svg).toContain(
      '<desc id="c1-d">node1: p50 1.2 ms, p90 2.1 ms, p99 8.0 ms, max 12 ms (queries 250); &lt;node2&gt;: p50 1.6 ms, p90 3.4 ms, p99 9.1 ms, max 41 ms.</desc>',
    );
    expect(svg).not.toMatch(/<script|url\(|href/);
  });

  it('writes the values as text and draws p50, p90 and p99 to scale, with a whisker to the maximum', () => {
    expect(svg).toContain('>p50 1.6 ms · p90 3.4 ms · p99 9.1 ms · max 41 ms</text>');
    // Six bar segments (three per row), then the legend's three swatches first.
    const widths = numbers(svg, 'width').slice(3);
    expect(widths).toHaveLength(6);
    // The axis runs to 60 ms over 324 units: node2's p50 segment is 1.6 ms wide.
    expect(widths[3]).toBeCloseTo((1.6 / 60) * 324, 0);
    expect(widths[5]).toBeCloseTo(((9.1 - 3.4) / 60) * 324, 0);
    expect(svg.match(/stroke-width="1.5"/g)?.length).toBe(2 + 4);
    expect(svg).toContain('>60 ms</text>');
  });
});

describe('barChart', () => {
  const rows = [
    { name: 'default deny ingress', value: 3879, note: 'table-step-ms 1799' },
    { name: 'delete default deny', value: 263 },
  ];

  it('draws a bar per row with its value, and a limit in reach as a dashed line', () => {
    const svg = barChart(rows, { id: 'b', title: 'enforcement', limit: { value: 5000, label: 'bound' } });
    expect(svg).toContain('>default deny ingress</text>');
    expect(svg).toContain('>3.9 s</text>');
    expect(svg).toContain('>263 ms</text>');
    expect(svg).toMatch(/stroke-dasharray="4 3"/);
    expect(svg).toContain('>bound 5.0 s</text>');
    const [first, second] = numbers(svg, 'width');
    expect((second ?? 0) / (first ?? 1)).toBeCloseTo(263 / 3879, 2);
  });

  it('writes a limit far beyond every value instead of squashing the bars', () => {
    const svg = barChart(rows, { id: 'b', title: 'enforcement', limit: { value: 30_000, label: 'bound' } });
    expect(svg).not.toMatch(/stroke-dasharray/);
    expect(svg).toContain('bound 30 s, off the scale →');
    expect(svg).toContain('<desc id="b-d">default deny ingress: 3.9 s (table-step-ms 1799); delete default deny: 263 ms; bound 30 s.</desc>');
  });
});
