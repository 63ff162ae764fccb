import { describe, expect, it } from 'vitest';
import { ShakedownError } from '../helpers/errors.ts';
import { summarize } from '../helpers/result.ts';
import { createMultiplexer, type ReporterFailure } from './multiplexer.ts';
import type { Reporter } from './reporter.ts';
import { failed, passed, runInfo } from './testing/fixtures.ts';

function recorder(calls: string[], name: string): Required<Reporter> {
  return {
    onPlan: (plan) => void calls.push(`${name}.onPlan ${plan.profile}`),
    onRunStart: (run) => void calls.push(`${name}.onRunStart ${run.runId}`),
    onSuiteStart: (suite) => void calls.push(`${name}.onSuiteStart ${suite}`),
    onCheckStart: (suite, check) => void calls.push(`${name}.onCheckStart ${suite}/${check}`),
    onCheckEnd: (result) => void calls.push(`${name}.onCheckEnd ${result.check} ${result.status}`),
    onProgress: (event) => void calls.push(`${name}.onProgress ${event.line}`),
    onSetupError: (error) => void calls.push(`${name}.onSetupError ${error.code}`),
    onRunEnd: async (_run, results, summary) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      calls.push(`${name}.onRunEnd ${results.length} ${summary.failed}`);
    },
    flush: () => void calls.push(`${name}.flush`),
  };
}

async function driveRun(reporter: Reporter): Promise<void> {
  const run = runInfo();
  const results = [passed('dns', 'resolves'), failed('dns', 'search path')];
  await reporter.onRunStart?.(run);
  await reporter.onSuiteStart?.('dns');
  for (const result of results) {
    await reporter.onCheckStart?.(result.suite, result.check);
    await reporter.onCheckEnd?.(result);
  }
  await reporter.onSetupError?.(new ShakedownError('SD_SETUP_FAILED', 'late fixture failed'), run);
  await reporter.onRunEnd?.(run, results, summarize(results));
}

describe('createMultiplexer', () => {
  it('forwards every hook with its arguments to every reporter and awaits async hooks', async () => {
    const calls: string[] = [];
    await driveRun(createMultiplexer({ a: recorder(calls, 'a'), b: recorder(calls, 'b') }, () => {}));
    const expected = [
      'onRunStart sd-20250101-abcd',
      'onSuiteStart dns',
      'onCheckStart dns/resolves',
      'onCheckEnd resolves pass',
      'onCheckStart dns/search path',
      'onCheckEnd search path fail',
      'onSetupError SD_SETUP_FAILED',
      'onRunEnd 2 1',
    ];
    expect(calls.filter((call) => call.startsWith('a.'))).toEqual(expected.map((call) => `a.${call}`));
    expect(calls.filter((call) => call.startsWith('b.'))).toEqual(expected.map((call) => `b.${call}`));
  });

  it('keeps the run and the other reporters going when one throws or rejects, and surfaces the failure', async () => {
    const calls: string[] = [];
    const surfaced: ReporterFailure[] = [];
    const cause = new Error('disk full');
    const broken: Reporter = {
      onRunStart: () => {
        throw cause;
      },
      onRunEnd: () => Promise.reject(new Error('cannot render')),
    };
    const multiplexer = createMultiplexer({ broken, good: recorder(calls, 'good') }, (failure) => surfaced.push(failure));

    await expect(driveRun(multiplexer)).resolves.toBeUndefined();

    expect(calls).toHaveLength(8);
    expect(calls.at(-1)).toBe('good.onRunEnd 2 1');
    expect(surfaced.map(({ reporter, hook }) => `${reporter}.${hook}`)).toEqual(['broken.onRunStart', 'broken.onRunEnd']);
    const first = surfaced[0];
    expect(first?.error).toBeInstanceOf(ShakedownError);
    expect(first?.error.code).toBe('SD_REPORTER_FAILED');
    expect(first?.error.message).toBe('reporter broken failed in onRunStart: disk full');
    expect(first?.error.cause).toBe(cause);
    expect(multiplexer.failures).toEqual(surfaced);
  });

  it('surfaces a repeated failure of one reporter in one hook once, and counts it', async () => {
    const surfaced: ReporterFailure[] = [];
    const flaky: Reporter = {
      onCheckEnd: (result) => {
        throw new Error(`cannot print ${result.check}`);
      },
    };
    const multiplexer = createMultiplexer({ flaky }, (failure) => surfaced.push(failure));
    await multiplexer.onCheckEnd(passed('dns', 'one'));
    await multiplexer.onCheckEnd(passed('dns', 'two'));
    await multiplexer.onCheckEnd(passed('dns', 'three'));

    expect(surfaced).toHaveLength(1);
    expect(surfaced[0]?.error.message).toBe('reporter flaky failed in onCheckEnd: cannot print one');
    expect(multiplexer.failures).toMatchObject([{ reporter: 'flaky', hook: 'onCheckEnd', occurrences: 3 }]);
  });

  it('fans flush out to the reporters that have it and contains a failing one', async () => {
    const calls: string[] = [];
    const surfaced: ReporterFailure[] = [];
    const broken: Reporter = { flush: () => Promise.reject(new Error('read-only file system')) };
    const silent: Reporter = {};
    await createMultiplexer({ broken, silent, good: recorder(calls, 'good') }, (failure) => surfaced.push(failure)).flush();
    expect(calls).toEqual(['good.flush']);
    expect(surfaced.map(({ reporter, hook }) => `${reporter}.${hook}`)).toEqual(['broken.flush']);
  });

  it("keeps the hint of a reporter's own ShakedownError", async () => {
    const surfaced: ReporterFailure[] = [];
    const writeFailure = new ShakedownError('SD_REPORT_WRITE_FAILED', 'cannot write out/junit.xml');
    const junit: Reporter = { onRunEnd: () => Promise.reject(writeFailure) };
    await createMultiplexer({ junit }, (failure) => surfaced.push(failure)).onRunEnd(runInfo(), [], summarize([]));
    expect(surfaced[0]?.error.hint).toBe(writeFailure.hint);
    expect(surfaced[0]?.error.cause).toBe(writeFailure);
  });
});
