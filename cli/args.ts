// Parses the command line of one command with node:util parseArgs, strictly: an unknown flag, a
// missing value or a stray argument is SD_BAD_FLAG with a one-line message.
import { parseArgs } from 'node:util';
import { CONFIG_FLAG, type FlagValues } from '../helpers/config.ts';
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { KNOBS } from '../helpers/settings.ts';
import type { CommandSpec } from './commands.ts';

type OptionSpec = { type: 'string' | 'boolean'; multiple?: boolean; short?: string };

export interface ParsedArgs {
  flags: FlagValues;
  help: boolean;
}

export function optionsFor(command: CommandSpec, suites: readonly SuiteManifest[] = []): Record<string, OptionSpec> {
  const options: Record<string, OptionSpec> = {
    help: { type: 'boolean', short: 'h' },
    [CONFIG_FLAG]: { type: 'string' },
  };
  for (const key of command.keys) {
    const knob = KNOBS[key];
    options[knob.flag] = { ...knob.type.flag };
  }
  if (command.suiteOptions === true) {
    for (const suite of suites) for (const spec of Object.values(suite.options)) options[spec.flag] = { ...spec.type.flag };
  }
  if (command.keys.includes('verbose')) options.verbose = { type: 'boolean', short: 'v' };
  if (command.keys.includes('quiet')) options.quiet = { type: 'boolean', short: 'q' };
  return options;
}

export function parseCommandArgs(command: CommandSpec, argv: readonly string[], suites: readonly SuiteManifest[] = []): ParsedArgs {
  const options = optionsFor(command, suites);
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, allowNegative: true }));
  } catch (error) {
    throw new ShakedownError('SD_BAD_FLAG', badFlagMessage(command, error), { cause: error, hint: `See \`shakedown ${command.name} --help\`.` });
  }
  const { help, ...rest } = values;
  const flags: Record<string, string | boolean | readonly string[] | undefined> = {};
  for (const [name, value] of Object.entries(rest)) {
    flags[name] = Array.isArray(value) ? value.map(String) : value;
  }
  return { flags, help: help === true };
}

function badFlagMessage(command: CommandSpec, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-{1,2}[^'\s]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${option ?? message} for \`shakedown ${command.name}\``;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option === undefined ? message.split('\n', 1)[0] ?? message : `${option} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${/'([^']*)'/.exec(message)?.[1] ?? ''} for \`shakedown ${command.name}\` (it takes flags only)`.replace('  ', ' ');
    default:
      return message.split('\n', 1)[0] ?? message;
  }
}
