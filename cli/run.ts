// `shakedown run`: finds the kubeconfig and hands the run to the engine. A report (--junit, --json)
// that could not be written makes the exit code 2: the run could not deliver what was asked of it,
// whatever the checks said (the reason, naming the file and the OS error, is on stderr).
import type { ResolvedOptions } from '../helpers/engine/manifest.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { runShakedown, type RunOutcome } from '../helpers/engine/run.ts';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import { findKubeconfig, readKube } from '../helpers/kube/kubeconfig.ts';
import { onStopSignal } from '../helpers/run/signals.ts';
import type { CheckResult } from '../helpers/result.ts';
import type { Settings } from '../helpers/settings.ts';
import type { Waiver } from '../helpers/waivers/file.ts';
import type { Multiplexer, ReporterFailure } from '../reports/multiplexer.ts';
import { consoleStream, createRunReporters } from '../reports/run-reporters.ts';
import type { CliIo } from './io.ts';

// What a run takes beside its settings, read and checked before it starts: the waivers file's entries.
export interface RunExtras {
  waivers?: readonly Waiver[];
}

export async function runCommand(
  io: CliIo,
  settings: Settings,
  suites: LoadedSuite[],
  options: ResolvedOptions,
  root: string,
  extras: RunExtras = {},
): Promise<number> {
  const { outcome, reporter } = await runWithReporters(io, settings, suites, options, root, extras);
  return failOnCode(deliveredExitCode(outcome.exitCode, reporter.failures), outcome.results, settings.failOn);
}

// The exit code with --fail-on: warn makes a warned check count like a failed one.
export function failOnCode(code: number, results: readonly CheckResult[], failOn: Settings['failOn']): number {
  if (code !== 0 || failOn !== 'warn') return code;
  return results.some((r) => r.status === 'warn') ? 1 : 0;
}

// A run as every command starts one (run, gate, run --baseline): the kubeconfig found, the
// reporters the settings ask for, and on a terminal each running check's latest log line (what it
// waits for) streamed to the live display.
export async function runWithReporters(
  io: CliIo,
  settings: Settings,
  suites: LoadedSuite[],
  options: ResolvedOptions,
  root: string,
  extras: RunExtras = {},
): Promise<{ outcome: RunOutcome; reporter: Multiplexer }> {
  const found = findKubeconfig({ explicit: settings.kubeconfig, env: io.env, home: io.home, inCluster: settings.inCluster });
  // Read and checked before the run starts: a kubeconfig that cannot be used is bad input, said in
  // one line on stderr with no report written (a pipe is read once; its text travels in the target).
  // A Ctrl-C while it waits (a pipe nothing writes) ends the read (stopRequested) and the command.
  const listening = onStopSignal(() => undefined);
  const kubeconfig =
    found === undefined
      ? undefined
      : await readKube(found, settings.context)
          .then((loaded) => loaded.target)
          .finally(listening);
  const reporter = createRunReporters({ ...settings, stdout: io.stdout, stderr: io.stderr, env: io.env });
  // The console is on stderr when a report is on stdout (--json -).
  const streamCheckLogs = consoleStream({ ...settings, stdout: io.stdout, stderr: io.stderr }).isTTY === true && !settings.quiet;
  const outcome = await runShakedown({
    settings,
    suites,
    options,
    root,
    kubeconfig,
    stderr: io.stderr,
    reporter,
    streamCheckLogs,
    ...(extras.waivers === undefined ? {} : { waivers: extras.waivers }),
  });
  return { outcome, reporter };
}

export const UNDELIVERED_EXIT_CODE = 2;

// The run's exit code, or 2 when a report file could not be written (the reporter's failure, or
// what caused it).
export function deliveredExitCode(code: number, failures: readonly ReporterFailure[]): number {
  const writeFailed = (error: unknown): boolean => error instanceof ShakedownError && (error.code === 'SD_REPORT_WRITE_FAILED' || writeFailed(error.cause));
  return failures.some((failure) => writeFailed(failure.error)) ? Math.max(code, UNDELIVERED_EXIT_CODE) : code;
}
