// What a check records on its vitest task (task.meta.shakedown): the worker writes it, the engine's
// adapter reads it back. Serializable only. `outcome` is the check's CheckResult, already
// classified in the worker; the adapter only adds what vitest knows (suite, title, duration).
import type { CheckResult } from '../result.ts';

// A CheckResult before the engine names it: every field the check itself decides.
export type CheckOutcome = CheckResult extends infer R ? (R extends CheckResult ? Omit<R, 'suite' | 'check' | 'durationMs'> : never) : never;

export interface CheckMeta {
  // Set when the check is defined; `shakedown list` shows it.
  description?: string;
  // Set on the suite's top-level group.
  suiteDescription?: string;
  // Set when the check ends (pass, warn, fail or skip), in the worker.
  outcome?: CheckOutcome;
  // Facts about the cluster the check learned (e.g. its network plugin), for the run's report
  // properties: JUnit <properties> and the JSON report's run.properties.
  properties?: Record<string, string>;
}

declare module 'vitest' {
  interface TaskMeta {
    shakedown?: CheckMeta;
  }
}
