// The shakedown CLI: run, gate, diff, list, cleanup, images. Returns the exit code; never calls process.exit.
import { homedir } from 'node:os';
import { loadConfigFile, resolveAll, resolveSuiteOptions, type Env } from '../helpers/config.ts';
import { ShakedownError, formatError } from '../helpers/errors.ts';
import { discoverSuites, loadSuites, selectSuites, PACKAGE_ROOT, SUITES_DIR } from '../helpers/engine/suites.ts';
import type { OutputStream } from '../reports/console.ts';
import { parseCommandArgs } from './args.ts';
import { findCommand } from './commands.ts';
import { commandUsage, mainUsage } from './usage.ts';

export interface CliIo {
  argv: string[];
  env: Env;
  cwd: string;
  home: string | undefined;
  stdout: OutputStream;
  stderr: OutputStream;
  // Where suites are found; tests point these at fixtures.
  root?: string;
  suitesDir?: string;
}

export function processIo(): CliIo {
  return { argv: process.argv.slice(2), env: process.env, cwd: process.cwd(), home: process.env.HOME ?? homedir(), stdout: process.stdout, stderr: process.stderr };
}

export async function main(io: CliIo): Promise<number> {
  const [name, ...rest] = io.argv;
  try {
    const root = io.root ?? PACKAGE_ROOT;
    // Every suite's manifest (never its code): the suites' options are flags like any other.
    const all = await loadSuites(discoverSuites(io.suitesDir ?? SUITES_DIR, root));
    const manifests = all.map((suite) => suite.manifest);
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.stdout.write(`${mainUsage(manifests)}\n`);
      return name === undefined ? 2 : 0;
    }
    // diff takes two report files as arguments, not only flags.
    if (name === 'diff') return await (await import('./diff.ts')).diffCommand(io, rest);
    const command = findCommand(name);
    if (command === undefined) throw new ShakedownError('SD_BAD_FLAG', `unknown command "${name}"; commands: run, gate, diff, deploy, list, cleanup, images`, { hint: 'See `shakedown --help`.' });
    const parsed = parseCommandArgs(command, rest, manifests);
    if (parsed.help) {
      io.stdout.write(`${commandUsage(command, manifests)}\n`);
      return 0;
    }
    const file = loadConfigFile(parsed.flags, io.env, io.cwd, manifests.flatMap((m) => Object.values(m.options).map((spec) => spec.key)));
    const layers = { flags: parsed.flags, env: io.env, cwd: io.cwd, ...(file === undefined ? {} : { file }) };
    const { settings, sources } = resolveAll(command.keys, layers);
    // Commands are loaded when used: a bad flag is answered without loading the Kubernetes client.
    switch (command.name) {
      case 'run': {
        const suites = selectSuites(all, settings.suites, sources.suites);
        // Every option of the chosen suites is read and validated before anything touches the cluster.
        const options = resolveSuiteOptions(suites.map((suite) => suite.manifest), layers);
        if (settings.baseline !== undefined) return await (await import('./gate.ts')).runJudged(io, settings, suites, options, root);
        if (settings.reportLog) return await (await import('./deploy-report-log.ts')).runWithReportLog(io, settings, suites, options, root);
        return await (await import('./run.ts')).runCommand(io, settings, suites, options, root);
      }
      case 'deploy': {
        const suites = selectSuites(all, settings.suites, sources.suites);
        resolveSuiteOptions(suites.map((suite) => suite.manifest), layers);
        return await (await import('./deploy.ts')).deployCommand(io, { settings, sources, suites, flags: parsed.flags, root });
      }
      case 'gate': {
        const gate = await import('./gate.ts');
        const suites = gate.gateSuites(all, settings.suites);
        const options = resolveSuiteOptions(suites.map((suite) => suite.manifest), layers);
        gate.requireTarget(options);
        return await gate.runJudged(io, settings, suites, options, root);
      }
      case 'list':
        return (await import('./list.ts')).listCommand(io, selectSuites(all, settings.suites, sources.suites), settings.verbose);
      case 'cleanup':
        return await (await import('./cleanup.ts')).cleanupCommand(io, settings);
      case 'images':
        return (await import('./images.ts')).imagesCommand(io, settings, selectSuites(all, settings.suites, sources.suites));
      default:
        throw new ShakedownError('SD_INTERNAL', `command ${command.name} has no implementation`);
    }
  } catch (error) {
    const verbose = io.argv.includes('--verbose') || io.argv.includes('-v');
    io.stderr.write(`${formatError(error, { verbose })}\n`);
    return 2;
  }
}
