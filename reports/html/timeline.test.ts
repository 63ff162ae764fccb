import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../helpers/result.ts';
import { sampleResults } from '../testing/sample-run.ts';
import { spanOf } from './overview.ts';
import { criticalPath, timelineSection } from './timeline.ts';

const T0 = Date.parse('2026-12-03T12:00:00.000Z');
// A passed check of `suite` from `from` to `to` seconds after T0.
const check = (suite: string, name: string, from: number, to: number): CheckResult => ({
  suite,
  check: name,
  status: 'pass',
  durationMs: (to - from) * 1000,
  startedAt: new Date(T0 + from * 1000).toISOString(),
  message: 'ok',
  evidence: [],
});
const path = (results: CheckResult[]) => criticalPath(results.map((result) => ({ result, span: spanOf(result)! }))).map((t) => t.result.check);

describe('criticalPath', () => {
  it("follows a suite's sequence back, across a phase boundary where nothing else ran, to where its suite began while others ran", () => {
    const results = [
      check('a', 'a1', 1, 3),
      check('b', 'b1', 1.2, 4),
      check('b', 'b2', 4, 9),
      check('a', 'a2', 3, 5),
      // c waits for every other suite: nothing runs between b2's end and c1's start.
      check('c', 'c1', 10, 11),
      check('c', 'c2', 10, 12),
      check('c', 'c3', 11, 14),
    ];
    // b1 began while a1 ran, and no check of b ended as it began: its wait was b's own setup.
    expect(path(results)).toEqual(['b1', 'b2', 'c1', 'c3']);
  });

  it("prefers the slot of its own suite to another suite's check that ended at the same moment", () => {
    expect(path([check('a', 'a1', 0, 5), check('b', 'b1', 0, 5), check('b', 'b2', 5, 8)])).toEqual(['b1', 'b2']);
  });

  it('is empty without timed checks', () => {
    expect(criticalPath([])).toEqual([]);
  });
});

describe('timelineSection', () => {
  const run = { start: T0, end: T0 + 67_500 };
  const html = timelineSection(sampleResults, run);

  it("draws a bar per timed check from its start to its end, on an axis from the run's start", () => {
    expect(html).toContain('<div class="ticks"><span>0</span><span>20 s</span><span>40 s</span><span>60 s</span><span>80 s</span></div>');
    // deny all ingress in x: 6.0 s to 37.2 s of an 80 s axis.
    expect(html).toContain(
      '<div class="tl-row fail crit"><a href="#check-netpol-deny-all-ingress-in-x">netpol › deny all ingress in x</a><svg aria-hidden="true"><rect x="7.5%" width="39%"/></svg><span>31.2 s</span></div>',
    );
    expect(html).toContain('1 check has no start time and is not drawn');
  });

  it('gives each suite a row coloured by its worst status, its checks behind a toggle, in start order', () => {
    const dns = html.slice(html.indexOf('<details class="tl-suite"><summary class="tl-row fail"><span>dns</span>'));
    expect(dns).toBeTruthy();
    const order = [...dns.matchAll(/<div class="tl-row [^"]*"><a [^>]*>([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(order).toEqual(['every replica answers', 'upstream names resolve', 'load › a short burst of lookups: latency, errors and the 5 s race']);
  });

  it('lists the critical path first, with the part of the run it spans', () => {
    expect(html).toContain(`Critical path <span class="label">2 checks, each waiting for the one before it, from 6.0 s to 37.2 s of the run's 67.5 s</span>`);
    expect(timelineSection([sampleResults[0]!], run)).toContain(
      `Critical path <span class="label">the check that ended last from 5.0 s to 5.1 s of the run's 67.5 s</span>`,
    );
  });

  it('says why there is none without start times', () => {
    const none = timelineSection(
      sampleResults.map(({ startedAt: _, ...result }) => result),
      run,
    );
    expect(none).toMatch(/<p class="label">No timeline: this report has no start time for any check/);
    expect(none).not.toContain('<svg');
  });
});
