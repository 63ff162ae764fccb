// Adds up vitest JSON reports into the one closing line CI tools read: "N passed, N failed, N skipped";
// and, when a step failed, names each failed test with the first lines of its error, so the end of a
// long CI log (the part that is kept) says what broke, after the cluster's logs.
import { readFileSync } from 'node:fs';

interface AssertionResult {
  fullName?: string;
  title?: string;
  status: string;
  failureMessages?: string[];
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults?: { name: string; status?: string; message?: string; assertionResults?: AssertionResult[] }[];
}

export function summarize(reports: VitestJson[]): string {
  const sum = (k: 'numPassedTests' | 'numFailedTests' | 'numPendingTests' | 'numTodoTests'): number => reports.reduce((n, r) => n + (r[k] ?? 0), 0);
  return `${sum('numPassedTests')} passed, ${sum('numFailedTests')} failed, ${sum('numPendingTests') + sum('numTodoTests')} skipped`;
}

/** One block per failed test (or per file that failed outside a test, e.g. in a hook), `lines` lines of error each. */
export function failures(reports: VitestJson[], lines = 12): string[] {
  const out: string[] = [];
  for (const r of reports) {
    for (const file of r.testResults ?? []) {
      const failed = (file.assertionResults ?? []).filter((a) => a.status === 'failed');
      for (const a of failed) {
        const message = (a.failureMessages ?? []).join('\n').split('\n').slice(0, lines).join('\n');
        out.push(`FAILED ${file.name} > ${a.fullName ?? a.title ?? '?'}\n${indent(message)}`);
      }
      if (failed.length === 0 && file.status === 'failed')
        out.push(`FAILED ${file.name}\n${indent((file.message ?? '').split('\n').slice(0, lines).join('\n'))}`);
    }
  }
  return out;
}

const indent = (s: string): string =>
  s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

if (import.meta.main) {
  const failuresOnly = process.argv[2] === '--failures';
  const files = process.argv.slice(failuresOnly ? 3 : 2);
  const reports: VitestJson[] = [];
  for (const f of files) {
    try {
      reports.push(JSON.parse(readFileSync(f, 'utf8')) as VitestJson);
    } catch {
      // A step that died before writing its report has none; the others still count.
    }
  }
  if (failuresOnly) {
    const list = failures(reports);
    console.log(list.length ? list.join('\n') : 'no vitest report names a failed test (the failure was in a step outside vitest: see above)');
  } else console.log(`ci: ${summarize(reports)}`);
}
