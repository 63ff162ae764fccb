// One precedence rule for every setting: flag, then environment variable (SHAKEDOWN_*), then the
// config file (--config FILE, JSON), then the default. A bad value is reported with its source:
// the flag, the variable, or the file and key.
import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InvalidValue, quote, type ValueType } from './config-values.ts';
import type { ResolvedOptions, SuiteManifest } from './engine/manifest.ts';
import { ShakedownError } from './errors.ts';
import { KNOBS, SETTING_KEYS, type Knob, type SettingKey, type Settings } from './settings.ts';

export type Env = Readonly<Record<string, string | undefined>>;
export type FlagValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export type Source = { kind: 'flag'; flag: string } | { kind: 'env'; variable: string } | { kind: 'file'; path: string; key: string } | { kind: 'default' };

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

// The options of the chosen suites, by the same rule, keyed by suite then option name. The options
// of the other suites (in `all`) are read too, so a bad value is refused even where it would go
// unused, and one given as a flag is refused: on this run it would do nothing.
export function resolveSuiteOptions(manifests: readonly SuiteManifest[], layers: Layers, all: readonly SuiteManifest[] = manifests): ResolvedOptions {
  const resolved: ResolvedOptions = {};
  for (const manifest of manifests) {
    const values: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(manifest.options)) values[name] = resolveOne(spec.key, spec, layers)[0];
    resolved[manifest.name] = values;
  }
  const chosenFlags = new Set(manifests.flatMap((manifest) => Object.values(manifest.options).map((spec) => spec.flag)));
  const running = manifests.map((manifest) => manifest.name).join(', ') || 'no suite';
  for (const other of all.filter((manifest) => !Object.hasOwn(resolved, manifest.name))) {
    for (const spec of Object.values(other.options)) {
      resolveOne(spec.key, spec, layers);
      if (layers.flags[spec.flag] !== undefined && !chosenFlags.has(spec.flag)) {
        throw invalid(
          { kind: 'flag', flag: spec.flag },
          `is an option of suite ${other.name}, which this run leaves out (it runs ${running}); add --suite ${other.name}, or leave the flag out`,
        );
      }
    }
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
    // No cause: the problem is the whole story, and a stack trace is not for bad input.
    throw invalid(source, error.message);
  }
}

// The error for a bad value, naming where it came from; the hint says what to change there.
export function invalid(source: Source, problem: string, cause?: unknown): ShakedownError {
  if (source.kind === 'flag') return new ShakedownError('SD_BAD_FLAG', `--${source.flag} ${problem}`, { cause });
  const hint =
    source.kind === 'env'
      ? `Fix or unset ${source.variable}; a flag overrides it.`
      : source.kind === 'file'
        ? `Fix the key "${source.key}" in ${source.path}; a flag or environment variable overrides it.`
        : undefined;
  return new ShakedownError('SD_CONFIG_INVALID', `${describeSource(source)} ${problem}`, { cause, ...(hint === undefined ? {} : { hint }) });
}

// A config file is a small JSON object; anything larger is not one (and is not read whole).
export const CONFIG_MAX_BYTES = 1024 * 1024;

