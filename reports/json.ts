import type { ErrorCode } from '../helpers/errors.ts';
import { correlate, summarize, type CheckResult, type Correlation, type RunInfo, type Summary } from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type FileReporterOptions, type ReportSnapshot } from './file-reporter.ts';

// The machine-readable report. Its shape is versioned and documented by
// reports/schema/report-v2.schema.json; a breaking change means a new version.
// v2 (over v1, whose schema stays for old reports): the warn status, summary.warned,
// and correlations (failed and warned checks that share one origin).

export const SCHEMA_VERSION = 'shakedown.report/v2';

export interface ReportedError {
  code: ErrorCode;
  message: string;
  details: string | null;
  hint: string;
}

export interface JsonReport {
  schemaVersion: typeof SCHEMA_VERSION;
  // False when written before the run ended (setup error, crash, signal): results are partial.
  complete: boolean;
  run: RunInfo;
  summary: Summary;
  // Errors that kept checks from running, such as a failed setup.
  errors: ReportedError[];
  results: CheckResult[];
  // Failed and warned checks sharing one origin, one entry per origin.
  correlations: Correlation[];
}

export function createJsonReporter(options: FileReporterOptions): FileReporter {
  return createFileReporter(options, renderJson);
}

export function renderJson(report: ReportSnapshot): string {
  const json: JsonReport = {
    schemaVersion: SCHEMA_VERSION,
    complete: report.complete,
    run: report.run,
    summary: summarize(report.results),
    errors: report.setupErrors.map(({ code, message, details, hint }) => ({ code, message, details: details ?? null, hint })),
    results: [...report.results],
    correlations: correlate(report.results),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
