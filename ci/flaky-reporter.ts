// A vitest reporter for CI's cluster tests, which may retry once: a test that passed only on its
// retry is flaky, and flakiness against a real cluster is a finding to fix, not to hide. Each one is
// appended to $SHAKEDOWN_FLAKY_FILE with the error of the attempt that failed, and CI prints the
// list before its closing line.
import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase } from 'vitest/node';

interface TestErrorLike {
  message?: string;
  stack?: string;
}

export function flakyLine(file: string, name: string, retries: number, errors: readonly TestErrorLike[]): string {
  const first = errors[0];
  const why = (first?.message ?? first?.stack ?? 'no error recorded').split('\n').slice(0, 6).join('\n    ');
  return `FLAKY ${file} > ${name} (passed after ${retries} retry; the failed attempt said:)\n    ${why}\n`;
}

export default class FlakyReporter implements Reporter {
  onTestCaseResult(testCase: TestCase): void {
    const diagnostic = testCase.diagnostic();
    if (!diagnostic?.flaky) return;
    // A test that passed after a retry keeps the errors of the attempts that failed.
    const line = flakyLine(testCase.module.relativeModuleId, testCase.fullName, diagnostic.retryCount, testCase.result().errors ?? []);
    process.stderr.write(line);
    const file = process.env.SHAKEDOWN_FLAKY_FILE;
    if (file) appendFileSync(file, line);
  }
}
