import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validate } from '../testing/json-schema.ts';
import { renderHistoryJson, type JsonHistory } from './json.ts';
import { buildHistory } from './model.ts';
import { night, result } from './testing/nights.ts';
import { figureLabel, formatFigures } from '../../helpers/figures.ts';

const SCHEMA: unknown = JSON.parse(readFileSync(new URL('../schema/history-v1.schema.json', import.meta.url), 'utf8'));

const A = 'dns › every record kind resolves';
const B = 'smoke › every agent answers';
const nights = [
  night(1, { [A]: 'pass', [B]: 'pass' }, { properties: { 'storage.static.bound-ms': '2500' } }),
  night(2, { [A]: 'fail', [B]: 'skip' }, { finishedAt: null }),
  {
    ...night(3, {}),
    results: [
      result(A, 'waived'),
      result(B, 'warn', {
        evidence: [
          {
            label: figureLabel('enforcement latency per change', { name: 'bound', value: 30_000 }),
            text: formatFigures('change', ['ms'], [{ name: '+a', values: [1500] }]),
          },
        ],
      }),
    ],
  },
];
const json = (): JsonHistory => JSON.parse(renderHistoryJson(buildHistory(nights, { flakyFlips: 1, notes: ['a note'] }))) as JsonHistory;

describe('the history as JSON', () => {
  it('is valid against reports/schema/history-v1.schema.json', () => {
    expect(validate(SCHEMA, json())).toEqual([]);
  });

  it('holds per check its outcomes, durations, counts and what it said, and the findings by id', () => {
    const history = json();
    expect(history.schemaVersion).toBe('shakedown.history/v1');
    expect(history.nights.map((n) => [n.night, n.durationMs])).toEqual([
      [1, 61_000],
      [2, null],
      [3, 63_000],
    ]);
    const a = history.checks.find((c) => c.id === A);
    expect(a).toMatchObject({
      outcomes: ['pass', 'fail', 'waived'],
      durationsMs: [1000, 1000, 1000],
      ran: 3,
      passed: 1,
      flips: 1,
      firstFailingNight: 2,
      failingSinceNight: 2,
      flaky: false,
    });
    expect(a?.details).toEqual([
      { night: 2, outcome: 'fail', classification: 'timeout', message: 'every record kind resolves: fail' },
      {
        night: 3,
        outcome: 'waived',
        classification: 'timeout',
        message: 'every record kind resolves: waived',
        waiver: { check: 'dns › *', reason: 'CoreDNS upgrade in progress', until: '2026-12-31' },
      },
    ]);
    expect(history.checks.find((c) => c.id === B)?.outcomes).toEqual(['pass', 'skip', 'warn']);
    expect([history.flaky, history.newFailures, history.failingSince]).toEqual([[], [], [{ night: 2, checks: [A] }]]);
    expect(history.trends.map((t) => [t.id, t.values, t.limit])).toEqual([
      ['run time', [61_000, null, 63_000], null],
      [`${B} › enforcement latency per change`, [null, null, 1500], { name: 'bound', value: 30_000 }],
      ['storage.static.bound-ms', [2500, null, null], null],
    ]);
    expect(history.notes[0]).toBe('a note');
  });

  it('is caught by the schema when a field is wrong (the schema checks what it says)', () => {
    const bad = json() as unknown as { checks: { outcomes: unknown[]; passRate: unknown }[]; flakyFlips: unknown };
    bad.flakyFlips = -1;
    if (bad.checks[0] !== undefined) {
      bad.checks[0].outcomes[0] = 'passed';
      bad.checks[0].passRate = '100%';
    }
    expect(validate(SCHEMA, bad).sort()).toEqual([
      '$.checks[0].outcomes[0]: "passed" is not one of ["pass","warn","fail","waived","skip",null]',
      '$.checks[0].passRate: expected number or null, got "100%"',
      '$.flakyFlips: -1 is below the minimum 0',
    ]);
  });
});
