// The run's reporters: the console always, JUnit and JSON when asked for, behind the multiplexer.
// A reporter that fails says so once on stderr; the run goes on.
import { formatError } from '../errors.ts';
import { createConsoleReporter, type OutputStream } from '../../reports/console.ts';
import type { Env } from '../../reports/color.ts';
import type { FileReporter } from '../../reports/file-reporter.ts';
import { createJsonReporter } from '../../reports/json.ts';
import { createJUnitReporter } from '../../reports/junit.ts';
import { createMultiplexer, type Multiplexer } from '../../reports/multiplexer.ts';
import type { Reporter } from '../../reports/reporter.ts';

export interface ReporterOptions {
  junit: string | undefined;
  json: string | undefined;
  verbose: boolean;
  stdout: OutputStream;
  stderr: OutputStream;
  env: Env;
  extra?: Record<string, Reporter>;
}

export interface RunReporters {
  mux: Multiplexer;
  // Writes the file reports with what is known so far (crash and interrupt paths).
  flush(): Promise<void>;
}

export function createRunReporters(options: ReporterOptions): RunReporters {
  const files: FileReporter[] = [];
  const reporters: Record<string, Reporter> = {
    console: createConsoleReporter({ stream: options.stdout, env: options.env, verbose: options.verbose }),
    ...options.extra,
  };
  if (options.junit !== undefined) files.push((reporters.junit = createJUnitReporter({ path: options.junit })) as FileReporter);
  if (options.json !== undefined) files.push((reporters.json = createJsonReporter({ path: options.json })) as FileReporter);
  const mux = createMultiplexer(reporters, (failure) => {
    options.stderr.write(`${formatError(failure.error, { verbose: options.verbose })}\n`);
  });
  return {
    mux,
    async flush() {
      await Promise.all(files.map((file) => file.flush().catch((error: unknown) => options.stderr.write(`${formatError(error, { verbose: options.verbose })}\n`))));
    },
  };
}
