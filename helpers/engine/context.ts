// The run context inside a suite worker, read with vitest's inject.
import { inject } from 'vitest';
import { CONTEXT_KEY, type RunContext } from './run-context.ts';

export type { RunContext } from './run-context.ts';

// A clear error when a suite is run outside `shakedown run`.
export function runContext(): RunContext {
  const context = inject(CONTEXT_KEY);
  if (context === undefined || typeof context !== 'object' || typeof context.runId !== 'string') {
    throw new Error('no shakedown run context: suites run under `shakedown run`, not under a bare vitest');
  }
  return context;
}
