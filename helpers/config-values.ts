// How each kind of setting is read from text (a flag or an environment variable) and from JSON
// (the config file). A parser throws InvalidValue with a short problem; the caller adds the source.

export class InvalidValue extends Error {
  override readonly name = 'InvalidValue';
}

export interface ValueType<T> {
  // What parseArgs needs to know about the flag.
  flag: { type: 'string' | 'boolean'; multiple?: boolean };
  // What a value of this type looks like, for usage and error messages.
  shape: string;
  fromText(text: string): T;
  fromJson(value: unknown): T;
  // A repeated flag (multiple: true) arrives as a list.
  fromFlag?(values: readonly string[]): T;
}

function nonEmpty(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidValue('must not be empty');
  return trimmed;
}

export const text: ValueType<string> = {
  flag: { type: 'string' },
  shape: 'TEXT',
  fromText: nonEmpty,
  fromJson(value) {
    if (typeof value !== 'string') throw new InvalidValue(`must be a string, got ${typeName(value)}`);
    return nonEmpty(value);
  },
};

export const boolean: ValueType<boolean> = {
  flag: { type: 'boolean' },
  shape: 'true|false',
  fromText(raw) {
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
    throw new InvalidValue(`must be true or false, got "${raw}"`);
  },
  fromJson(value) {
    if (typeof value !== 'boolean') throw new InvalidValue(`must be true or false, got ${typeName(value)}`);
    return value;
  },
};

export function integer(min: number, max: number): ValueType<number> {
  const check = (value: number, shown: string): number => {
    if (!Number.isInteger(value) || value < min || value > max) throw new InvalidValue(`must be an integer from ${min} to ${max}, got ${shown}`);
    return value;
  };
  return {
    flag: { type: 'string' },
    shape: `${min}..${max}`,
    fromText: (raw) => check(/^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN, `"${raw}"`),
    fromJson(value) {
      if (typeof value !== 'number') throw new InvalidValue(`must be a number, got ${typeName(value)}`);
      return check(value, String(value));
    },
  };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

// A duration with a unit: 500ms, 30s, 2m, 1h, 1d; returned in milliseconds.
export function duration(minMs: number, maxMs: number): ValueType<number> {
  const parse = (raw: string): number => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(raw);
    if (match === null) throw new InvalidValue(`must be a duration such as 500ms, 30s, 2m or 1h, got "${raw}"`);
    const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
    if (ms < minMs || ms > maxMs) throw new InvalidValue(`must be from ${formatMs(minMs)} to ${formatMs(maxMs)}, got ${raw.trim()}`);
    return ms;
  };
  return {
    flag: { type: 'string' },
    shape: 'DURATION',
    fromText: parse,
    fromJson(value) {
      if (typeof value !== 'string') throw new InvalidValue(`must be a duration string such as "30s", got ${typeName(value)}`);
      return parse(value);
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[]): ValueType<T> {
  const parse = (raw: string): T => {
    if (!(values as readonly string[]).includes(raw.trim())) throw new InvalidValue(`must be one of ${values.join(', ')}, got "${raw}"`);
    return raw.trim() as T;
  };
  return {
    flag: { type: 'string' },
    shape: values.join('|'),
    fromText: parse,
    fromJson(value) {
      if (typeof value !== 'string') throw new InvalidValue(`must be one of ${values.join(', ')}, got ${typeName(value)}`);
      return parse(value);
    },
  };
}

// A list of names: a repeatable flag, a comma-separated environment variable, a JSON array.
export const nameList: ValueType<string[]> = {
  flag: { type: 'string', multiple: true },
  shape: 'NAME',
  fromText: (raw) => uniqueNames(raw.split(',')),
  fromFlag: (values) => uniqueNames(values.flatMap((value) => value.split(','))),
  fromJson(value) {
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) {
      throw new InvalidValue(`must be an array of strings, got ${typeName(value)}`);
    }
    return uniqueNames(value as string[]);
  },
};

function uniqueNames(items: readonly string[]): string[] {
  const names = items.map((item) => item.trim()).filter((item) => item !== '');
  const bad = names.find((name) => !/^[a-z0-9][a-z0-9-]*$/.test(name));
  if (bad !== undefined) throw new InvalidValue(`"${bad}" is not a name (lowercase letters, digits and dashes)`);
  return [...new Set(names)];
}

export function formatMs(ms: number): string {
  for (const [unit, size] of [['d', UNIT_MS.d], ['h', UNIT_MS.h], ['m', UNIT_MS.m], ['s', UNIT_MS.s]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
