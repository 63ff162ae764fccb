// The run's reporters, composed by the CLI and handed to the engine as one Reporter: the console
// always, JUnit, JSON and HTML when asked for, and any further observers (a benchmark's stopwatch, a
// test's recorder), behind the multiplexer. A reporter that fails says so once on stderr; the run
// goes on. flush() writes the file reports with what is known (the crash and interrupt paths).
// A report written to `-` takes standard output for itself: the console (and its live progress)
// then goes to stderr, so stdout carries exactly that one document.
import { formatError } from '../helpers/errors.ts';
import type { Env } from './color.ts';
import { createConsoleReporter } from './console.ts';
import { createGitHubReporter } from './github.ts';
import { createHtmlReporter } from './html.ts';
import { createJsonReporter } from './json.ts';
import { createJUnitReporter } from './junit.ts';
import { createMultiplexer, type Multiplexer } from './multiplexer.ts';
import { STDOUT } from './report-path.ts';
import type { OutputStream, Reporter } from './reporter.ts';
import { createSonobuoyReporter, SONOBUOY_RESULTS_DIR } from './sonobuoy.ts';

export interface RunReporterOptions {
  junit: string | undefined;
  json: string | undefined;
  html?: string | undefined;
  // --junit-property KEY=VALUE: the user's own properties in the JUnit report.
  junitProperties?: Readonly<Record<string, string>>;
  // --baseline: the HTML report shows what changed against this JSON report, at its top.
  baseline?: string | undefined;
  verbose: boolean;
  // Nothing but the final summary on the console.
  quiet?: boolean;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  observers?: Record<string, Reporter>;
}

// Where what is said for a person goes: stdout, or stderr when a report is written to stdout (`-`).
export function consoleStream(options: Pick<RunReporterOptions, 'junit' | 'json' | 'html' | 'stdout' | 'stderr'>): OutputStream {
  return [options.junit, options.json, options.html].includes(STDOUT) ? options.stderr : options.stdout;
}

export function createRunReporters(options: RunReporterOptions): Multiplexer {
  const reporters: Record<string, Reporter> = {
    console: createConsoleReporter({ stream: consoleStream(options), env: options.env, verbose: options.verbose, quiet: options.quiet ?? false }),
    ...options.observers,
  };
  const stdout = options.stdout;
  if (options.junit !== undefined)
    reporters.junit = createJUnitReporter({
      path: options.junit,
      stdout,
      ...(options.junitProperties === undefined ? {} : { properties: options.junitProperties }),
    });
  if (options.json !== undefined) reporters.json = createJsonReporter({ path: options.json, stdout });
  if (options.html !== undefined)
    reporters.html = createHtmlReporter({ path: options.html, stdout, ...(options.baseline === undefined ? {} : { baseline: options.baseline }) });
  // Inside a sonobuoy plugin: every report where sonobuoy collects them, then its done file.
  const sonobuoyDir = options.env[SONOBUOY_RESULTS_DIR];
  if (sonobuoyDir !== undefined && sonobuoyDir !== '') reporters.sonobuoy = createSonobuoyReporter({ dir: sonobuoyDir });
  // Inside GitHub Actions: the step summary, and an annotation per failed or warned check (with the console).
  const github = createGitHubReporter({ env: options.env, stream: consoleStream(options) });
  if (github !== undefined) reporters.github = github;
  return createMultiplexer(reporters, (failure) => {
    options.stderr.write(`${formatError(failure.error, { verbose: options.verbose })}\n`);
  });
}
