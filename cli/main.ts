// The shakedown CLI: run, gate, diff, list, cleanup, images. Returns the exit code; never calls process.exit.
import { describeSource, invalid, loadConfigFile, resolveAll, resolveSuiteOptions, type Source } from '../helpers/config.ts';
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { ERROR_CODES, ShakedownError, asShakedownError, formatError } from '../helpers/errors.ts';
import { planSelection } from '../helpers/engine/selection.ts';
import { discoverSuites, loadSuites, selectSuites, PACKAGE_ROOT, SUITES_DIR, type LoadedSuite } from '../helpers/engine/suites.ts';
import type { Settings } from '../helpers/settings.ts';
import { checkReportPaths } from '../reports/report-path.ts';
import { checkCleanupArguments, parseCommandArgs } from './args.ts';
import { findCommand } from './commands.ts';
import type { RunExtras } from './run.ts';
import { commandUsage, mainUsage, unknownCommand } from './usage.ts';

import type { CliIo } from './io.ts';

export { processIo, type CliIo } from './io.ts';

export async function main(io: CliIo): Promise<number> {
  const [name, ...rest] = io.argv;
  try {
    const root = io.root ?? PACKAGE_ROOT;
    // Every suite's manifest (never its code): the suites' options are flags like any other.
    const all = await loadSuites(discoverSuites(io.suitesDir ?? SUITES_DIR, root));
    const manifests = all.map((suite) => suite.manifest);
    // No command is an error: the usage goes to stderr, stdout stays empty.
    if (name === undefined) {
      io.stderr.write(`${mainUsage(manifests)}\n`);
      return 2;
    }
    if (name === 'help' || name === '--help' || name === '-h') return await helpCommand(io, rest, manifests);
    if (name === '--version' || (name === 'version' && rest.length === 0)) {
      const { versionInfo, versionLine } = await import('../helpers/version.ts');
      io.stdout.write(`${versionLine(versionInfo(undefined, io.env))}\n`);
      return 0;
    }
    // completion takes the shell as its argument.
    if (name === 'completion' && rest.length <= 1 && rest[0] !== '--help' && rest[0] !== '-h') {
      io.stdout.write((await import('./completion.ts')).completionScript(rest[0], manifests));
      return 0;
    }
    // diff takes two report files as arguments, not only flags; history, reports and directories.
    if (name === 'diff') return await (await import('./diff.ts')).diffCommand(io, rest);
    if (name === 'history') return await (await import('./history.ts')).historyCommand(io, rest);
    const command = findCommand(name);
    if (command === undefined) throw unknownCommand(name);
    const parsed = parseCommandArgs(command, rest, manifests);
    if (parsed.help) {
      io.stdout.write(`${commandUsage(command, manifests)}\n`);
      return 0;
    }
    const file = loadConfigFile(
      parsed.flags,
      io.env,
      io.cwd,
      manifests.flatMap((m) => Object.values(m.options).map((spec) => spec.key)),
    );
    const layers = { flags: parsed.flags, env: io.env, cwd: io.cwd, ...(file === undefined ? {} : { file }) };
    const { settings, sources } = checkReportPaths(command.name, resolveAll(command.keys, layers), layers);
    // Commands are loaded when used: a bad flag is answered without loading the Kubernetes client.
    switch (command.name) {
      case 'run': {
        // Both take the run over; neither may silently win.
        if (settings.baseline !== undefined && settings.reportLog)
          throw invalid(
            sources.reportLog,
            `cannot be combined with ${describeSource(sources.baseline)}: a run whose reports are packed into its log (deploy --wait) compares nothing`,
          );
        const suites = selectSuites(all, settings.suites, sources.suites);
        // Every option of the chosen suites is read and validated before anything touches the cluster.
        const options = resolveSuiteOptions(
          suites.map((suite) => suite.manifest),
          layers,
          manifests,
        );
        // So are the check patterns and the waivers file.
        planSelection(settings, suites, { all, sources });
        const extras = await runExtras(settings, sources, all);
        if (settings.baseline !== undefined) return await (await import('./gate.ts')).runJudged(io, settings, suites, options, root, extras);
        if (settings.reportLog) return await (await import('./deploy-report-log.ts')).runWithReportLog(io, settings, suites, options, root, extras);
        return await (await import('./run.ts')).runCommand(io, settings, suites, options, root, extras);
      }
      case 'deploy': {
        // Only --wait brings reports back: a report flag without it would do nothing (one from the
        // environment or a config file may be meant for run).
        const report = (['junit', 'json', 'html'] as const).find((key) => sources[key].kind === 'flag');
        if (report !== undefined && !settings.wait)
          throw invalid(sources[report], 'is written only with --wait (deploy brings the reports back when it follows the Job); add --wait, or leave it out');
        const chosen = selectSuites(all, settings.suites, sources.suites);
        resolveSuiteOptions(
          chosen.map((suite) => suite.manifest),
          layers,
          manifests,
        );
        // The runner gets the patterns; its RBAC covers only the suites they leave a check in.
        const suites = planSelection(settings, chosen, { all, sources })?.plan.suites ?? chosen;
        return await (await import('./deploy.ts')).deployCommand(io, { settings, sources, suites, flags: parsed.flags, root });
      }
      case 'gate': {
        const gate = await import('./gate.ts');
        const suites = gate.gateSuites(all, settings.suites);
        const options = resolveSuiteOptions(
          suites.map((suite) => suite.manifest),
          layers,
          manifests,
        );
        gate.requireTarget(options);
        planSelection(settings, suites, { all, sources });
        return await gate.runJudged(io, settings, suites, options, root, await runExtras(settings, sources, all));
      }
      case 'list': {
        // With --check or --skip-check, the checks they select: a way to try a pattern.
        const chosen = selectSuites(all, settings.suites, sources.suites);
        const selected = planSelection({ ...settings, profile: 'full' }, chosen, { all, sources })?.plan;
        const listed =
          selected === undefined
            ? chosen
            : selected.suites.map((suite) => ({
                ...suite,
                manifest: { ...suite.manifest, checks: suite.manifest.checks.filter((c) => selected.checks?.[suite.name]?.includes(c.title) === true) },
              }));
        return (await import('./list.ts')).listCommand(io, listed, settings.verbose);
      }
      case 'cleanup':
        checkCleanupArguments(settings, sources);
        return await (await import('./cleanup.ts')).cleanupCommand(io, settings, sources);
      case 'images':
        return (await import('./images.ts')).imagesCommand(io, settings, selectSuites(all, settings.suites, sources.suites));
      default:
        throw new ShakedownError('SD_INTERNAL', `command ${command.name} has no implementation`);
    }
  } catch (error) {
    const verbose = io.argv.includes('--verbose') || io.argv.includes('-v');
    io.stderr.write(`${formatError(commandHint(error, name), { verbose })}\n`);
    // Inside a sonobuoy plugin, sonobuoy learns of it from its results, not from the exit code.
    const sonobuoy = io.env.SONOBUOY_RESULTS_DIR;
    if (sonobuoy !== undefined && sonobuoy !== '') {
      const { writeRefusal } = await import('../reports/sonobuoy.ts');
      await writeRefusal(sonobuoy, asShakedownError(error)).catch((failure: unknown) => io.stderr.write(`${formatError(failure, { verbose })}\n`));
    }
    return 2;
  }
}

