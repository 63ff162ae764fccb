// What a check records on its vitest task (task.meta.shakedown): the worker writes it, the engine's
// reporter reads it back to build the CheckResult. Serializable only.
import type { Classification, Evidence, Origin } from '../result.ts';

export interface CheckMeta {
  // Set when the check is defined; `shakedown list` shows it.
  description?: string;
  // Set on the suite's top-level group.
  suiteDescription?: string;
  // Set while the check runs.
  message?: string;
  classification?: Classification;
  evidence?: Evidence[];
  likelyCause?: string;
  reproduce?: string;
  origin?: Origin;
  log?: string[];
  skipReason?: string;
  // Facts about the cluster the check learned (e.g. its network plugin), for the run's report
  // properties: JUnit <properties> and the JSON report's run.properties.
  properties?: Record<string, string>;
}

declare module 'vitest' {
  interface TaskMeta {
    shakedown?: CheckMeta;
  }
}
