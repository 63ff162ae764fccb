// Adds up vitest JSON reports into the one closing line CI tools read: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
}

export function summarize(reports: VitestJson[]): string {
  const sum = (k: keyof VitestJson): number => reports.reduce((n, r) => n + (r[k] ?? 0), 0);
  return `${sum('numPassedTests')} passed, ${sum('numFailedTests')} failed, ${sum('numPendingTests') + sum('numTodoTests')} skipped`;
}

if (import.meta.main) {
  const reports = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')) as VitestJson);
  console.log(`ci: ${summarize(reports)}`);
}
