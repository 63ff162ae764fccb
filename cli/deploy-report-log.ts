// How the reports of a run inside the cluster come back: `shakedown run --report-log` writes its
// JUnit, JSON and HTML reports (to a temporary directory unless paths are given), then prints them
// at the end of its output as one block: gzip, base64 in short lines, between two marker lines.
// `shakedown deploy --wait` reads the runner pod's log (the pod log API, what `kubectl logs` uses)
// once the container has ended and unpacks the block. The runner needs no permission and no
// volume for this, the pod may end as usual, and a Job applied without --wait keeps its reports
// in its log for as long as the pod exists.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ResolvedOptions } from '../helpers/engine/manifest.ts';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import { ShakedownError } from '../helpers/errors.ts';
import type { Settings } from '../helpers/settings.ts';
import type { CliIo } from './io.ts';
import type { RunExtras } from './run.ts';

export const REPORTS_BEGIN = '=== shakedown reports: gzip, base64 (shakedown deploy --wait reads them) ===';
export const REPORTS_END = '=== end of shakedown reports ===';
const LINE = 76;

export const REPORT_KINDS = ['junit', 'json', 'html'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface PackedReports {
  // The run's exit code, as the runner returned it.
  exitCode: number;
  files: Partial<Record<ReportKind, string>>;
}

export function packReports(reports: PackedReports): string {
  const data = gzipSync(Buffer.from(JSON.stringify({ version: 1, ...reports }))).toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += LINE) lines.push(data.slice(i, i + LINE));
  return `${REPORTS_BEGIN}\n${lines.join('\n')}\n${REPORTS_END}\n`;
}

// The last complete block in a log, or undefined when there is none (the runner died before it).
export function unpackReports(log: string): PackedReports | undefined {
  const begin = log.lastIndexOf(REPORTS_BEGIN);
  if (begin < 0) return undefined;
  const end = log.indexOf(REPORTS_END, begin);
  if (end < 0) return undefined;
  const body = log.slice(begin + REPORTS_BEGIN.length, end).replace(/\s+/g, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(gunzipSync(Buffer.from(body, 'base64')).toString('utf8'));
  } catch (error) {
    throw new ShakedownError('SD_INTERNAL', `the reports in the runner's log cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const value = parsed as { version?: unknown; exitCode?: unknown; files?: Record<string, unknown> };
  if (value.version !== 1 || typeof value.exitCode !== 'number' || typeof value.files !== 'object' || value.files === null) {
    throw new ShakedownError('SD_INTERNAL', "the reports in the runner's log are not in the form this shakedown reads (another version?)");
  }
  const files: Partial<Record<ReportKind, string>> = {};
  for (const kind of REPORT_KINDS) {
    const text = value.files[kind];
    if (typeof text === 'string') files[kind] = text;
  }
  return { exitCode: value.exitCode, files };
}

// The log without the block: what a person reads.
export function withoutReports(log: string): string {
  const begin = log.indexOf(REPORTS_BEGIN);
  if (begin < 0) return log;
  const end = log.indexOf(REPORTS_END, begin);
  return end < 0 ? log.slice(0, begin) : log.slice(0, begin) + log.slice(end + REPORTS_END.length).replace(/^\n/, '');
}

// `shakedown run --report-log`: the run as usual, every report written (where asked, else to a
// temporary directory), then the block on stdout.
export async function runWithReportLog(
  io: CliIo,
  settings: Settings,
  suites: LoadedSuite[],
  options: ResolvedOptions,
  root: string,
  extras: RunExtras = {},
): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'shakedown-reports-'));
  try {
    const paths: Record<ReportKind, string> = {
      junit: settings.junit ?? join(dir, 'junit.xml'),
      json: settings.json ?? join(dir, 'report.json'),
      html: settings.html ?? join(dir, 'report.html'),
    };
    const { runCommand } = await import('./run.ts');
    const exitCode = await runCommand(io, { ...settings, ...paths }, suites, options, root, extras);
    const files: Partial<Record<ReportKind, string>> = {};
    for (const kind of REPORT_KINDS) if (existsSync(paths[kind])) files[kind] = readFileSync(paths[kind], 'utf8');
    io.stdout.write(packReports({ exitCode, files }));
    return exitCode;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
