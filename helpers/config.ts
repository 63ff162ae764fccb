// One precedence rule for every setting: flag, then environment variable (SHAKEDOWN_*), then the
// config file (--config FILE, JSON), then the default. A bad value is reported with its source:
// the flag, the variable, or the file and key.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidValue, type ValueType } from './config-values.ts';
import type { ResolvedOptions, SuiteManifest } from './engine/manifest.ts';
import { ShakedownError } from './errors.ts';
import { KNOBS, SETTING_KEYS, type Knob, type SettingKey, type Settings } from './settings.ts';

export type Env = Readonly<Record<string, string | undefined>>;
export type FlagValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export type Source =
  | { kind: 'flag'; flag: string }
  | { kind: 'env'; variable: string }
  | { kind: 'file'; path: string; key: string }
  | { kind: 'default' };

export interface ConfigFile {
  path: string;
  values: Readonly<Record<string, unknown>>;
}

export interface Layers {
  flags: FlagValues;
  env: Env;
  file?: ConfigFile;
  // Relative paths from flags and variables are resolved against this directory.
  cwd: string;
}

export interface Resolved<K extends SettingKey> {
  settings: Pick<Settings, K>;
  sources: Record<K, Source>;
}

export const CONFIG_FLAG = 'config';
export const CONFIG_ENV = 'SHAKEDOWN_CONFIG';

export function describeSource(source: Source): string {
  switch (source.kind) {
    case 'flag':
      return `--${source.flag}`;
    case 'env':
      return source.variable;
    case 'file':
      return `${source.path}: key "${source.key}"`;
    case 'default':
      return 'the default';
  }
}

export function resolveSettings<K extends SettingKey>(keys: readonly K[], layers: Layers): Resolved<K> {
  const settings = {} as Pick<Settings, K>;
  const sources = {} as Record<K, Source>;
  for (const key of keys) {
    const [value, source] = resolveOne(key, KNOBS[key] as Knob<Settings[K]>, layers);
    settings[key] = value;
    sources[key] = source;
  }
  return { settings, sources };
}

// All settings: those named resolved through the layers, the others at their defaults.
export function resolveAll(keys: readonly SettingKey[], layers: Layers): Resolved<SettingKey> {
  const defaults = resolveSettings(SETTING_KEYS, { flags: {}, env: {}, cwd: layers.cwd });
  const chosen = resolveSettings(keys, layers);
  return { settings: { ...defaults.settings, ...chosen.settings }, sources: { ...defaults.sources, ...chosen.sources } };
}

// The options of the chosen suites, by the same rule, keyed by suite then option name.
export function resolveSuiteOptions(manifests: readonly SuiteManifest[], layers: Layers): ResolvedOptions {
  const resolved: ResolvedOptions = {};
  for (const manifest of manifests) {
    const values: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(manifest.options)) values[name] = resolveOne(spec.key, spec, layers)[0];
    resolved[manifest.name] = values;
  }
  return resolved;
}

// What resolution needs to know of a setting or a suite option.
interface Readable<T> {
  type: ValueType<NonNullable<T>>;
  flag: string;
  env: string;
  default: T;
  isPath?: boolean;
}

function resolveOne<T>(key: string, knob: Readable<T>, layers: Layers): [T, Source] {
  const flag = layers.flags[knob.flag];
  if (flag !== undefined) {
    const source: Source = { kind: 'flag', flag: knob.flag };
    return [read(source, () => fromFlag(knob, flag), knob, layers.cwd), source];
  }
  const env = layers.env[knob.env];
  if (env !== undefined && env !== '') {
    const source: Source = { kind: 'env', variable: knob.env };
    return [read(source, () => knob.type.fromText(env), knob, layers.cwd), source];
  }
  const file = layers.file;
  if (file !== undefined && Object.hasOwn(file.values, key)) {
    const source: Source = { kind: 'file', path: file.path, key };
    return [read(source, () => knob.type.fromJson(file.values[key]), knob, dirname(file.path)), source];
  }
  return [knob.default, { kind: 'default' }];
}

function fromFlag<T>(knob: Readable<T>, raw: string | boolean | readonly string[]): NonNullable<T> {
  if (typeof raw === 'boolean') return knob.type.fromJson(raw);
  if (typeof raw === 'string') return knob.type.fromText(raw);
  return knob.type.fromFlag === undefined ? knob.type.fromText(raw.at(-1) ?? '') : knob.type.fromFlag(raw);
}

function read<T>(source: Source, parse: () => NonNullable<T>, knob: Readable<T>, base: string): T {
  try {
    const value = parse();
    return (knob.isPath === true && typeof value === 'string' ? resolve(base, value) : value) as T;
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error;
    throw invalid(source, error.message, error);
  }
}

export function invalid(source: Source, problem: string, cause?: unknown): ShakedownError {
  if (source.kind === 'flag') return new ShakedownError('SD_BAD_FLAG', `--${source.flag} ${problem}`, { cause });
  return new ShakedownError('SD_CONFIG_INVALID', `${describeSource(source)} ${problem}`, { cause });
}

// Reads the config file named by --config or SHAKEDOWN_CONFIG; none when neither is set. Its keys
// are the engine's settings and the suites' options (optionKeys).
export function loadConfigFile(flags: FlagValues, env: Env, cwd: string, optionKeys: readonly string[] = []): ConfigFile | undefined {
  const flag = flags[CONFIG_FLAG];
  const named = typeof flag === 'string' ? flag : env[CONFIG_ENV];
  if (named === undefined || named === '') return undefined;
  const path = resolve(cwd, named);
  const origin = typeof flag === 'string' ? `--${CONFIG_FLAG}` : CONFIG_ENV;
  let textContent: string;
  try {
    textContent = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ShakedownError('SD_CONFIG_INVALID', `cannot read the config file ${path} (from ${origin}): ${reason}`, { cause: error });
  }
  return { path, values: parseConfigText(path, textContent, optionKeys) };
}

export function parseConfigText(path: string, content: string, optionKeys: readonly string[] = []): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new ShakedownError('SD_CONFIG_INVALID', `${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ShakedownError('SD_CONFIG_INVALID', `${path} must hold a JSON object of settings`);
  }
  const values = parsed as Record<string, unknown>;
  const known: readonly string[] = [...SETTING_KEYS, ...optionKeys];
  const unknown = Object.keys(values).find((key) => key !== '$schema' && !known.includes(key));
  if (unknown !== undefined) {
    throw new ShakedownError('SD_CONFIG_INVALID', `${path}: key "${unknown}" is not a setting`, {
      details: `Known keys: ${known.join(', ')}.`,
    });
  }
  return values;
}