// Reads the config file named by --config or SHAKEDOWN_CONFIG; none when neither is set. Its keys
// are the engine's settings and the suites' options (optionKeys). Only a regular file is read: a
// directory, a FIFO (which would block) or a device is refused before opening it.
export function loadConfigFile(flags: FlagValues, env: Env, cwd: string, optionKeys: readonly string[] = []): ConfigFile | undefined {
  const flag = flags[CONFIG_FLAG];
  const named = typeof flag === 'string' ? flag : env[CONFIG_ENV];
  if (named === undefined || (typeof flag !== 'string' && named === '')) return undefined;
  const origin = typeof flag === 'string' ? `--${CONFIG_FLAG}` : CONFIG_ENV;
  const hint = `Point ${origin} at a JSON file of settings, or leave it out.`;
  if (named.trim() === '' || /[\u0000-\u001f\u007f]/.test(named))
    throw new ShakedownError(origin === CONFIG_ENV ? 'SD_CONFIG_INVALID' : 'SD_BAD_FLAG', `${origin} must name a file, got ${quote(named)}`, { hint });
  const path = resolve(cwd, named);
  const unreadable = (reason: string, cause?: unknown): ShakedownError =>
    new ShakedownError('SD_CONFIG_INVALID', `cannot read the config file ${path} (from ${origin}): ${reason}`, { cause, hint });
  let textContent: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw unreadable('it is a directory');
    if (!stat.isFile()) throw unreadable('it is not a regular file (a FIFO, socket or device)');
    if (stat.size > CONFIG_MAX_BYTES) throw unreadable(`it is ${stat.size} bytes; a config file is at most ${CONFIG_MAX_BYTES}`);
    textContent = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ShakedownError) throw error;
    // The system's own words as the cause (shown with --verbose), without its stack.
    throw unreadable(fileProblem(error), (error as Error).message);
  }
  return { path, values: parseConfigText(path, textContent, optionKeys) };
}

// JSON.parse quotes the text around a syntax error, newlines included: kept on one line.
export function oneLineMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\r?\n/g, '\\n');
}

// Why a file could not be read, in words (the errno code when it has none).
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    ENOTDIR: 'a part of its path is not a directory',
    EISDIR: 'it is a directory',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'the name is too long',
  };
  return (code === undefined ? undefined : words[code]) ?? (code === undefined ? (error as Error).message : `${code}`);
}

export function parseConfigText(path: string, content: string, optionKeys: readonly string[] = []): Record<string, unknown> {
  const hint = `Fix ${path}: a JSON object of settings, such as {"concurrency": 4}.`;
  // An editor's byte order mark is not part of the JSON.
  const json = content.startsWith('\uFEFF') ? content.slice(1) : content;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ShakedownError('SD_CONFIG_INVALID', `${path} is not valid JSON: ${json.trim() === '' ? 'it is empty' : oneLineMessage(error)}`, { hint });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ShakedownError('SD_CONFIG_INVALID', `${path} must hold a JSON object of settings`, { hint });
  }
  const values = parsed as Record<string, unknown>;
  const known: readonly string[] = [...SETTING_KEYS, ...optionKeys];
  const unknown = Object.keys(values).find((key) => key !== '$schema' && !known.includes(key));
  if (unknown !== undefined) {
    throw new ShakedownError('SD_CONFIG_INVALID', `${path}: key "${unknown}" is not a setting`, {
      details: `Known keys: ${known.join(', ')}.`,
      hint: `Remove or rename "${unknown}"; \`shakedown COMMAND --help\` lists each setting's config key.`,
    });
  }
  if (values.$schema !== undefined && typeof values.$schema !== 'string') {
    throw new ShakedownError(
      'SD_CONFIG_INVALID',
      `${path}: key "$schema" must be a string (the schema's URL), got ${values.$schema === null ? 'null' : typeof values.$schema}`,
      { hint },
    );
  }
  // JSON.parse keeps the last of two equal keys; the file's author meant one of them.
  const twice = repeatedKey(json);
  if (twice !== undefined) throw new ShakedownError('SD_CONFIG_INVALID', `${path}: key "${twice}" is given twice`, { hint: `Keep one "${twice}" in ${path}.` });
  return values;
}

// The first key the top-level object of a valid JSON text names twice, if any.
function repeatedKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i += 1) {
    const char = json[i];
    if (char === '{' || char === '[') depth += 1;
    else if (char === '}' || char === ']') depth -= 1;
    else if (char === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const literal = json.slice(i, end + 1);
      i = end;
      // A string at depth 1 followed by a colon is a key of the top-level object.
      const colon = /\s*:/y;
      colon.lastIndex = end + 1;
      if (depth === 1 && colon.test(json)) {
        const key = JSON.parse(literal) as string;
        if (seen.has(key)) return key;
        seen.add(key);
      }
    }
  }
  return undefined;
}
