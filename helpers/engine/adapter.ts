// A vitest reporter that speaks our Reporter: suite and check events go to the multiplexer as
// CheckResults, the one result shape the check built in its worker (to-result.ts names it). A suite file that fails to load, a failing suite hook and an error outside any
// check each become a failed result too, so nothing that went wrong is silent.
import type { TestAnnotation } from 'vitest';
import type { Reporter as VitestReporter, SerializedError, TestCase, TestModule } from 'vitest/node';
import type { ProgressEvent } from '../reporter.ts';
import type { CheckResult } from '../result.ts';
import { classifyError } from './classify.ts';
import { fromTestCase, suiteOfModule, toCheckResult } from './to-result.ts';

export interface ResultSink {
  onSuiteStart(suite: string): Promise<void>;
  onCheckStart(suite: string, check: string): Promise<void>;
  onCheckEnd(result: CheckResult): Promise<void>;
  // Facts a check recorded about the cluster, for the run's report properties.
  onProperties?(properties: Record<string, string>): void;
  // A running check's log line, as it happens (the run's live display).
  onProgress?(event: ProgressEvent): Promise<void>;
}

// The annotation type check.ts streams log lines with.
const LOG_ANNOTATION = 'shakedown.log';

export interface HeldSink extends ResultSink {
  // Lets the held events through, in order, and every later one at once.
  release(): Promise<void>;
  // Drops the held events and every later one: the suites' outcome is not the run's (setup failed).
  discard(): void;
}

// The suite workers start while the engine still sets the cluster up (vitest-runner.ts): what they
// report meanwhile (a suite starting, a suite file that cannot load) is held until the suites get
// their run context, and never reported when they do not.
export function holdEvents(sink: ResultSink): HeldSink {
  let held: (() => Promise<void>)[] | undefined = [];
  let dropped = false;
  const pass = (send: () => Promise<void>): Promise<void> => {
    if (dropped) return Promise.resolve();
    if (held !== undefined) {
      held.push(send);
      return Promise.resolve();
    }
    return send();
  };
  return {
    onSuiteStart: (suite) => pass(() => sink.onSuiteStart(suite)),
    onCheckStart: (suite, check) => pass(() => sink.onCheckStart(suite, check)),
    onCheckEnd: (result) => pass(() => sink.onCheckEnd(result)),
    onProperties: (properties) => void pass(async () => sink.onProperties?.(properties)),
    onProgress: (event) => pass(async () => sink.onProgress?.(event)),
    async release() {
      // Events that arrive while the held ones are sent queue behind them.
      for (let send = held?.shift(); send !== undefined; send = held?.shift()) if (!dropped) await send();
      held = undefined;
    },
    discard() {
      dropped = true;
      held = undefined;
    },
  };
}

export interface VitestAdapter extends VitestReporter {
  readonly results: readonly CheckResult[];
}

export function createVitestAdapter(sink: ResultSink): VitestAdapter {
  const results: CheckResult[] = [];
  const started = new Set<string>();

  async function end(result: CheckResult): Promise<void> {
    results.push(result);
    await sink.onCheckEnd(result);
  }

  return {
    results,
    async onTestModuleStart(module: TestModule) {
      const suite = suiteOfModule(module.moduleId);
      if (started.has(suite)) return;
      started.add(suite);
      await sink.onSuiteStart(suite);
    },
    async onTestCaseReady(testCase: TestCase) {
      const reported = fromTestCase(testCase);
      await sink.onCheckStart(reported.suite, reported.path.join(' › '));
    },
    async onTestCaseAnnotate(testCase: TestCase, annotation: TestAnnotation) {
      if (annotation.type !== LOG_ANNOTATION || sink.onProgress === undefined) return;
      const reported = fromTestCase(testCase);
      await sink.onProgress({ suite: reported.suite, check: reported.path.join(' › '), line: annotation.message });
    },
    async onTestCaseResult(testCase: TestCase) {
      const reported = fromTestCase(testCase);
      if (reported.meta?.properties !== undefined) sink.onProperties?.(reported.meta.properties);
      await end(toCheckResult(reported));
    },
    async onTestModuleEnd(module: TestModule) {
      const suite = suiteOfModule(module.moduleId);
      const errors = module.errors();
      if (errors.length === 0) return;
      if (!started.has(suite)) {
        started.add(suite);
        await sink.onSuiteStart(suite);
      }
      const loaded = module.state() !== 'failed' || [...module.children.allTests()].length > 0;
      await end(errorResult(suite, loaded ? 'suite hooks' : 'suite loads', errors));
    },
    async onTestRunEnd(_modules, unhandledErrors: ReadonlyArray<SerializedError>) {
      if (unhandledErrors.length > 0) await end(errorResult('shakedown', 'no error outside the checks', unhandledErrors));
    },
  };
}

function errorResult(suite: string, check: string, errors: ReadonlyArray<SerializedError>): CheckResult {
  const [first] = errors;
  const classified = classifyError(first ?? new Error('unknown error'));
  return {
    suite,
    check,
    status: 'fail',
    durationMs: 0,
    ...classified,
    // Node imports suite files with vitest's cache-busting query (?vitest=<n>): not part of the path a person opens.
    evidence: errors.map((error, index) => ({
      label: `error ${index + 1}`,
      text: (error.stack ?? error.message ?? String(error)).replace(/\?vitest=\d+/g, ''),
    })),
    likelyCause: classified.likelyCause ?? 'a bug in the suite or in shakedown, not a finding about the cluster',
  };
}
