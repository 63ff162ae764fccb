import { describe, expect, it } from 'vitest';
import { buildHistory, DEFAULT_FLAKY_FLIPS, judgeCells, orderNights, type Cell, type CheckHistory, type History } from './model.ts';
import { night, result, runInfo, WAIVER, type Spec } from './testing/nights.ts';

const A = 'dns › every record kind resolves';
const B = 'smoke › every agent answers';

// One check's nights from a line such as "p f . s w": pass, fail, absent, skip, waived (W), warn (w).
const LETTERS: Record<string, Spec | null> = { p: 'pass', f: 'fail', W: 'waived', w: 'warn', s: 'skip', '.': null };
function historyOf(lines: Record<string, string>, flakyFlips = DEFAULT_FLAKY_FLIPS): History {
  const count = Math.max(...Object.values(lines).map((line) => line.split(' ').length));
  const nights = Array.from({ length: count }, (_, i) => {
    const outcomes: Record<string, Spec> = {};
    for (const [id, line] of Object.entries(lines)) {
      const spec = LETTERS[line.split(' ')[i] ?? '.'];
      if (spec !== null && spec !== undefined) outcomes[id] = spec;
    }
    return night(i + 1, outcomes);
  });
  return buildHistory(nights, { flakyFlips });
}
const check = (history: History, id: string): CheckHistory => {
  const found = history.checks.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
};
const cells = (line: string): (Cell | null)[] =>
  line.split(' ').map((letter) => {
    const spec = LETTERS[letter];
    return spec === null || spec === undefined ? null : { outcome: spec, durationMs: 1 };
  });

describe('the order of the nights', () => {
  it('is by run.startedAt, whatever order the reports were read in; equal times by run id, then file', () => {
    const [d3, d1, d2] = [night(3, { [A]: 'pass' }), night(1, { [A]: 'fail' }), night(2, { [A]: 'pass' })];
    const history = buildHistory([d3, d1, d2], { flakyFlips: 2 });
    expect(history.nights.map((n) => [n.night, n.runId])).toEqual([
      [1, d1.run.runId],
      [2, d2.run.runId],
      [3, d3.run.runId],
    ]);
    expect(check(history, A).cells.map((c) => c?.outcome)).toEqual(['fail', 'pass', 'pass']);
    const same = runInfo(5).startedAt;
    const late = night(5, {}, { runId: 'sd-20261205-bbbbbb', startedAt: same });
    const early = night(5, {}, { runId: 'sd-20261205-aaaaaa', startedAt: same });
    expect(orderNights([late, early]).map((r) => r.run.runId)).toEqual(['sd-20261205-aaaaaa', 'sd-20261205-bbbbbb']);
  });

  it('reads an offset time as the instant it names', () => {
    const utc = night(2, { [A]: 'pass' }, { startedAt: '2026-12-02T02:00:00Z' });
    const earlier = night(9, { [A]: 'fail' }, { startedAt: '2026-12-02T02:30:00+01:00' });
    expect(buildHistory([utc, earlier], { flakyFlips: 2 }).nights.map((n) => n.runId)).toEqual([earlier.run.runId, utc.run.runId]);
  });

  it('gives each night its run time, and none to a run that did not finish', () => {
    const history = buildHistory([night(1, {}), night(2, {}, { finishedAt: null })], { flakyFlips: 2 });
    expect(history.nights.map((n) => n.durationMs)).toEqual([61_000, null]);
    expect(history.notes).toEqual([`night 2 (${history.nights[1]?.runId}) did not finish: a check missing there shows as absent`]);
  });
});

describe('flips', () => {
  it.each([
    ['p p p', 0],
    ['p f p', 2],
    ['f f f', 0],
    ['p f f p f', 3],
    // A skip or an absence is no night it ran: the flip is counted across it, once.
    ['p s f', 1],
    ['p . . f', 1],
    ['f s f', 0],
    // A warning is not a failure; a waived failure is one.
    ['p w p', 0],
    ['p W p', 2],
    ['f W f', 0],
  ])('%s: %i', (line, flips) => {
    expect(judgeCells(cells(line), 2).flips).toBe(flips);
  });
});

