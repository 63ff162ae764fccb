// The run context inside a suite worker. What is known before setup (the profile's checks, the
// rate budget) comes with vitest's inject when the worker starts; the rest arrives through the
// mailbox once the engine has set the cluster up (awaitRunContext, before each suite's first check).
import { inject } from 'vitest';
import { receive } from './mailbox.ts';
import { CONTEXT_KEY, type ProvidedRun, type RunContext } from './run-context.ts';

export type { RunContext } from './run-context.ts';

const NO_CONTEXT = 'no shakedown run context: suites run under `shakedown run`, not under a bare vitest';

function provided(): ProvidedRun | undefined {
  const early = inject(CONTEXT_KEY) as ProvidedRun | undefined;
  return early !== undefined && typeof early === 'object' ? early : undefined;
}

// The checks the run's profile chose for a suite, read while the suite file is collected; undefined
// when every check runs (no profile, or no run context at all).
export function chosenChecks(suite: string): readonly string[] | undefined {
  return provided()?.checks?.[suite];
}

// Whether the run shows each check's log lines live (false outside a run).
export function streamsLog(): boolean {
  return provided()?.streamLog === true;
}

let delivered: RunContext | undefined;

// Waits until the engine has set the cluster up and posted the run context; throws the engine's
// reason when the suites will not run.
export async function awaitRunContext(): Promise<RunContext> {
  if (delivered !== undefined) return delivered;
  const early = provided();
  if (early?.mailbox === undefined) throw new Error(NO_CONTEXT);
  const rest = await receive<Omit<RunContext, 'rate'>>(early.mailbox);
  delivered = { ...rest, rate: early.rate };
  return delivered;
}

// The run context, once delivered (inside a check); a clear error outside a run.
export function runContext(): RunContext {
  if (delivered === undefined) throw new Error(NO_CONTEXT);
  return delivered;
}
