// Parses the command line of one command with node:util parseArgs, strictly: an unknown flag, a
// missing value, a single-valued flag given twice or a stray argument is SD_BAD_FLAG with a
// one-line message that names the flag and says what it takes.
import { parseArgs } from 'node:util';
import { CONFIG_FLAG, describeSource, invalid, type FlagValues, type Source } from '../helpers/config.ts';
import { quote } from '../helpers/config-values.ts';
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { isRunId, RUN_ID_EXAMPLE } from '../helpers/run/run-id.ts';
import { KNOBS, type Settings } from '../helpers/settings.ts';
import { COMMANDS, type CommandSpec, type OptionSpec } from './commands.ts';
import { editDistance } from '../helpers/check-pattern.ts';

export type { OptionSpec } from './commands.ts';

export interface ParsedArgs {
  flags: FlagValues;
  help: boolean;
}

export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function optionsFor(command: CommandSpec, suites: readonly SuiteManifest[] = []): Record<string, OptionSpec> {
  // A command with no settings (version, completion) reads no config file either.
  const options: Record<string, OptionSpec> = {
    help: { type: 'boolean', short: 'h' },
    ...(command.keys.length === 0 ? {} : { [CONFIG_FLAG]: { type: 'string', expects: 'a JSON file of settings' } }),
    ...command.flags,
  };
  for (const key of command.keys) {
    const knob = KNOBS[key];
    options[knob.flag] = { ...knob.type.flag, expects: knob.type.expects ?? knob.type.shape };
  }
  if (command.suiteOptions === true) {
    for (const suite of suites)
      for (const spec of Object.values(suite.options)) options[spec.flag] = { ...spec.type.flag, expects: spec.type.expects ?? spec.type.shape };
  }
  if (command.keys.includes('verbose')) options.verbose = { type: 'boolean', short: 'v' };
  if (command.keys.includes('quiet')) options.quiet = { type: 'boolean', short: 'q' };
  return options;
}

export function parseCommandArgs(command: CommandSpec, argv: readonly string[], suites: readonly SuiteManifest[] = []): ParsedArgs {
  const { values } = parseFlags(command.name, argv, optionsFor(command, suites), { elsewhere: (flag) => commandsWith(flag, suites) });
  const { help, ...rest } = values;
  const flags: Record<string, string | boolean | readonly string[] | undefined> = {};
  for (const [name, value] of Object.entries(rest)) flags[name] = value;
  return { flags, help: help === true };
}

// The commands that take a flag, for "it is a flag of `shakedown run`".
export function commandsWith(flag: string, suites: readonly SuiteManifest[] = []): string[] {
  const suiteFlag = suites.some((suite) => Object.values(suite.options).some((spec) => spec.flag === flag));
  const takes = (command: CommandSpec): boolean =>
    (flag === CONFIG_FLAG && command.name !== 'diff' && command.keys.length > 0) ||
    command.keys.some((key) => KNOBS[key].flag === flag) ||
    Object.hasOwn(command.flags ?? {}, flag) ||
    (suiteFlag && command.suiteOptions === true);
  return COMMANDS.filter(takes).map((command) => command.name);
}

export interface FlagRules {
  // Arguments besides the flags (diff's two reports); refused when absent.
  positionals?: boolean;
  // The commands that do take a flag unknown here.
  elsewhere?: (flag: string) => string[];
}

// The one parser of every command's flags.
export function parseFlags(command: string, argv: readonly string[], options: Record<string, OptionSpec>, rules: FlagRules = {}): ParsedFlags {
  // No cause: parseArgs' own error (its message and stack) says nothing the line does not.
  const bad = (message: string): ShakedownError => new ShakedownError('SD_BAD_FLAG', message, { hint: `See \`shakedown ${command} --help\`.` });
  const args = joinNegativeValues(argv, options);
  const parseOptions = Object.fromEntries(Object.entries(options).map(([name, { expects: _expects, ...spec }]) => [name, spec]));
  let parsed: ReturnType<typeof parseArgs<{ options: typeof parseOptions; tokens: true; allowPositionals: boolean; strict: true; allowNegative: true }>>;
  try {
    parsed = parseArgs({ args, options: parseOptions, strict: true, allowPositionals: rules.positionals === true, allowNegative: true, tokens: true });
  } catch (error) {
    throw bad(parseProblem(command, args, options, error, rules));
  }
  const given = new Map<string, { rawName: string; value: string | undefined }[]>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option') continue;
    given.set(token.name, [...(given.get(token.name) ?? []), { rawName: token.rawName, value: token.value }]);
  }
  for (const [name, uses] of given) {
    const spec = options[name];
    if (uses.length < 2 || spec === undefined || spec.multiple === true) continue;
    if (spec.type === 'string') {
      const shown = uses.map((use) => JSON.stringify(use.value ?? '')).join(', then ');
      throw bad(`--${name} is given ${uses.length === 2 ? 'twice' : `${uses.length} times`} (${shown}); it takes one value`);
    }
    // A switch repeated is harmless; turned on and off is a contradiction.
    const ways = new Set(uses.map((use) => use.rawName.startsWith('--no-')));
    if (ways.size > 1) throw bad(`--${name} and --no-${name} contradict each other; give one`);
  }
  return { values: parsed.values as ParsedFlags['values'], positionals: parsed.positionals };
}

