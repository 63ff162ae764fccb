// Validates shakedown's JSON reports, and the histories of shakedown history --json, against their
// schema in reports/schema/ (by the file's own schemaVersion), with the dependency-free validator
// the tests use; .ci/run runs it on every JSON report CI makes. Prints each problem as
// "FILE: $.path: problem"; exit 1 when any, 0 otherwise.
//   node reports/testing/validate-report.ts REPORT.json...
import { readFileSync } from 'node:fs';
import { validate } from './json-schema.ts';

const SCHEMAS: Record<string, string> = {
  'shakedown.report/v1': 'report-v1.schema.json',
  'shakedown.report/v2': 'report-v2.schema.json',
  'shakedown.history/v1': 'history-v1.schema.json',
};

function schema(file: string): unknown {
  return JSON.parse(readFileSync(new URL(`../schema/${file}`, import.meta.url), 'utf8'));
}

// The problems with one report's text, one line each; empty when it is valid.
export function reportProblems(text: string): string[] {
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (error) {
    return [`not JSON: ${(error as Error).message}`];
  }
  const version = typeof report === 'object' && report !== null ? (report as { schemaVersion?: unknown }).schemaVersion : undefined;
  const file = typeof version === 'string' ? SCHEMAS[version] : undefined;
  if (file === undefined) return [`$.schemaVersion: ${JSON.stringify(version)} is none of ${Object.keys(SCHEMAS).join(', ')}`];
  return validate(schema(file), report);
}

if (import.meta.main) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    console.error('usage: node reports/testing/validate-report.ts REPORT.json...');
    process.exitCode = 2;
  }
  for (const file of files) {
    const problems = reportProblems(readFileSync(file, 'utf8'));
    for (const problem of problems) console.error(`${file}: ${problem}`);
    if (problems.length > 0) process.exitCode = 1;
    else console.log(`${file}: valid against its schema`);
  }
}
