// `shakedown gate --target-version X`: `shakedown run --suite gate` (plus any read-only suite named
// with --suite) with the target set; --fail-on warn makes a warning fail the exit code too, and
// --baseline compares the run with an earlier JSON report as `shakedown diff` does. `shakedown run
// --baseline` comes through runJudged as well.
import { existsSync } from 'node:fs';
import type { ResolvedOptions } from '../helpers/engine/manifest.ts';
import type { LoadedSuite } from '../helpers/engine/suites.ts';
import { ShakedownError } from '../helpers/errors.ts';
import type { Settings } from '../helpers/settings.ts';
import { STDOUT } from '../reports/report-path.ts';
import { consoleStream } from '../reports/run-reporters.ts';
import { DEFAULT_DIFF, readReport, writeDiff, type ReportLike } from './diff.ts';
import type { CliIo } from './io.ts';
import { deliveredExitCode, failOnCode, runWithReporters, type RunExtras } from './run.ts';

export const GATE_SUITE = 'gate';

// The gate suite and the others asked for; the gate refuses suites that create anything.
export function gateSuites(all: readonly LoadedSuite[], extra: readonly string[]): LoadedSuite[] {
  const names = [GATE_SUITE, ...extra.filter((name) => name !== GATE_SUITE)];
  const unknown = names.filter((name) => !all.some((suite) => suite.name === name));
  if (unknown.length > 0)
    throw new ShakedownError('SD_BAD_FLAG', `--suite names no suite: ${unknown.join(', ')} (suites: ${all.map((s) => s.name).join(', ')})`, {
      hint: 'See `shakedown list`.',
    });
  const chosen = all.filter((suite) => names.includes(suite.name));
  const writing = chosen.filter((suite) => suite.manifest.setup.length > 0).map((suite) => suite.name);
  if (writing.length > 0)
    throw new ShakedownError(
      'SD_BAD_FLAG',
      `shakedown gate runs read-only suites only; ${writing.join(', ')} create namespaces or pods (use shakedown run for them)`,
      { hint: 'Drop those --suite flags.' },
    );
  return chosen;
}

export function requireTarget(options: ResolvedOptions): string {
  const target = options[GATE_SUITE]?.targetVersion;
  if (typeof target !== 'string')
    throw new ShakedownError('SD_BAD_FLAG', 'shakedown gate needs --target-version (e.g. --target-version 1.35)', {
      hint: 'Or set SHAKEDOWN_TARGET_VERSION, or the config key "targetVersion".',
    });
  return target;
}

export async function runJudged(
  io: CliIo,
  settings: Settings,
  suites: LoadedSuite[],
  options: ResolvedOptions,
  root: string,
  extras: RunExtras = {},
): Promise<number> {
  // Read the baseline first: a bad one stops before anything touches the cluster.
  const baseline = settings.baseline === undefined ? undefined : readReport(settings.baseline);
  const { outcome, reporter } = await runWithReporters(io, settings, suites, options, root, extras);
  let code = failOnCode(deliveredExitCode(outcome.exitCode, reporter.failures), outcome.results, settings.failOn);
  if (baseline !== undefined && outcome.error === undefined) {
    // With a report on stdout (--json -) the comparison goes with the console, to stderr.
    const out = { stdout: consoleStream({ ...settings, stdout: io.stdout, stderr: io.stderr }) };
    const written = settings.json !== undefined && settings.json !== STDOUT && existsSync(settings.json) ? readReport(settings.json) : undefined;
    const after: ReportLike = written ?? {
      run: { runId: outcome.runId, startedAt: '', finishedAt: null, cluster: { server: null, version: null, nodes: null, context: null }, properties: {} },
      results: outcome.results,
    };
    out.stdout.write(`\ncompared with the baseline ${settings.baseline}:\n`);
    code = Math.max(code, await writeDiff(out, baseline, after, DEFAULT_DIFF, undefined));
  }
  return code;
}
