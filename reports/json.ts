import type { ErrorCode } from '../helpers/errors.ts';
import { summarize, type CheckResult, type RunInfo, type Summary } from '../helpers/result.ts';
import { createFileReporter, type FileReporter, type FileReporterOptions, type ReportSnapshot } from './file-reporter.ts';

// The machine-readable report. Its shape is versioned and documented by
// reports/schema/report-v1.schema.json; a breaking change means a new version.

export const SCHEMA_VERSION = 'shakedown.report/v1';

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
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}
