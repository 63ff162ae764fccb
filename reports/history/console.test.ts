import { describe, expect, it } from 'vitest';
import { LISTED, renderHistorySummary } from './console.ts';
import { buildHistory } from './model.ts';
import { night, result, type Spec } from './testing/nights.ts';

const A = 'dns › every record kind resolves';
const B = 'smoke › every agent answers';
const C = 'netpol › deny all ingress in x';

function history(lines: Record<string, Spec[]>, flakyFlips = 2) {
  const count = Math.max(...Object.values(lines).map((l) => l.length));
  return buildHistory(
    Array.from({ length: count }, (_, i) =>
      night(i + 1, Object.fromEntries(Object.entries(lines).flatMap(([id, specs]) => (specs[i] === undefined ? [] : [[id, specs[i]]])))),
    ),
    { flakyFlips },
  );
}

describe('the history on the console', () => {
  it('is one line when nothing is flaky and nothing fails in the last night', () => {
    expect(renderHistorySummary(history({ [A]: ['pass', 'fail', 'pass'], [B]: ['pass', 'pass', 'warn'] }))).toBe(
      'history of 3 nights (2026-12-01 02:00 UTC to 2026-12-03 02:00 UTC): 2 checks, none flaky, none failing in night 3',
    );
  });

  it('names the flaky checks, the new failures and the checks failing since an earlier night', () => {
    const text = renderHistorySummary(
      history({ [A]: ['pass', 'fail', 'pass', 'fail'], [B]: ['pass', 'pass', 'pass', 'fail'], [C]: ['pass', 'fail', 'skip', 'waived'] }),
    );
    expect(text.split('\n')).toEqual([
      'history of 4 nights (2026-12-01 02:00 UTC to 2026-12-04 02:00 UTC): 3 checks, 1 flaky, 2 new failures, 1 failing since an earlier night',
      'flaky (flipped between failing and not failing more than 2 times):',
      `  ${A}: 3 flips, passed 2 of 4 nights it ran (50%), last fail`,
      'new failures in night 4 (sd-20261204-a00004, 2026-12-04 02:00 UTC):',
      `  ${A}: timeout: every record kind resolves: fail (failed before, first in night 2)`,
      `  ${B}: timeout: every agent answers: fail`,
      'failing since night 2 (sd-20261202-a00002, 2026-12-02 02:00 UTC):',
      `  ${C}: timeout: deny all ingress in x: waived [waived until 2026-12-31: CoreDNS upgrade in progress]`,
    ]);
  });

  it('lists at most a few checks per section and counts the rest', () => {
    const many = Object.fromEntries(Array.from({ length: LISTED + 3 }, (_, i) => [`dns › check ${String(i).padStart(2, '0')}`, ['pass', 'fail'] as Spec[]]));
    const lines = renderHistorySummary(history(many)).split('\n');
    expect(lines).toHaveLength(1 + 1 + LISTED + 1);
    expect(lines.at(-1)).toBe('  ... and 3 more (--html or --json lists them all)');
  });

  it('spells out control characters read from a report instead of sending them to the terminal', () => {
    const evil = buildHistory([{ ...night(1, {}), results: [result('dns › \u001b]52;c;aGk=\u0007x', 'fail', { message: 'bad\u001b[2Jthing' })] }], {
      flakyFlips: 2,
    });
    const text = renderHistorySummary(evil);
    expect(text).not.toMatch(/\u001b|\u0007/);
    expect(text).toContain('new failures in night 1');
  });

  it('says what a reader should know about the input', () => {
    const text = renderHistorySummary(
      buildHistory([night(1, { [A]: 'pass' })], { flakyFlips: 2, notes: ['run sd-x is in 2 files (a.json, b.json): counted once, from the first'] }),
    );
    expect(text.split('\n')).toEqual([
      'history of 1 night (night 1, 2026-12-01 02:00 UTC): 1 check, none flaky, none failing in night 1',
      'note: run sd-x is in 2 files (a.json, b.json): counted once, from the first',
    ]);
  });
});
