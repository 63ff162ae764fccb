// `shakedown diff BEFORE.json AFTER.json`: what changed between two JSON reports (reports/diff.ts
// compares them). A new failure or a timing regression is a regression: exit 1; otherwise 0; 2 when
// a report cannot be read. Also used by --baseline.
import { resolve } from 'node:path';
import { quote } from '../helpers/config-values.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { writeFileAtomic } from '../reports/atomic-write.ts';
import { checkReportPath, STDOUT } from '../reports/report-path.ts';
import { DEFAULT_DIFF, diffJUnit, diffResults, isRegression, readReport, renderDiff, type DiffOptions, type ReportLike } from '../reports/diff.ts';
import { commandsWith, parseFlags, type OptionSpec } from './args.ts';
import type { CliIo } from './io.ts';

export { DEFAULT_DIFF, diffResults, isRegression, readReport, renderDiff, type ReportLike } from '../reports/diff.ts';

const USAGE = [
  'usage: shakedown diff BEFORE.json AFTER.json [--junit FILE] [--timing-ratio N] [--timing-floor SECONDS]',
  '',
  'Compares two JSON reports by check id (suite › check title): new failures and checks slower than',
  `--timing-ratio (default ${DEFAULT_DIFF.ratio}) by at least --timing-floor seconds (default ${DEFAULT_DIFF.floorMs / 1000}) are regressions (exit 1);`,
  'resolved failures, new warnings, appeared and vanished checks are listed. Exit 0 without a regression, 2 when a report cannot be read.',
].join('\n');

const DIFF_FLAGS: Record<string, OptionSpec> = {
  junit: { type: 'string', expects: 'a file path' },
  'timing-ratio': { type: 'string', expects: 'a number from 1 to 1000' },
  'timing-floor': { type: 'string', expects: 'a number of seconds from 0 to 86400' },
  help: { type: 'boolean', short: 'h' },
};

// A plain decimal number within bounds: not "", not "1e3", not "Infinity", not "0x10".
function diffNumber(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max))
    throw new ShakedownError('SD_BAD_FLAG', `--${flag} must be a number from ${min} to ${max}, got ${quote(raw)}`, { hint: 'See `shakedown diff --help`.' });
  return value;
}

export async function diffCommand(io: CliIo, argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseFlags('diff', argv, DIFF_FLAGS, { positionals: true, elsewhere: (flag) => commandsWith(flag) });
  if (values.help === true) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2)
    throw new ShakedownError(
      'SD_BAD_FLAG',
      `shakedown diff takes two reports, BEFORE.json and AFTER.json (got ${positionals.length}${positionals.length > 2 ? `: ${positionals.map((p) => JSON.stringify(p)).join(' ')}` : ''})`,
      { hint: 'See `shakedown diff --help`.' },
    );
  const odd = positionals.find((p) => p.trim() === '' || /[\u0000-\u001f\u007f]/.test(p));
  if (odd !== undefined)
    throw new ShakedownError('SD_BAD_FLAG', `shakedown diff takes two report files; ${quote(odd)} is not a file name`, {
      hint: 'See `shakedown diff --help`.',
    });
  const options = {
    ratio: diffNumber('timing-ratio', string(values['timing-ratio']), DEFAULT_DIFF.ratio, 1, 1000),
    floorMs: diffNumber('timing-floor', string(values['timing-floor']), DEFAULT_DIFF.floorMs / 1000, 0, 86_400) * 1000,
  };
  const junitFlag = string(values.junit);
  if (junitFlag !== undefined && junitFlag.trim() === '')
    throw new ShakedownError('SD_BAD_FLAG', '--junit must not be empty', { hint: 'See `shakedown diff --help`.' });
  if (junitFlag === STDOUT)
    throw new ShakedownError('SD_BAD_FLAG', '--junit -: the diff itself goes to standard output; give --junit a file', {
      hint: 'See `shakedown diff --help`.',
    });
  // Where the JUnit goes is checked before anything is printed: a missing directory is not found after the table.
  if (junitFlag !== undefined) {
    try {
      checkReportPath(resolve(io.cwd, junitFlag), { kind: 'flag', flag: 'junit' });
    } catch (error) {
      if (!(error instanceof ShakedownError)) throw error;
      throw new ShakedownError(error.code, error.message, { hint: 'Give --junit a file in an existing, writable directory.' });
    }
  }
  const [before, after] = (['BEFORE', 'AFTER'] as const).map((role, i) => readReport(resolve(io.cwd, positionals[i] ?? ''), { role })) as [
    ReportLike,
    ReportLike,
  ];
  return writeDiff(io, before, after, options, junitFlag === undefined ? undefined : resolve(io.cwd, junitFlag));
}

const string = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

// Prints the diff, writes its JUnit if asked; the exit code: 1 on a regression, else 0.
export async function writeDiff(
  io: Pick<CliIo, 'stdout'>,
  before: ReportLike,
  after: ReportLike,
  options: DiffOptions,
  junit: string | undefined,
): Promise<number> {
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
