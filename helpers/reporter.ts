// What the engine tells reporters, and the stream it writes progress to. The engine receives one
// Reporter (the multiplexer the CLI composed in reports/) and never imports reports/ itself; this
// module imports only the shared result and error types.
import type { ShakedownError } from './errors.ts';
import type { CheckResult, RunInfo, Summary } from './result.ts';

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  // A terminal's width and height, when it is one.
  columns?: number;
  rows?: number;
}

// What the run will do, said before it starts: the profile and, per suite in run order, the titles
// of the checks that will run.
export interface RunPlan {
  profile: string;
  suites: { suite: string; checks: readonly string[] }[];
}

// What the run is doing or waiting for right now: a step of setup or teardown (no suite), or the
// latest log line of a running check.
export interface ProgressEvent {
  line: string;
  suite?: string;
  check?: string;
}

// A reporter is an object of optional hooks; the engine calls them through the multiplexer, which
// awaits them and contains their failures.
//
// Order: onPlan first, onRunStart once the cluster is known, then per suite onSuiteStart and per check
// onCheckStart/onCheckEnd, then onRunEnd. onSetupError may come at any point, even before
// onRunStart, so it carries the run as far as it is known; after it, onRunEnd may never come, and
// the engine calls flush so file reports are written with what is known.
export interface Reporter {
  onPlan?(plan: RunPlan): void | Promise<void>;
  onRunStart?(run: RunInfo): void | Promise<void>;
  onSuiteStart?(suite: string): void | Promise<void>;
  onCheckStart?(suite: string, check: string): void | Promise<void>;
  onCheckEnd?(result: CheckResult): void | Promise<void>;
  // Any time while the run lives; for a live display, never a result.
  onProgress?(event: ProgressEvent): void | Promise<void>;
  onSetupError?(error: ShakedownError, run: RunInfo): void | Promise<void>;
  onRunEnd?(run: RunInfo, results: readonly CheckResult[], summary: Summary): void | Promise<void>;
  // Writes what is known so far (the crash and interrupt paths).
  flush?(): void | Promise<void>;
}

export type ReporterHook = keyof Reporter;
