// Names a finished test's CheckResult. The check built and classified its outcome in its worker
// (check.ts); this adds what vitest knows (suite, title, duration). Only when the worker recorded
// no outcome (vitest's own timeout, a check that never ran its body) is the result built here,
// from vitest's errors, through the same classifyError. A skip always carries a reason.
import type { TestCase, TestModule } from 'vitest/node';
import { basename } from 'node:path';
import type { CheckResult } from '../result.ts';
import { classifyError, firstLine } from './classify.ts';
import type { CheckMeta } from './meta.ts';

export const SUITE_FILE_SUFFIX = '.suite.ts';

// What vitest says about a finished test (its input, not a result shape).
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
  // Epoch milliseconds when the test began, when vitest ran it.
  startTime?: number;
}

export function suiteOfModule(moduleId: string): string {
  const name = basename(moduleId);
  return name.endsWith(SUITE_FILE_SUFFIX) ? name.slice(0, -SUITE_FILE_SUFFIX.length) : name;
}

export function checkTitle(path: readonly string[]): string {
  return path.join(' › ');
}

export function toCheckResult(reported: ReportedCase): CheckResult {
  const named = {
    suite: reported.suite,
    check: checkTitle(reported.path),
    durationMs: Math.max(0, Math.round(reported.durationMs)),
    ...(reported.startTime === undefined || !(reported.startTime > 0) ? {} : { startedAt: new Date(reported.startTime).toISOString() }),
  };
  const outcome = reported.meta?.outcome;
  // The worker's outcome stands unless vitest failed the test after the body ended well (a hook, a timeout).
  if (outcome !== undefined && !(reported.state === 'failed' && (outcome.status === 'pass' || outcome.status === 'skip'))) return { ...named, ...outcome };
  const kept = { evidence: outcome?.evidence ?? [], ...(outcome?.log === undefined ? {} : { log: outcome.log }) };
  switch (reported.state) {
    case 'passed':
      return { ...named, ...kept, status: 'pass', message: reported.meta?.description ?? 'passed' };
    case 'skipped':
    case 'pending': {
      const skipReason = nonEmpty(reported.skipNote) ?? (reported.mode === 'todo' ? 'not implemented yet' : 'skipped without a reason (a bug in the suite)');
      return { ...named, ...kept, status: 'skip', message: `skipped: ${skipReason}`, skipReason };
    }
    case 'failed': {
      const [first, ...further] = reported.errors;
      const classified = first === undefined ? { classification: 'error' as const, message: firstLine(undefined) } : classifyError(first);
      return {
        ...named,
        ...kept,
        status: 'fail',
        ...classified,
        evidence: [...kept.evidence, ...(further.length > 0 ? [{ label: 'further errors', text: further.map((e) => e.message).join('\n') }] : [])],
      };
    }
  }
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
    ...(testCase.diagnostic()?.startTime === undefined ? {} : { startTime: testCase.diagnostic()?.startTime }),
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
