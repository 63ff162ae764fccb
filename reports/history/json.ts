// The history for machines (shakedown history --json FILE). Its shape is versioned and documented
// by reports/schema/history-v1.schema.json; a breaking change means a new version.
import type { AppliedWaiver, Classification } from '../../helpers/result.ts';
import type { FigureLimit } from '../../helpers/figures.ts';
import type { CheckHistory, History, Night, Outcome } from './model.ts';
import type { TrendSource } from './trends.ts';
import { HISTORY_VERSION_PREFIX } from './read.ts';

export const HISTORY_SCHEMA_VERSION = `${HISTORY_VERSION_PREFIX}v1`;

export interface JsonHistory {
  schemaVersion: string;
  flakyFlips: number;
  nights: Night[];
  flaky: string[];
  newFailures: string[];
  failingSince: { night: number; checks: string[] }[];
  // A check's history with its cells as arrays: outcomes and durations by night, what it said.
  checks: (Omit<CheckHistory, 'cells'> & {
    outcomes: (Outcome | null)[];
    durationsMs: (number | null)[];
    details: { night: number; outcome: Outcome; classification?: Classification; message: string; waiver?: AppliedWaiver }[];
  })[];
  trends: {
    id: string;
    source: TrendSource;
    name: string;
    stat: string;
    check: string | null;
    unit: 'ms';
    limit: FigureLimit | null;
    values: (number | null)[];
  }[];
  notes: string[];
}

export function renderHistoryJson(history: History): string {
  const json: JsonHistory = {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    flakyFlips: history.flakyFlips,
    nights: history.nights,
    flaky: history.flaky,
    newFailures: history.newFailures,
    failingSince: history.failingSince,
    checks: history.checks.map(({ cells, ...check }) => ({
      ...check,
      outcomes: cells.map((cell) => cell?.outcome ?? null),
      durationsMs: cells.map((cell) => cell?.durationMs ?? null),
      details: cells.flatMap((cell, i) =>
        cell === null || cell.message === undefined
          ? []
          : [
              {
                night: i + 1,
                outcome: cell.outcome,
                ...(cell.classification === undefined ? {} : { classification: cell.classification }),
                message: cell.message,
                ...(cell.waiver === undefined ? {} : { waiver: cell.waiver }),
              },
            ],
      ),
    })),
    trends: history.trends.map((trend) => ({
      id: trend.id,
      source: trend.source,
      name: trend.name,
      stat: trend.stat,
      check: trend.check ?? null,
      unit: 'ms',
      limit: trend.limit ?? null,
      values: trend.values,
    })),
    notes: history.notes,
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
