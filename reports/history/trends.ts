// The measured figures of each night, as series over the nights, from what reports hold today:
// - the run's own time, start to finish;
// - figure tables in a check's evidence (helpers/figures.ts: the DNS burst's latency per node, the
//   NetworkPolicy enforcement latency per change), one number per table and night: the p99 of its
//   slowest row when it has a p99 column (DNS p99), else the largest value of its first column;
// - run properties in milliseconds (a check's c.property): a key ending in "-ms" whose value is a
//   number (storage.CLASS.bound-ms, time to Bound) or a list NAME=MS,... whose largest value is
//   taken (control-plane.service-programming-ms, per node), and any value written as "1234ms"
//   (ingress.propagation.*).
// A night without the figure holds null. Nothing here knows a suite: the formats are the engine's.
import { parseFigures, type FigureLimit, type FigureTable } from '../../helpers/figures.ts';
import { checkName } from '../../helpers/result.ts';
import type { NightReport } from './read.ts';

export type TrendSource = 'run' | 'check' | 'property';

export interface Trend {
  // Unique: "run time", "CHECK ID › TABLE TITLE", or the property's key.
  id: string;
  source: TrendSource;
  // What was measured, short: "run time", the table's title, the property's key.
  name: string;
  // Which number of the night it is: "start to finish", "p99 of the slowest node", "largest of the list".
  stat: string;
  // The check that measured it (source check).
  check?: string;
  // The bound the check judged it against, from the last night that gave one.
  limit?: FigureLimit;
  // Milliseconds, one per night.
  values: (number | null)[];
}

const NUMBER = /^\d+(?:\.\d+)?$/;
const WITH_UNIT = /^(\d+(?:\.\d+)?)\s?ms$/;
const LIST_ENTRY = /^([^=,\s]+)=(\d+(?:\.\d+)?|none)$/;

// A property's value in ms and which number it is, or undefined when it is no figure.
export function propertyFigure(key: string, value: string): { ms: number | null; stat: string } | undefined {
  const unit = WITH_UNIT.exec(value.trim());
  if (unit !== null) return { ms: Number(unit[1]), stat: 'value' };
  if (!key.endsWith('-ms')) return undefined;
  if (NUMBER.test(value.trim())) return { ms: Number(value.trim()), stat: 'value' };
  const entries = value.split(',').map((part) => LIST_ENTRY.exec(part.trim()));
  if (entries.length === 0 || entries.some((entry) => entry === null)) return undefined;
  const numbers = entries.flatMap((entry) => (entry?.[2] === undefined || entry[2] === 'none' ? [] : [Number(entry[2])]));
  return { ms: numbers.length === 0 ? null : Math.max(...numbers), stat: 'largest of the list' };
}

// A figure table's one number, or undefined when the evidence holds none: its typed figures, or (in
// a report written before evidence carried them) the table read from its text.
export function tableFigure(label: string, text: string, figures?: FigureTable): { title: string; ms: number; stat: string; limit?: FigureLimit } | undefined {
  const table = figures ?? parseFigures(label, text);
  if (table === undefined || table.rows.length === 0) return undefined;
  const p99 = table.columns.indexOf('p99');
  const column = p99 >= 0 ? p99 : 0;
  const ms = Math.max(...table.rows.map((row) => row.values[column] ?? 0));
  const stat = p99 >= 0 ? `p99 of the slowest ${table.corner}` : `the slowest ${table.corner} (${table.columns[0] ?? 'ms'})`;
  return { title: table.title, ms, stat, ...(table.limit === undefined ? {} : { limit: table.limit }) };
}

export function trendsOf(nights: readonly NightReport[]): Trend[] {
  const count = nights.length;
  const series = new Map<string, Trend>();
  const put = (night: number, trend: Omit<Trend, 'values'>, ms: number | null) => {
    let held = series.get(trend.id);
    if (held === undefined) {
      held = { ...trend, values: Array.from({ length: count }, () => null) };
      series.set(trend.id, held);
    }
    if (trend.limit !== undefined) held.limit = trend.limit;
    // A figure measured twice in a night (one id twice): the larger counts.
    const before = held.values[night] ?? null;
    held.values[night] = ms === null ? before : Math.max(ms, before ?? ms);
  };
  nights.forEach(({ run, results }, night) => {
    const runMs = run.finishedAt === null ? null : Math.max(0, Date.parse(run.finishedAt) - Date.parse(run.startedAt));
    put(night, { id: 'run time', source: 'run', name: 'run time', stat: 'start to finish' }, runMs);
    for (const result of results) {
      for (const evidence of result.evidence) {
        const figure = tableFigure(evidence.label, evidence.text, evidence.figures);
        if (figure === undefined) continue;
        const check = checkName(result);
        put(
          night,
          {
            id: `${check} › ${figure.title}`,
            source: 'check',
            name: figure.title,
            stat: figure.stat,
            check,
            ...(figure.limit === undefined ? {} : { limit: figure.limit }),
          },
          figure.ms,
        );
      }
    }
    for (const [key, value] of Object.entries(run.properties)) {
      const figure = propertyFigure(key, value);
      if (figure !== undefined) put(night, { id: key, source: 'property', name: key, stat: figure.stat }, figure.ms);
    }
  });
  const order: Record<TrendSource, number> = { run: 0, check: 1, property: 2 };
  return [...series.values()].sort((a, b) => order[a.source] - order[b.source] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
