// The run's reporters, composed by the CLI and handed to the engine as one Reporter: the console
// always, JUnit, JSON and HTML when asked for, and any further observers (a benchmark's stopwatch, a
// test's recorder), behind the multiplexer. A reporter that fails says so once on stderr; the run
// goes on. flush() writes the file reports with what is known (the crash and interrupt paths).
import { formatError } from '../helpers/errors.ts';
import type { Env } from './color.ts';
import { createConsoleReporter } from './console.ts';
import { createHtmlReporter } from './html.ts';
import { createJsonReporter } from './json.ts';
import { createJUnitReporter } from './junit.ts';
import { createMultiplexer, type Multiplexer } from './multiplexer.ts';
import type { OutputStream, Reporter } from './reporter.ts';

export interface RunReporterOptions {
  junit: string | undefined;
  json: string | undefined;
  html?: string | undefined;
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

export function createRunReporters(options: RunReporterOptions): Multiplexer {
  const reporters: Record<string, Reporter> = {
    console: createConsoleReporter({ stream: options.stdout, env: options.env, verbose: options.verbose, quiet: options.quiet ?? false }),
    ...options.observers,
  };
  if (options.junit !== undefined) reporters.junit = createJUnitReporter({ path: options.junit });
  if (options.json !== undefined) reporters.json = createJsonReporter({ path: options.json });
  if (options.html !== undefined) reporters.html = createHtmlReporter({ path: options.html, ...(options.baseline === undefined ? {} : { baseline: options.baseline }) });
  return createMultiplexer(reporters, (failure) => {
    options.stderr.write(`${formatError(failure.error, { verbose: options.verbose })}\n`);
  });
}
