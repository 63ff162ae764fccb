import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../reporter.ts';
import { createVitestAdapter } from './adapter.ts';
import type { RunContext } from './run-context.ts';
import { PACKAGE_ROOT } from './suites.ts';
import { createSuiteRunner } from './vitest-runner.ts';
import { rateBudget } from '../kube/throttle.ts';

// How the engine runs only a profile's checks, and streams the log lines of running checks: the toy
// suite under test/fixtures/suites/mixed through the real vitest, as a run would.
async function runMixed(context: Partial<RunContext>) {
  const started: string[] = [];
  const progress: ProgressEvent[] = [];
  const adapter = createVitestAdapter({
    onSuiteStart: async () => {},
    onCheckStart: async (_suite, check) => void started.push(check),
    onCheckEnd: async () => {},
    onProgress: async (event) => void progress.push(event),
  });
  const runner = await createSuiteRunner({
    root: PACKAGE_ROOT,
    files: ['test/fixtures/suites/mixed/mixed.suite.ts'],
    reporter: adapter,
    concurrency: 4,
    checkTimeoutMs: 10_000,
    hookTimeoutMs: 10_000,
  });
  await runner.run({ runId: 'sd-20250101-abcdef', namespace: 'sd-20250101-abcdef', rate: rateBudget(5), ...context } as RunContext);
  await runner.close();
  return { results: adapter.results, started, progress };
}

describe('a run under a profile', () => {
  it('defines only the chosen checks: the others are neither run nor reported, not even as skipped', { timeout: 60_000 }, async () => {
    const { results, started } = await runMixed({ checks: { mixed: ['fails with a classification', 'sequential › second'] } });
    expect(results.map((r) => `${r.check} ${r.status}`).sort()).toEqual(['fails with a classification fail', 'sequential › second pass']);
    expect(started.sort()).toEqual(['fails with a classification', 'sequential › second']);
  });

  it("streams a running check's log lines when asked, and only then", { timeout: 60_000 }, async () => {
    const streamed = await runMixed({ checks: { mixed: ['fails with a classification'] }, streamLog: true });
    expect(streamed.progress).toEqual([{ suite: 'mixed', check: 'fails with a classification', line: 'probing 10.0.0.1:80' }]);
    // The log is still the failure's evidence.
    expect(streamed.results[0]?.log?.[0]).toMatch(/ probing 10\.0\.0\.1:80$/);
    const quiet = await runMixed({ checks: { mixed: ['fails with a classification'] } });
    expect(quiet.progress).toEqual([]);
  });
});