// `--api-qps -1`: parseArgs reads "-1" as a flag and the value as missing, though the user meant a
// negative number. A value flag followed by something shaped like a negative number takes it as its
// value, so that the value's own check says what is allowed.
function joinNegativeValues(argv: readonly string[], options: Record<string, OptionSpec>): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') return [...args, ...argv.slice(i)];
    const next = argv[i + 1];
    if (arg.startsWith('--') && !arg.includes('=') && options[arg.slice(2)]?.type === 'string' && next !== undefined && /^-\.?\d/.test(next)) {
      args.push(`${arg}=${next}`);
      i += 1;
    } else args.push(arg);
  }
  return args;
}

function parseProblem(command: string, argv: readonly string[], options: Record<string, OptionSpec>, error: unknown, rules: FlagRules): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']*)'/.exec(message)?.[1] ?? '';
  const of = `\`shakedown ${command}\``;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return unknownFlag(of, quoted, argv, options, rules);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const name = /--([\w-]+)/.exec(message)?.[1] ?? quoted;
      const expects = options[name]?.expects;
      if (message.includes('does not take an argument')) {
        const raw = argv.find((arg) => arg.startsWith(`--${name}=`)) ?? `--${name}=...`;
        return `--${name} takes no value (--${name} turns it on, --no-${name} off), got ${JSON.stringify(raw)}`;
      }
      const at = argv.indexOf(`--${name}`);
      const next = at < 0 ? undefined : argv[at + 1];
      const what = expects === undefined ? '' : ` (${expects})`;
      if (next === undefined || message.includes('argument missing')) return `--${name} needs a value${what}`;
      return `--${name} needs a value${what}, not the flag ${next}; write --${name}=VALUE for a value that starts with a dash`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)} for ${of} (it takes flags only)`;
    default:
      return message.split('\n', 1)[0] ?? message;
  }
}

function unknownFlag(of: string, reported: string, argv: readonly string[], options: Record<string, OptionSpec>, rules: FlagRules): string {
  const shorts = new Map(Object.entries(options).flatMap(([name, spec]) => (spec.short === undefined ? [] : [[spec.short, name] as const])));
  if (!reported.startsWith('--')) {
    // A short flag: parseArgs names one letter of a group such as -v=1 or -vx; name the argument.
    const raw = argv.find((arg) => /^-[^-]/.test(arg) && arg.includes(reported.slice(1))) ?? reported;
    const first = shorts.get(raw.slice(1, 2));
    if (raw.includes('=') && first !== undefined) return `-${raw.slice(1, 2)} takes no value (it is --${first}), got ${JSON.stringify(raw)}`;
    return `unknown flag ${raw === reported ? reported : `${reported} in ${raw}`} for ${of}`;
  }
  const name = reported.slice(2);
  const negated = name.startsWith('no-') ? options[name.slice(3)] : undefined;
  if (negated?.type === 'string')
    return `unknown flag ${reported} for ${of}: --${name.slice(3)} takes a value (${negated.expects ?? 'TEXT'}), it cannot be turned off`;
  const elsewhere = rules.elsewhere?.(name) ?? [];
  if (elsewhere.length > 0) return `unknown flag ${reported} for ${of} (it is a flag of ${elsewhere.map((c) => `\`shakedown ${c}\``).join(', ')})`;
  const near =
    Object.keys(options).find((known) => known.toLowerCase() === name.toLowerCase()) ??
    Object.keys(options).find((known) => name.length >= 4 && editDistance(known, name) <= 2);
  return `unknown flag ${reported} for ${of}${near === undefined ? '' : `; did you mean --${near}?`}`;
}

// What `shakedown cleanup` was asked, checked before its Kubernetes client is even loaded: --run
// is a run id, and --all and --run ask for different things.
export function checkCleanupArguments(settings: Pick<Settings, 'all' | 'runId'>, sources: Partial<Record<'all' | 'runId', Source>>): void {
  const all = sources.all ?? { kind: 'flag', flag: 'all' };
  const run = sources.runId ?? { kind: 'flag', flag: 'run' };
  // A run id names namespaces and labels: one that is not one would be sent to the cluster as a selector.
  if (settings.runId !== undefined && !isRunId(settings.runId)) {
    throw invalid(run, `must be a run id such as ${RUN_ID_EXAMPLE} (sd-, the UTC date, 6 lowercase hex digits), got ${quote(settings.runId)}`);
  }
  if (settings.all && settings.runId !== undefined) {
    throw invalid(all, `cannot be combined with ${describeSource(run)}: --run removes the namespaces of one run (expired or not), --all those of every run`);
  }
}
