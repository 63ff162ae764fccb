// Observed against expected truth tables. A cell is "." (reached), "X" (blocked: timeout, refusal,
// reset, unreachable) or "?" (not observed: the agent could not be asked, or an unclassified error).
// On a mismatch, one table per port is printed: expected, observed and their difference.
import type { ProbeResult } from '../../agent/protocol.ts';
import { describeResult, symbolOf } from '../../helpers/probe/expectations.ts';
import { cellKey, podIds, portLabel, probesOf, type ReachModel, type Truth } from './model.ts';
import { formatGrid, type Grid } from '../../helpers/evidence.ts';

export type Symbol = '.' | 'X' | '?';

export interface Observation {
  result: ProbeResult | undefined;
  // Why it was not observed, when it was not.
  error?: string;
}

export type Observed = Map<string, Observation>;

export function observedSymbol(observation: Observation | undefined): Symbol {
  if (observation === undefined || observation.error !== undefined) return '?';
  return symbolOf(observation.result);
}

export interface Mismatch {
  key: string;
  from: string;
  to: string;
  port: string;
  expected: boolean;
  observed: Observation | undefined;
}

export function compare(model: ReachModel, expected: Truth, observed: Observed): Mismatch[] {
  const out: Mismatch[] = [];
  for (const probe of probesOf(model)) {
    const key = cellKey(probe.from, probe.to, probe.port);
    const want = expected.get(key) ?? true;
    const seen = observed.get(key);
    if (observedSymbol(seen) !== (want ? '.' : 'X'))
      out.push({ key, from: probe.from, to: probe.to, port: portLabel(probe.port), expected: want, observed: seen });
  }
  return out;
}

// How many cells of the observed table differ from all-allowed (a table no policy touched).
export function blockedCount(model: ReachModel, observed: Observed): number {
  return probesOf(model).filter((probe) => observedSymbol(observed.get(cellKey(probe.from, probe.to, probe.port))) === 'X').length;
}

// One port's table as a grid: rows from, columns to.
function grid(model: ReachModel, portIndex: number, symbol: (key: string) => string): Grid | undefined {
  const port = model.ports[portIndex];
  if (port === undefined) return undefined;
  const ids = podIds(model);
  return {
    corner: portLabel(port),
    columns: ids,
    rows: ids.map((from) => ({ name: from, cells: ids.map((to) => symbol(cellKey(from, to, port))) })),
    legend: LEGEND,
  };
}

const LEGEND = { '.': 'reached / as expected', X: 'blocked / not as expected', '?': 'not observed' };

// Only the ports listed ("TCP/9000"), when a list is given: a failure shows the ports that went wrong.
function perPort(model: ReachModel, symbol: (key: string) => string, only?: ReadonlySet<string>): Grid[] {
  return model.ports.flatMap((port, index) => {
    const table = only === undefined || only.has(portLabel(port)) ? grid(model, index, symbol) : undefined;
    return table === undefined ? [] : [table];
  });
}

const text = (grids: readonly Grid[]) => grids.map(formatGrid).join('\n\n');

export function expectedGrids(model: ReachModel, expected: Truth, only?: ReadonlySet<string>): Grid[] {
  return perPort(model, (key) => ((expected.get(key) ?? true) ? '.' : 'X'), only);
}

export function observedGrids(model: ReachModel, observed: Observed, only?: ReadonlySet<string>): Grid[] {
  return perPort(model, (key) => observedSymbol(observed.get(key)), only);
}

// "." where observation met the expectation, "X" where it did not.
export function differenceGrids(model: ReachModel, expected: Truth, observed: Observed, only?: ReadonlySet<string>): Grid[] {
  const wrong = new Set(compare(model, expected, observed).map((m) => m.key));
  return perPort(model, (key) => (wrong.has(key) ? 'X' : '.'), only);
}

export function renderExpectedTable(model: ReachModel, expected: Truth, only?: ReadonlySet<string>): string {
  return text(expectedGrids(model, expected, only));
}

export function renderObservedTable(model: ReachModel, observed: Observed, only?: ReadonlySet<string>): string {
  return text(observedGrids(model, observed, only));
}

export function renderDifferenceTable(model: ReachModel, expected: Truth, observed: Observed, only?: ReadonlySet<string>): string {
  return text(differenceGrids(model, expected, observed, only));
}

export function mismatchLine(mismatch: Mismatch): string {
  const seen = mismatch.observed?.error ?? describeResult(mismatch.observed?.result);
  return `${mismatch.from} -> ${mismatch.to} ${mismatch.port}: expected ${mismatch.expected ? 'allowed' : 'blocked'}, saw ${seen}`;
}
