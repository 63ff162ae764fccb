// The reports a history is made of: each path is a JSON report (shakedown run --json) or a directory
// of them (its *.json files, not its subdirectories). Each is read and checked as diff reads one
// (reports/diff.ts readReport: v1 and v2 read; a future version, a file that is not a report or
// cannot be read, a malformed field such as a failure's waiver refused with a line naming the
// file), and for what a history needs besides: run.startedAt must be a time (it orders the
// nights). In a directory, a history this command wrote (shakedown.history/...) is passed over, so
// --json may go beside the reports. A run read twice (one runId in two files) counts once, and a
// note says so.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ShakedownError } from '../../helpers/errors.ts';
import type { CheckResult, RunInfo } from '../../helpers/result.ts';
import { readReport, REPORT_MAX_BYTES } from '../diff.ts';

export const HISTORY_VERSION_PREFIX = 'shakedown.history/';
const HINT = 'Give JSON reports written by shakedown run --json FILE, or directories of them.';

export interface NightReport {
  // The file as the user named it (or the directory as named, joined with the file's name).
  file: string;
  // Its absolute path.
  path: string;
  run: RunInfo;
  results: CheckResult[];
}

export interface ReadReports {
  reports: NightReport[];
  notes: string[];
}

const bad = (message: string, cause?: string): ShakedownError =>
  new ShakedownError('SD_BAD_FLAG', message, { hint: HINT, ...(cause === undefined ? {} : { cause }) });

// ISO 8601 as shakedown writes it (Date#toISOString), or with an offset.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function isTime(text: string): boolean {
  return ISO_TIME.test(text) && Number.isFinite(Date.parse(text));
}

// Every report the paths name, in the order given (a directory's files by name), each run once.
export function readReports(paths: readonly string[], cwd: string): ReadReports {
  const files: { path: string; shown: string; named: boolean }[] = [];
  for (const given of paths) {
    const path = resolve(cwd, given);
    if (isDirectory(path)) files.push(...jsonFiles(path).map((name) => ({ path: join(path, name), shown: join(given, name), named: false })));
    else files.push({ path, shown: given, named: true });
  }
  const seen = new Set<string>();
  const byRun = new Map<string, string[]>();
  const reports: NightReport[] = [];
  for (const { path, shown, named } of files) {
    if (seen.has(path)) continue;
    seen.add(path);
    const report = readOne(path, shown, named);
    if (report === undefined) continue;
    const earlier = byRun.get(report.run.runId);
    if (earlier !== undefined) {
      earlier.push(shown);
      continue;
    }
    byRun.set(report.run.runId, [shown]);
    reports.push(report);
  }
  if (reports.length === 0)
    throw bad(
      `no report to make a history of: ${paths.map((p) => JSON.stringify(p)).join(' ')} ${paths.length === 1 ? 'holds' : 'hold'} no shakedown JSON report`,
    );
  const notes = [...byRun]
    .filter(([, read]) => read.length > 1)
    .map(([runId, read]) => `run ${runId} is in ${read.length} files (${read.join(', ')}): counted once, from the first`);
  return { reports, notes };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Not there, or not readable: readReport says which, naming the file.
    return false;
  }
}

// The names of a directory's *.json files (links to files too), sorted; none is refused.
function jsonFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => name.endsWith('.json'))
      .sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw bad(`cannot read the directory ${dir}: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`, (error as Error).message);
  }
  const files = names.filter((name) => {
    try {
      return statSync(join(dir, name)).isFile();
    } catch {
      return false;
    }
  });
  if (files.length === 0) throw bad(`the directory ${dir} holds no *.json file (its subdirectories are not read)`);
  return files;
}

// One report; undefined for a history file met in a directory.
function readOne(path: string, file: string, named: boolean): NightReport | undefined {
  let report: ReturnType<typeof readReport>;
  try {
    report = readReport(path, { hint: HINT });
  } catch (error) {
    const version = historyVersion(path);
    if (version === undefined) throw error;
    if (!named) return undefined;
    throw bad(`${path} is a ${version} (what shakedown history writes), not a report: give the reports it was made from`);
  }
  const problem = historyProblem(report.run);
  if (problem !== undefined) throw bad(`${path}: ${problem}`);
  return { file, path, run: report.run, results: report.results };
}

// The schemaVersion of a history file, when the file is one: only a regular file is read (a FIFO
// would wait for a writer), and only one of a size readReport reads.
function historyVersion(path: string): string | undefined {
  try {
    const stat = statSync(path);
    if (!stat.isFile() || stat.size > REPORT_MAX_BYTES) return undefined;
    const version: unknown = (JSON.parse(readFileSync(path, 'utf8')) as { schemaVersion?: unknown } | null)?.schemaVersion;
    return typeof version === 'string' && version.startsWith(HISTORY_VERSION_PREFIX) ? version : undefined;
  } catch {
    return undefined;
  }
}

// What readReport leaves unchecked and a history relies on: the times that order the nights.
function historyProblem(run: RunInfo): string | undefined {
  if (!isTime(run.startedAt)) return `run.startedAt must be a date and time (ISO 8601, as shakedown writes it), got ${JSON.stringify(run.startedAt)}`;
  if (run.finishedAt !== null && !isTime(run.finishedAt))
    return `run.finishedAt must be a date and time (ISO 8601) or null, got ${JSON.stringify(run.finishedAt)}`;
  return undefined;
}
