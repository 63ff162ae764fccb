// Help text, generated from the command table and the settings table so it cannot drift.
import { CONFIG_ENV, CONFIG_FLAG } from '../helpers/config.ts';
import { formatMs } from '../helpers/config-values.ts';
import { KNOBS } from '../helpers/settings.ts';
import { COMMANDS, type CommandSpec } from './commands.ts';

export function mainUsage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'usage: shakedown COMMAND [flags]',
    '',
    'commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'exit codes: 0 no check failed, 1 a check failed, 2 the run could not happen',
    'Run `shakedown COMMAND --help` for its flags.',
  ].join('\n');
}

export function commandUsage(command: CommandSpec): string {
  const rows = command.keys.map((key) => {
    const knob = KNOBS[key];
    const value = knob.type.flag.type === 'boolean' ? '' : ` ${knob.type.shape}`;
    const fallback = defaultText(knob.default, knob.type.shape === 'DURATION');
    return [`--${knob.flag}${value}`, `${knob.describe}${fallback === undefined ? '' : ` (default ${fallback})`}; env ${knob.env}, config key "${key}"`];
  });
  rows.push([`--${CONFIG_FLAG} FILE`, `read settings from a JSON file; env ${CONFIG_ENV}`]);
  const width = Math.max(...rows.map(([flag]) => flag?.length ?? 0));
  return [
    `usage: shakedown ${command.name} [flags]`,
    '',
    command.summary,
    '',
    'flags (a flag wins over its environment variable, which wins over the config file):',
    ...rows.map(([flag, text]) => `  ${(flag ?? '').padEnd(width)}  ${text}`),
  ].join('\n');
}

function defaultText(value: unknown, isDuration: boolean): string | undefined {
  if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) return undefined;
  if (isDuration && typeof value === 'number') return formatMs(value);
  return String(value);
}
