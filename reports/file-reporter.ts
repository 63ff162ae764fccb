import { ShakedownError } from '../helpers/errors.ts';
import type { CheckResult, RunInfo } from '../helpers/result.ts';
import { writeFileAtomic } from './atomic-write.ts';
import type { Reporter } from './reporter.ts';

// The part JUnit and JSON share: collect the run, write the file atomically at
// onRunEnd, and also at onSetupError and on flush(), because after a setup
// error or a crash onRunEnd may never come and CI must still find a report.

export interface ReportSnapshot {
  run: RunInfo;
  results: readonly CheckResult[];
  setupErrors: readonly ShakedownError[];
  // False when written before onRunEnd: the results are partial.
  complete: boolean;
  writtenAt: Date;
}

export interface FileReporter extends Reporter {
  // Writes what is known so far; the engine calls it from its crash path.
  flush(): Promise<void>;
}

export interface FileReporterOptions {
  path: string;
  now?: () => Date;
}

export function createFileReporter(options: FileReporterOptions, render: (snapshot: ReportSnapshot) => string): FileReporter {
  const now = options.now ?? (() => new Date());
  let run: RunInfo | undefined;
  let results: CheckResult[] = [];
  const setupErrors: ShakedownError[] = [];
  let complete = false;
  let writes: Promise<void> = Promise.resolve();

  // Writes are chained so a slow earlier snapshot can never land after a later one.
  async function write(): Promise<void> {
    if (run === undefined) {
      throw new ShakedownError('SD_INTERNAL', `nothing to write to ${options.path}: no hook has told the reporter about the run`);
    }
    const text = render({ run, results: [...results], setupErrors: [...setupErrors], complete, writtenAt: now() });
    const written = writes.then(() => writeFileAtomic(options.path, text));
    // The caller gets this write's failure; the chain only needs to go on.
    writes = written.catch(() => undefined);
    return written;
  }

  return {
    onRunStart(started) {
      run = started;
    },
    onCheckEnd(result) {
      results.push(result);
    },
    onSetupError(error, known) {
      run = known;
      setupErrors.push(error);
      return write();
    },
    onRunEnd(finished, all) {
      run = finished;
      results = [...all];
      complete = true;
      return write();
    },
    flush: write,
  };
}
