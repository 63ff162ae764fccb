// Turns what vitest reports about a finished test into our CheckResult: the classification,
// evidence and likely cause the check recorded in its task meta, or, when it recorded none, what
// can be read from the error. A skip always carries a reason.
import type { TestCase, TestModule } from 'vitest/node';
import { basename } from 'node:path';
import type { CheckResult } from '../result.ts';
import type { CheckMeta } from './meta.ts';

export const SUITE_FILE_SUFFIX = '.suite.ts';

export interface ReportedCase {
  suite: string;
  // Enclosing groups below the suite's own top-level group, outermost first, then the test.
  path: string[];
  state: 'passed' | 'failed' | 'skipped' | 'pending';
  meta: CheckMeta | undefined;
  errors: { name?: string; message: string }[];
  skipNote?: string;
  mode?: string;
  durationMs: number;
}

export function suiteOfModule(moduleId: string): string {
  const name = basename(moduleId);
  return name.endsWith(SUITE_FILE_SUFFIX) ? name.slice(0, -SUITE_FILE_SUFFIX.length) : name;
}

export function checkTitle(path: readonly string[]): string {
  return path.join(' › ');
}

export function toCheckResult(reported: ReportedCase): CheckResult {
  const meta = reported.meta ?? {};
  const base = {
    suite: reported.suite,
    check: checkTitle(reported.path),
    durationMs: Math.max(0, Math.round(reported.durationMs)),
    evidence: meta.evidence ?? [],
    ...(meta.likelyCause === undefined ? {} : { likelyCause: meta.likelyCause }),
    ...(meta.reproduce === undefined ? {} : { reproduce: meta.reproduce }),
    ...(meta.origin === undefined ? {} : { origin: meta.origin }),
    ...(meta.log === undefined || meta.log.length === 0 ? {} : { log: meta.log }),
  };
  switch (reported.state) {
    case 'passed':
      return { ...base, status: 'pass', message: meta.message ?? meta.description ?? 'passed' };
    case 'skipped':
    case 'pending': {
      const skipReason = meta.skipReason ?? nonEmpty(reported.skipNote) ?? (reported.mode === 'todo' ? 'not implemented yet' : 'skipped without a reason (a bug in the suite)');
      return { ...base, status: 'skip', message: `skipped: ${skipReason}`, skipReason };
    }
    case 'failed': {
      const [first] = reported.errors;
      const timedOut = first !== undefined && /timed out in \d+ms/i.test(first.message);
      if (meta.classification !== undefined) {
        return { ...base, status: 'fail', classification: meta.classification, message: meta.message ?? firstLine(first?.message) };
      }
      if (timedOut) {
        return {
          ...base,
          status: 'fail',
          classification: 'timeout',
          message: `the check did not finish in time (${firstLine(first?.message)})`,
          likelyCause: base.likelyCause ?? 'a probe or an API call hung; the log shows the last step reached',
        };
      }
      return {
        ...base,
        status: 'fail',
        classification: first?.name === 'AssertionError' ? 'mismatch' : 'error',
        message: firstLine(first?.message),
        evidence: [...base.evidence, ...(reported.errors.length > 1 ? [{ label: 'further errors', text: reported.errors.slice(1).map((e) => e.message).join('\n') }] : [])],
      };
    }
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? 'failed without an error').split('\n', 1)[0] ?? '';
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

// The groups and name of a test below the suite's own top-level group (defineSuite's describe).
export function titlePath(testCase: TestCase): string[] {
  const path: string[] = [testCase.name];
  for (let parent = testCase.parent; parent.type === 'suite' && parent.parent.type === 'suite'; parent = parent.parent) path.unshift(parent.name);
  return path;
}

// Reads a vitest TestCase into a ReportedCase.
export function fromTestCase(testCase: TestCase): ReportedCase {
  const path = titlePath(testCase);
  const result = testCase.result();
  return {
    suite: suiteOfModule(testCase.module.moduleId),
    path,
    state: result.state,
    meta: testCase.meta().shakedown,
    errors: (result.errors ?? []).map((error) => ({ ...(error.name === undefined ? {} : { name: error.name }), message: error.message ?? String(error) })),
    ...(result.state === 'skipped' && result.note !== undefined ? { skipNote: result.note } : {}),
    mode: testCase.options.mode,
    durationMs: testCase.diagnostic()?.duration ?? 0,
  };
}

export function suiteDescriptionOf(module: TestModule): string | undefined {
  for (const child of module.children) {
    if (child.type === 'suite') {
      const description = child.meta().shakedown?.suiteDescription;
      if (description !== undefined) return description;
    }
  }
  return undefined;
}
