import { ShakedownError } from '../helpers/errors.ts';
import type { CheckResult, RunInfo } from '../helpers/result.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { STDOUT } from './report-path.ts';
import type { OutputStream, Reporter } from './reporter.ts';

// The part JUnit, JSON and HTML share: collect the run, write the file at
// onRunEnd, and also at onSetupError and on flush(), because after a setup
// error or a crash onRunEnd may never come and CI must still find a report.
// How it is written (atomically, through links, straight to a device) is
// atomic-write.ts's. A report to `-` (standard output) is written once, whole:
// at onRunEnd, or at flush when the run never ends, never at onSetupError, so
// stdout carries one document.

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
  // A file, a device, or - (STDOUT): then the report is written once to `stdout`.
  path: string;
  stdout?: OutputStream;
  now?: () => Date;
}

export function createFileReporter(options: FileReporterOptions, render: (snapshot: ReportSnapshot) => string): FileReporter {
  const now = options.now ?? (() => new Date());
  let run: RunInfo | undefined;
  let results: CheckResult[] = [];
  const setupErrors: ShakedownError[] = [];
  let complete = false;
  let writes: Promise<void> = Promise.resolve();
  const once = options.path === STDOUT;
  let sent = false;

  // Writes are chained so a slow earlier snapshot can never land after a later one.
  async function write(): Promise<void> {
    if (run === undefined) {
      throw new ShakedownError('SD_INTERNAL', `nothing to write to ${options.path}: no hook has told the reporter about the run`);
    }
    if (once && sent) return;
    sent = true;
    const text = render({ run, results: [...results], setupErrors: [...setupErrors], complete, writtenAt: now() });
    const written = writes.then(() => writeFileAtomic(options.path, text, options.stdout));
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
      // To standard output the report waits for flush, which follows.
      return once ? undefined : write();
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
