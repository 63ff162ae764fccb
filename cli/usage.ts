// Help text, generated from the command table, the settings table and the suites' manifests so it
// cannot drift: every suite option is listed, grouped by suite.
import { CONFIG_ENV, CONFIG_FLAG } from '../helpers/config.ts';
import { defaultText } from '../helpers/engine/list.ts';
import type { SuiteManifest } from '../helpers/engine/manifest.ts';
import { ShakedownError } from '../helpers/errors.ts';
import { KNOBS } from '../helpers/settings.ts';
import { COMMANDS, findCommand, type CommandSpec } from './commands.ts';

type Row = [string, string];

interface Describable {
  flag: string;
  env: string;
  type: { flag: { type: string }; shape: string };
  default: unknown;
  describe: string;
}

function row(key: string, spec: Describable): Row {
  const value = spec.type.flag.type === 'boolean' ? '' : ` ${spec.type.shape}`;
  const fallback = defaultText(spec.default, spec.type.shape === 'DURATION');
  return [`--${spec.flag}${value}`, `${spec.describe}${fallback === undefined ? '' : ` (default ${fallback})`}; env ${spec.env}, config key "${key}"`];
}

function suiteSections(suites: readonly SuiteManifest[]): { title: string; rows: Row[] }[] {
  return suites
    .filter((suite) => Object.keys(suite.options).length > 0)
    .map((suite) => ({ title: `suite ${suite.name}:`, rows: Object.values(suite.options).map((spec) => row(spec.key, spec)) }));
}

function table(sections: readonly { title: string; rows: Row[] }[]): string[] {
  const width = Math.max(0, ...sections.flatMap((section) => section.rows.map(([flag]) => flag.length)));
  return sections.flatMap((section, index) => [
    ...(index === 0 ? [] : ['']),
    section.title,
    ...section.rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ]);
}

export function mainUsage(suites: readonly SuiteManifest[] = []): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const options = suiteSections(suites);
  return [
    'usage: shakedown COMMAND [flags]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    ...(options.length === 0 ? [] : ['suite options (shakedown run), by suite:', ...table(options).map((line) => (line === '' ? line : `  ${line}`)), '']),
    'exit codes: 0 no check failed (a failure --waivers waives is none), 1 a check failed, 2 the run could not happen or its report could not be written',
    'Run `shakedown COMMAND --help` for its flags.',
  ].join('\n');
}

export function commandUsage(command: CommandSpec, suites: readonly SuiteManifest[] = []): string {
  const engine: Row[] = command.keys.map((key) => row(key, KNOBS[key]));
  engine.push([`--${CONFIG_FLAG} FILE`, `read settings from a JSON file; env ${CONFIG_ENV}`]);
  const sections = [
    { title: 'flags (a flag wins over its environment variable, which wins over the config file):', rows: engine },
    ...(command.suiteOptions === true ? suiteSections(suites).map((s) => ({ ...s, title: `options of ${s.title}` })) : []),
  ];
  return [`usage: shakedown ${command.name} [flags]`, '', command.summary, '', ...table(sections)].join('\n');
}

// An unknown command, or a flag where the command belongs (`shakedown --verbose run`).
export function unknownCommand(name: string): ShakedownError {
  const commands = 'commands: run, gate, diff, history, deploy, list, cleanup, images';
  if (name.startsWith('-'))
    return new ShakedownError('SD_BAD_FLAG', `${JSON.stringify(name)} is not a command: flags go after the command (shakedown COMMAND [flags]); ${commands}`, {
      hint: 'See `shakedown --help`.',
    });
  const near = findCommand(name.toLowerCase().trim());
  return new ShakedownError('SD_BAD_FLAG', `unknown command ${JSON.stringify(name)}; ${commands}${near === undefined ? '' : `; did you mean ${near.name}?`}`, {
    hint: 'See `shakedown --help`.',
  });
}
