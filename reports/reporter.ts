// The Reporter contract lives beside the result model in helpers/, where the engine reads it
// without importing reports/; reporters import it from here.
export type { OutputStream, ProgressEvent, Reporter, ReporterHook, RunPlan } from '../helpers/reporter.ts';