describe('pass rate, first failing night, failing since', () => {
  it.each([
    ['p p p', 1, null, null],
    ['p f p p', 0.75, 2, null],
    ['p w f', 2 / 3, 3, 3],
    ['f p f f', 0.25, 1, 3],
    // Skips and absences neither count in the rate nor end a run of failures.
    ['p f s . f', 1 / 3, 2, 2],
    ['s s s', null, null, null],
    ['W p W', 1 / 3, 1, 3],
    // Failing no longer: the last night it is absent, and the last night decides.
    ['p f .', 0.5, 2, null],
  ])('%s: rate %s, first %s, since %s', (line, rate, first, since) => {
    const judged = judgeCells(cells(line), 2);
    expect(judged.passRate).toBe(rate);
    expect(judged.firstFailingNight).toBe(first);
    expect(judged.failingSinceNight).toBe(since);
  });

  it('counts the nights it ran and passed (a warning passes)', () => {
    expect(judgeCells(cells('p w f s .'), 2)).toMatchObject({ ran: 3, passed: 2 });
  });
});

describe('flaky', () => {
  it('is more flips than the threshold, not as many', () => {
    expect(judgeCells(cells('p f p'), 2).flaky).toBe(false);
    expect(judgeCells(cells('p f p f'), 2).flaky).toBe(true);
    expect(judgeCells(cells('p f'), 0).flaky).toBe(true);
    expect(judgeCells(cells('p p'), 0).flaky).toBe(false);
  });

  it('lists the flaky checks, most flips first', () => {
    const history = historyOf({ [A]: 'p f p f', [B]: 'f p f p f p', 'x › y': 'p f p' });
    expect(history.flaky).toEqual([B, A]);
    expect(historyOf({ [A]: 'p f p f' }, 3).flaky).toEqual([]);
    expect(DEFAULT_FLAKY_FLIPS).toBe(2);
  });
});

describe('new failures and checks failing since an earlier night', () => {
  it('tells a failure new in the last night from one that began earlier, grouped by that night', () => {
    const history = historyOf({ [A]: 'p p f', [B]: 'p f f', 'x › c': 'f f f', 'x › d': 'f p p', 'x › e': 'f s f' });
    expect(history.newFailures).toEqual([A]);
    expect(history.failingSince).toEqual([
      { night: 1, checks: ['x › c', 'x › e'] },
      { night: 2, checks: [B] },
    ]);
    expect(check(history, 'x › e').firstFailingNight).toBe(1);
  });

  it('counts a check that appears failing as a new failure', () => {
    expect(historyOf({ [A]: 'p p', [B]: '. f' }).newFailures).toEqual([B]);
  });
});

describe('cells', () => {
  it('keep a waived failure apart, with its waiver, and what a failure, a warning and a skip said', () => {
    const history = buildHistory(
      [
        {
          ...night(1, {}),
          results: [
            result(A, 'waived', { message: 'no answer from 10.96.0.10\nsecond line' }),
            result(B, 'warn', { message: 'slow' }),
            result('x › skipped', 'skip', { skipReason: 'no ingress' } as never),
            result('x › passed', 'pass', { durationMs: 7 }),
          ],
        },
      ],
      { flakyFlips: 2 },
    );
    expect(check(history, A).cells[0]).toEqual({
      outcome: 'waived',
      durationMs: 1000,
      classification: 'timeout',
      message: 'no answer from 10.96.0.10',
      waiver: WAIVER,
    });
    expect(check(history, B).cells[0]).toEqual({ outcome: 'warn', durationMs: 1000, message: 'slow' });
    expect(check(history, 'x › skipped').cells[0]).toEqual({ outcome: 'skip', durationMs: 1000, message: 'no ingress' });
    expect(check(history, 'x › passed').cells[0]).toEqual({ outcome: 'pass', durationMs: 7 });
    expect(history.checks.map((c) => c.id)).toEqual([A, B, 'x › passed', 'x › skipped']);
  });

  it('takes the worst of one check reported twice in a night', () => {
    const history = buildHistory([{ ...night(1, {}), results: [result(A, 'pass'), result(A, 'fail'), result(A, 'skip')] }], { flakyFlips: 2 });
    expect(check(history, A).cells[0]?.outcome).toBe('fail');
  });

  it('are null where a night has no such check', () => {
    expect(check(historyOf({ [A]: 'p . p', [B]: 'p p p' }), A).cells[1]).toBeNull();
  });
});

describe('notes', () => {
  it("say when the nights ran against more than one cluster, and carry the reader's", () => {
    const other = runInfo(2).cluster;
    const history = buildHistory([night(1, {}), night(2, {}, { cluster: { ...other, server: 'https://10.0.0.1:6443' } })], {
      flakyFlips: 2,
      notes: ['run x is in 2 files'],
    });
    expect(history.notes).toEqual([
      'run x is in 2 files',
      "the nights ran against 2 clusters (https://10.217.0.11:6443, https://10.0.0.1:6443): a check's history mixes them",
    ]);
  });
});
