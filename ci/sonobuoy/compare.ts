// What sonobuoy says about a shakedown run, held against shakedown's own JSON report (which the
// plugin also writes into sonobuoy's results). sonobuoy's words: `sonobuoy results TARBALL` prints
// Plugin, Status, Total, Passed, Failed, Skipped (cmd/sonobuoy/app/results.go printResultsSummary),
// and `--mode detailed` one JSON object per check with its details. They must agree with the report:
// - Passed = passed + warned (a warning passes, as in the JUnit), Failed = failed + setup errors
//   (+ 1 for a run that did not finish, as the JUnit counts it), Skipped = skipped;
// - every check is there, under its suite, with its status; a warned check's warning, a skipped
//   check's reason and a failed check's message are in its details, word for word.
import type { JsonReport } from '../../reports/json.ts';

export interface SonobuoySummary {
  plugin: string;
  status: string;
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export function parseSummary(text: string): SonobuoySummary {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z][a-z]+): (.*)$/.exec(line.trim());
    if (match?.[1] !== undefined && match[2] !== undefined && !fields.has(match[1])) fields.set(match[1], match[2]);
  }
  const number = (key: string): number => {
    const value = Number(fields.get(key));
    if (!Number.isInteger(value)) throw new Error(`sonobuoy results printed no "${key}:" count:\n${text}`);
    return value;
  };
  return {
    plugin: fields.get('Plugin') ?? '',
    status: fields.get('Status') ?? '',
    total: number('Total'),
    passed: number('Passed'),
    failed: number('Failed'),
    skipped: number('Skipped'),
  };
}

// One line of `sonobuoy results --mode detailed`: a leaf item, its tree path in meta.path.
export interface DetailedItem {
  name: string;
  status: string;
  details?: Record<string, unknown>;
  meta?: Record<string, string>;
}

export function parseDetailed(text: string): DetailedItem[] {
  return (
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Partial<DetailedItem>)
      // Other plugins' lines (sonobuoy's own cluster health summary) are not items.
      .filter((item): item is DetailedItem => typeof item.name === 'string' && typeof item.status === 'string')
  );
}

// The suite a detailed item sits under: the last element of its path (plugin|file|suite).
const suiteOf = (item: DetailedItem): string => item.meta?.path?.split('|').at(-1) ?? '';

export interface Expected {
  status: 'passed' | 'failed';
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

export function expectedFrom(report: JsonReport): Expected {
  const { summary, errors, complete } = report;
  const unfinished = complete || errors.length > 0 ? 0 : 1;
  const failed = summary.failed + errors.length + unfinished;
  // A waived failure is a skipped item, as in the JUnit.
  const expected = { passed: summary.passed + summary.warned, failed, skipped: summary.skipped + (summary.waived ?? 0) };
  return { status: failed > 0 ? 'failed' : 'passed', total: expected.passed + expected.failed + expected.skipped, ...expected };
}

export interface Comparison {
  mismatches: string[];
  warnings: { kept: number; of: number };
  skipReasons: { kept: number; of: number };
  failures: { kept: number; of: number };
}

export function compare(summary: SonobuoySummary, items: readonly DetailedItem[], report: JsonReport): Comparison {
  const mismatches: string[] = [];
  const expected = expectedFrom(report);
  if (summary.plugin !== 'shakedown') mismatches.push(`Plugin: ${summary.plugin}, expected shakedown`);
  if (summary.status !== expected.status) mismatches.push(`Status: ${summary.status}, expected ${expected.status}`);
  for (const key of ['total', 'passed', 'failed', 'skipped'] as const) {
    if (summary[key] !== expected[key]) mismatches.push(`${key}: sonobuoy says ${summary[key]}, shakedown's report says ${expected[key]}`);
  }
  const byCheck = new Map(items.map((item) => [`${suiteOf(item)}\0${item.name}`, item]));
  if (items.length !== expected.total) {
    const known = new Set(report.results.map((result) => `${result.suite}\0${result.check}`));
    const extra = items.filter((item) => !known.has(`${suiteOf(item)}\0${item.name}`)).map((item) => JSON.stringify(item).slice(0, 300));
    mismatches.push(
      `sonobuoy results --mode detailed lists ${items.length} items, shakedown's report ${expected.total}${extra.length === 0 ? '' : `; not checks of the report: ${extra.join('; ')}`}`,
    );
  }
  const tally = { warnings: { kept: 0, of: 0 }, skipReasons: { kept: 0, of: 0 }, failures: { kept: 0, of: 0 } };
  for (const result of report.results) {
    const title = `${result.suite} › ${result.check}`;
    const item = byCheck.get(`${result.suite}\0${result.check}`);
    if (item === undefined) {
      mismatches.push(`${title}: not in sonobuoy's results`);
      continue;
    }
    const status =
      result.status === 'fail' && result.waiver !== undefined ? 'skipped' : { pass: 'passed', warn: 'passed', fail: 'failed', skip: 'skipped' }[result.status];
    if (item.status !== status) mismatches.push(`${title}: ${item.status} in sonobuoy's results, ${result.status} in shakedown's report`);
    const kept = (key: string, value: string, count: { kept: number; of: number }, what: string) => {
      count.of += 1;
      if (item.details?.[key] === value) count.kept += 1;
      else
        mismatches.push(
          `${title}: its ${what} is not in sonobuoy's details.${key} (expected ${JSON.stringify(value)}, got ${JSON.stringify(item.details?.[key])})`,
        );
    };
    if (result.status === 'warn') kept('warning', result.message, tally.warnings, 'warning');
    if (result.status === 'skip') kept('skip-reason', result.skipReason, tally.skipReasons, 'skip reason');
    if (result.status === 'fail') kept('failure', result.message, tally.failures, 'failure');
  }
  return { mismatches, ...tally };
}

// The JUnit report's own counts (its <testsuites> element), for the same comparison.
export function junitCounts(xml: string): { tests: number; failures: number; skipped: number } {
  const root = /<testsuites\b[^>]*>/.exec(xml)?.[0] ?? '';
  const attribute = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(root)?.[1] ?? Number.NaN);
  return { tests: attribute('tests'), failures: attribute('failures'), skipped: attribute('skipped') };
}
