// `shakedown diff BEFORE.json AFTER.json`: what changed between two JSON reports (reports/diff.ts
// compares them). A new failure or a timing regression is a regression: exit 1; otherwise 0; 2 when
// a report cannot be read. Also used by --baseline.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ShakedownError } from '../helpers/errors.ts';
import { writeFileAtomic } from '../reports/atomic-write.ts';
import { DEFAULT_DIFF, diffJUnit, diffResults, isRegression, readReport, renderDiff, type DiffOptions, type ReportLike } from '../reports/diff.ts';
import type { CliIo } from './main.ts';

export { DEFAULT_DIFF, diffResults, isRegression, readReport, renderDiff, type ReportLike } from '../reports/diff.ts';

const USAGE = [
  'usage: shakedown diff BEFORE.json AFTER.json [--junit FILE] [--timing-ratio N] [--timing-floor SECONDS]',
  '',
  'Compares two JSON reports by check id (suite › check title): new failures and checks slower than',
  `--timing-ratio (default ${DEFAULT_DIFF.ratio}) by at least --timing-floor seconds (default ${DEFAULT_DIFF.floorMs / 1000}) are regressions (exit 1);`,
  'resolved failures, new warnings, appeared and vanished checks are listed. Exit 0 without a regression, 2 when a report cannot be read.',
].join('\n');

export async function diffCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  let values: { junit?: string; 'timing-ratio'?: string; 'timing-floor'?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: { junit: { type: 'string' }, 'timing-ratio': { type: 'string' }, 'timing-floor': { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new ShakedownError('SD_BAD_FLAG', (error as Error).message.split('\n')[0] ?? 'bad flag', { hint: 'See `shakedown diff --help`.' });
  }
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new ShakedownError('SD_BAD_FLAG', `shakedown diff takes two reports, BEFORE.json and AFTER.json (got ${positionals.length})`, { hint: 'See `shakedown diff --help`.' });
  const number = (flag: string, raw: string | undefined, fallback: number, min: number): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new ShakedownError('SD_BAD_FLAG', `--${flag} must be a number of at least ${min}, got "${raw}"`, { hint: 'See `shakedown diff --help`.' });
    return value;
  };
  const options = { ratio: number('timing-ratio', values['timing-ratio'], DEFAULT_DIFF.ratio, 1), floorMs: number('timing-floor', values['timing-floor'], DEFAULT_DIFF.floorMs / 1000, 0) * 1000 };
  const [before, after] = positionals.map((p) => readReport(resolve(io.cwd, p))) as [ReportLike, ReportLike];
  return writeDiff(io, before, after, options, values.junit === undefined ? undefined : resolve(io.cwd, values.junit));
}

// Prints the diff, writes its JUnit if asked; the exit code: 1 on a regression, else 0.
export async function writeDiff(io: Pick<CliIo, 'stdout'>, before: ReportLike, after: ReportLike, options: DiffOptions, junit: string | undefined): Promise<number> {
  const changes = diffResults(before.results, after.results, options);
  io.stdout.write(`${renderDiff(before, after, changes)}\n`);
  if (junit !== undefined) {
    try {
      await writeFileAtomic(junit, diffJUnit(after, changes));
    } catch (error) {
      throw new ShakedownError('SD_REPORT_WRITE_FAILED', `cannot write ${junit}: ${(error as Error).message}`, { cause: error });
    }
  }
  return changes.some(isRegression) ? 1 : 0;
}
