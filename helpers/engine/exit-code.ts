// Our exit code: 0 no check failed (skips and warnings allowed: a warning never changes it), 1 at
// least one check failed, 2 the run could not happen (bad flags or kubeconfig, API unreachable,
// missing permissions, setup failed, interrupted). A finding that is an error (couldNotRun false) does not make it 2.
import type { ShakedownError } from '../errors.ts';
import type { Summary } from '../result.ts';

export type ExitCode = 0 | 1 | 2;

export function exitCodeFor(summary: Summary, error: ShakedownError | undefined): ExitCode {
  if (error !== undefined && error.couldNotRun) return 2;
  return summary.failed > 0 ? 1 : 0;
}
