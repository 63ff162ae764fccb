import { describe, expect, it } from 'vitest';
import { figureLabel, formatFigures } from '../../helpers/figures.ts';
import { renderHistoryHtml } from './html.ts';
import { buildHistory } from './model.ts';
import { night, result } from './testing/nights.ts';
import { describeTrend, sparkline, trendChart } from './trend-chart.ts';

const A = 'dns › every record kind resolves';
const B = 'smoke › <every> agent & "answers"';
const latency = (p99: number) => ({
  label: figureLabel('latency per node'),
  text: formatFigures('node', ['p50', 'p99'], [{ name: 'node1', values: [5, p99] }]),
});

const history = buildHistory(
  [
    { ...night(1, {}, { properties: { 'storage.static.bound-ms': '2500' } }), results: [result(A, 'pass', { evidence: [latency(20)] }), result(B, 'pass')] },
    { ...night(2, {}), results: [result(A, 'fail', { message: 'no answer <script>alert(1)</script>' }), result(B, 'skip')] },
    { ...night(3, {}), results: [result(A, 'pass', { evidence: [latency(40)] }), result(B, 'waived')] },
    { ...night(4, {}), results: [result(A, 'fail'), result(B, 'warn')] },
  ],
  { flakyFlips: 2 },
);
const html = renderHistoryHtml(history);

describe('the history as HTML', () => {
  it('is one self-contained page: no script, nothing fetched', () => {
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|url\(|@import/i);
    expect(html).not.toMatch(/href="(?!#)/);
  });

  it('escapes what the reports say', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('no answer &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;every&gt; agent &amp; &quot;answers&quot;');
  });

  it('draws one row per check and one cell per night, a waived failure apart from a plain one', () => {
    const rows = [...html.matchAll(/<tr id="(check-\d+)"[^>]*>(.*?)<\/tr>/g)];
    expect(rows.map((r) => r[1])).toEqual(['check-1', 'check-2']);
    const classes = (row: string) => [...row.matchAll(/<td class="o (\w+)"/g)].map((m) => m[1]);
    expect(classes(rows[0]?.[2] ?? '')).toEqual(['pass', 'fail', 'pass', 'fail']);
    expect(classes(rows[1]?.[2] ?? '')).toEqual(['pass', 'skip', 'waived', 'warn']);
    expect(rows[1]?.[2]).toContain(
      'title="night 3: failed, waived [timeout]: &lt;every&gt; agent &amp; &quot;answers&quot;: waived; waived by dns › * until 2026-12-31: CoreDNS upgrade in progress (1.0 s)"',
    );
    expect(rows[0]?.[0]).toContain('class="flaky failing"');
    expect(rows[0]?.[2]).toContain('<span class="badge">flaky</span><span class="badge failing">failing</span>');
  });

  it('links every finding to its row', () => {
    const links = [...html.matchAll(/<a href="#([^"]*)">/g)].map((m) => m[1]);
    expect(links).toEqual(['check-1', 'check-1']);
    for (const link of links) expect(html).toContain(`<tr id="${link}"`);
    expect(html).toContain('Flaky: 1');
    expect(html).toContain('New failures in night 4 (sd-20261204-a00004, 2026-12-04 02:00 UTC): 1');
  });

  it("draws each measured figure as a trend line, and each check's duration as a small one", () => {
    expect(html.match(/<svg class="trend"/g)).toHaveLength(3);
    expect(html.match(/<svg class="spark"/g)).toHaveLength(2);
    expect(html).toContain('<b>latency per node</b> <span class="label">p99 of the slowest node</span>');
  });

  it('says so when all is well', () => {
    expect(renderHistoryHtml(buildHistory([night(1, { [A]: 'pass' })], { flakyFlips: 2 }))).toContain('No flaky check, and nothing failing in the last night.');
  });
});

describe('trend lines', () => {
  it('break where a night has no value, and say every value in words', () => {
    const svg = trendChart([1000, 2000, null, 1500], { id: 't', title: 'run time' });
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg).toContain(
      '<desc id="t-d">last 1.5 s (night 4), lowest 1.0 s (night 1), highest 2.0 s (night 2). night 1 1.0 s, night 2 2.0 s, night 3 none, night 4 1.5 s.</desc>',
    );
    expect(svg).toContain('role="img" aria-labelledby="t-t t-d"');
  });

  it('draw a bound near the values as a dashed line, and write one far above them', () => {
    expect(trendChart([20_000, 25_000], { id: 't', title: 'x', limit: { name: 'bound', value: 30_000 } })).toContain('stroke-dasharray="4 3"');
    const far = trendChart([1000, 2000], { id: 't', title: 'x', limit: { name: 'bound', value: 30_000 } });
    expect(far).not.toContain('stroke-dasharray');
    expect(far).toContain('bound 30 s, far above');
  });

  it('say when nothing was measured', () => {
    expect(trendChart([null, null], { id: 't', title: 'x' })).toContain('not measured');
    expect(describeTrend([null])).toBe('not measured in any of 1 nights');
    expect(sparkline([null, null], 'duration')).toBe('');
  });

  it('label a sparkline with the last, lowest and highest value', () => {
    expect(sparkline([100, 300, 200], 'duration of x')).toContain(
      'aria-label="duration of x: last 200 ms (night 3), lowest 100 ms (night 1), highest 300 ms (night 2)"',
    );
  });
});