// What a run takes beside its settings: the waivers file, read and checked (a bad one is bad input,
// said before anything touches the cluster), each waiver marked by whether any suite has its check.
async function runExtras(settings: Pick<Settings, 'waivers'>, sources: Partial<Record<'waivers', Source>>, all: readonly LoadedSuite[]): Promise<RunExtras> {
  if (settings.waivers === undefined) return {};
  const { readWaivers } = await import('../helpers/waivers/file.ts');
  const { withKnown } = await import('../helpers/waivers/waive.ts');
  const ids = all.flatMap((suite) => suite.manifest.checks.map((c) => ({ suite: suite.name, check: c.title })));
  return { waivers: withKnown(readWaivers(settings.waivers, sources.waivers ?? { kind: 'flag', flag: 'waivers' }), ids) };
}

// `shakedown help [COMMAND]`, `shakedown --help [COMMAND]`: the usage on stdout, exit 0.
async function helpCommand(io: CliIo, rest: readonly string[], manifests: readonly SuiteManifest[]): Promise<number> {
  if (rest.length > 1)
    throw new ShakedownError('SD_BAD_FLAG', `shakedown help takes at most one command, got ${rest.length} arguments`, { hint: 'See `shakedown --help`.' });
  const [topic] = rest;
  if (topic === undefined) io.stdout.write(`${mainUsage(manifests)}\n`);
  else if (topic === 'diff') return (await import('./diff.ts')).diffCommand(io, ['--help']);
  else if (topic === 'history') return (await import('./history.ts')).historyCommand(io, ['--help']);
  else {
    const command = findCommand(topic);
    if (command === undefined) throw unknownCommand(topic);
    io.stdout.write(`${commandUsage(command, manifests)}\n`);
  }
  return 0;
}

// A bad flag value names its flag; the hint names the command's own help.
function commandHint(error: unknown, name: string | undefined): unknown {
  if (!(error instanceof ShakedownError) || error.code !== 'SD_BAD_FLAG' || error.hint !== ERROR_CODES.SD_BAD_FLAG.hint || findCommand(name) === undefined)
    return error;
  return new ShakedownError(error.code, error.message, {
    cause: error.cause,
    hint: `See \`shakedown ${name} --help\`.`,
    ...(error.details === undefined ? {} : { details: error.details }),
  });
}
