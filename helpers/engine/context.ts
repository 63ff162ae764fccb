// The run context inside a suite worker, read with vitest's inject.
import { inject } from 'vitest';
import { CONTEXT_KEY, type RunContext } from './run-context.ts';

export type { RunContext } from './run-context.ts';

// The checks the run's profile chose for a suite, read while the suite file is collected; undefined
// when every check runs (no profile, or no run context at all).
export function chosenChecks(suite: string): readonly string[] | undefined {
  const context = inject(CONTEXT_KEY) as RunContext | undefined;
  return context?.checks?.[suite];
}

// Whether the run shows each check's log lines live (false outside a run).
export function streamsLog(): boolean {
  const context = inject(CONTEXT_KEY) as RunContext | undefined;
  return context?.streamLog === true;
}

// A clear error when a suite is run outside `shakedown run`.
export function runContext(): RunContext {
  const context = inject(CONTEXT_KEY);
  if (context === undefined || typeof context !== 'object' || typeof context.runId !== 'string') {
    throw new Error('no shakedown run context: suites run under `shakedown run`, not under a bare vitest');
  }
  return context;
}
