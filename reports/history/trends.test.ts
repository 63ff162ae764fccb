import { describe, expect, it } from 'vitest';
import { figureLabel, formatFigures } from '../../helpers/figures.ts';
import { propertyFigure, tableFigure, trendsOf } from './trends.ts';
import { night, result } from './testing/nights.ts';

const BURST = 'dns › load › a short burst of lookups: latency, errors and the 5 s race';
const ENFORCEMENT = 'netpol › truth tables › enforcement latency within the bound';

const latency = (p99s: number[]) => ({
  label: figureLabel('latency per node'),
  text: formatFigures(
    'node',
    ['queries', 'errors', 'p50', 'p90', 'p99', 'max'],
    p99s.map((p99, i) => ({ name: `node${i + 1}`, values: [250, 0, 5, 10, p99, p99 + 3] })),
  ),
});
const enforcement = (ms: number[]) => ({
  label: figureLabel('enforcement latency per change', { name: 'bound', value: 30_000 }),
  text: formatFigures(
    'change',
    ['ms', 'table-step-ms'],
    ms.map((v, i) => ({ name: `+policy ${i}`, values: [v, 100] })),
  ),
});

describe('propertyFigure', () => {
  it.each([
    ['storage.local-path.bound-ms', '13853', { ms: 13853, stat: 'value' }],
    ['storage.static.bound-ms', '2525.5', { ms: 2525.5, stat: 'value' }],
    ['control-plane.service-programming-ms', 'node1=1679,node2=1259', { ms: 1679, stat: 'largest of the list' }],
    ['control-plane.bind-ms', 'node1=19,node2=none', { ms: 19, stat: 'largest of the list' }],
    ['control-plane.bind-ms', 'node1=none', { ms: null, stat: 'largest of the list' }],
    ['ingress.propagation.ingress.paths', '7549ms', { ms: 7549, stat: 'value' }],
  ])('%s = %s', (key, value, figure) => {
    expect(propertyFigure(key, value)).toEqual(figure);
  });

  it.each([
    ['shakedown.version', '0.1.0'],
    ['storage.default-class', 'local-path'],
    ['storage.local-path.write', '32Mi in 353 ms (90.6 MiB/s, fsync)'],
    ['storage.x.bound-ms', 'soon'],
    ['control-plane.bind-ms', 'node1=19,node2'],
    ['gate.kubelet-version.node1', 'v1.34.4'],
  ])('%s = %s is no figure', (key, value) => {
    expect(propertyFigure(key, value)).toBeUndefined();
  });
});

describe('tableFigure', () => {
  it('takes the p99 of the slowest row of a percentile table (DNS p99)', () => {
    const { label, text } = latency([25.1, 24.6]);
    expect(tableFigure(label, text)).toEqual({ title: 'latency per node', ms: 25.1, stat: 'p99 of the slowest node' });
  });

  it('takes the largest of the first column otherwise, and keeps the bound (NetworkPolicy enforcement)', () => {
    const { label, text } = enforcement([1632, 2572, 160]);
    expect(tableFigure(label, text)).toEqual({
      title: 'enforcement latency per change',
      ms: 2572,
      stat: 'the slowest change (ms)',
      limit: { name: 'bound', value: 30_000 },
    });
  });

  it('is undefined for evidence that is no figure table', () => {
    expect(tableFigure('observed (. reached, X blocked)', 'a b\na . X')).toBeUndefined();
  });
});

describe('trendsOf', () => {
  it('makes one series per figure over the nights, null where a night has none: run time, then checks, then properties', () => {
    const nights = [
      {
        ...night(1, {}, { properties: { 'storage.local-path.bound-ms': '9000', 'shakedown.version': '0.1.0' } }),
        results: [result(BURST, 'pass', { evidence: [latency([20, 30])] }), result(ENFORCEMENT, 'pass', { evidence: [enforcement([1000, 2000])] })],
      },
      {
        ...night(2, {}, { finishedAt: null, properties: { 'control-plane.service-programming-ms': 'node1=1200,node2=1300' } }),
        results: [result(BURST, 'fail', { evidence: [latency([90])] })],
      },
      { ...night(3, {}, { properties: { 'storage.local-path.bound-ms': '11000' } }), results: [] },
    ];
    const trends = trendsOf(nights);
    expect(trends.map((t) => [t.id, t.values])).toEqual([
      ['run time', [61_000, null, 63_000]],
      [`${BURST} › latency per node`, [30, 90, null]],
      [`${ENFORCEMENT} › enforcement latency per change`, [2000, null, null]],
      ['control-plane.service-programming-ms', [null, 1300, null]],
      ['storage.local-path.bound-ms', [9000, null, 11000]],
    ]);
    expect(trends[2]).toMatchObject({ source: 'check', name: 'enforcement latency per change', check: ENFORCEMENT, limit: { name: 'bound', value: 30_000 } });
    expect(trends[0]).toMatchObject({ source: 'run', stat: 'start to finish' });
    expect(trends[4]).toMatchObject({ source: 'property', name: 'storage.local-path.bound-ms', stat: 'value' });
  });
});
