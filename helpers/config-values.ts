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
  // What is allowed, in words ("an integer from 1 to 64"), for a flag given without its value; the shape when absent.
  expects?: string;
  fromText(text: string): T;
  fromJson(value: unknown): T;
  // A repeated flag (multiple: true) arrives as a list.
  fromFlag?(values: readonly string[]): T;
}

// A value as an error message shows it: quoted, escaped (a newline stays on the message's one
// line) and cut short when huge.
export function quote(raw: string): string {
  const shown = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}...` : raw);
  return raw.length > 80 ? `${shown} (${raw.length} characters)` : shown;
}

// One line of text: a control character (a newline, an escape sequence) is never meant.
function oneLine(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new InvalidValue('must not be empty');
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) throw new InvalidValue(`must be one line of text without control characters, got ${quote(text)}`);
  return trimmed;
}

// Text read from a flag, a variable or a JSON string through `parse`.
function textual<T>(shape: string, expects: string, parse: (text: string) => T): ValueType<T> {
  return {
    flag: { type: 'string' },
    shape,
    expects,
    fromText: (raw) => parse(oneLine(raw)),
    fromJson(value) {
      if (typeof value !== 'string') throw new InvalidValue(`must be a string, got ${typeName(value)}`);
      return parse(oneLine(value));
    },
  };
}

export const text: ValueType<string> = textual('TEXT', 'a value', (value) => value);

// A file path (resolved by the caller: against the working directory, or the config file's directory).
export const path: ValueType<string> = textual('FILE', 'a file path', (value) => value);

// A Kubernetes name that is a DNS-1123 label: a namespace (at most 63 lowercase letters, digits
// and dashes, starting and ending with a letter or digit).
export const dnsLabel: ValueType<string> = textual('NAME', 'a DNS-1123 label', (value) => {
  if (value.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    throw new InvalidValue(
      `must be a DNS-1123 label (at most 63 lowercase letters, digits and dashes, starting and ending with a letter or digit), got ${quote(value)}`,
    );
  }
  return value;
});

// A Kubernetes name that is a DNS-1123 subdomain: a Secret (at most 253 characters, dot-separated labels).
export const dnsSubdomain: ValueType<string> = textual('NAME', 'a DNS-1123 subdomain', (value) => {
  if (value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    throw new InvalidValue(
      `must be a DNS-1123 subdomain (at most 253 lowercase letters, digits, dashes and dots, starting and ending with a letter or digit), got ${quote(value)}`,
    );
  }
  return value;
});

// An image reference as the container runtime reads it: [HOST[:PORT]/]PATH[:TAG][@DIGEST], the path
// in lowercase (the grammar of the distribution project's reference package).
const IMAGE_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_DOMAIN = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?';
const IMAGE_REFERENCE = new RegExp(
  `^(?:${IMAGE_DOMAIN}/)?${IMAGE_COMPONENT}(?:/${IMAGE_COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

export const imageReference: ValueType<string> = textual('TEXT', 'an image reference', (value) => {
  if (value.length > 255 + 128 + 100 || !IMAGE_REFERENCE.test(value)) {
    throw new InvalidValue(`must be an image reference such as HOST/PATH:TAG (lowercase path, no spaces), got ${quote(value)}`);
  }
  return value;
});

export const boolean: ValueType<boolean> = {
  flag: { type: 'boolean' },
  shape: 'true|false',
  expects: 'true or false',
  fromText(raw) {
    const value = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(value)) return false;
    throw new InvalidValue(`must be true or false, got ${quote(raw)}`);
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
    expects: `an integer from ${min} to ${max}`,
    fromText: (raw) => check(/^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN, quote(raw)),
    fromJson(value) {
      if (typeof value !== 'number') throw new InvalidValue(`must be a number, got ${typeName(value)}`);
      return check(value, String(value));
    },
  };
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

// A duration with a unit: 500ms, 30s, 2m, 1h, 1d; returned in milliseconds.
export function duration(minMs: number, maxMs: number): ValueType<number> {
  const range = `from ${formatMs(minMs)} to ${formatMs(maxMs)}`;
  const parse = (raw: string): number => {
    // A negative duration is a mistake worth naming as such, not as a bad format.
    if (/^\s*-\s*\d+(?:\.\d+)?\s*(ms|s|m|h|d)?\s*$/.test(raw)) throw new InvalidValue(`must be a positive duration ${range}, got ${raw.trim()}`);
    const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(raw);
    if (match === null) throw new InvalidValue(`must be a duration such as 500ms, 30s, 2m or 1h, got ${quote(raw)}`);
    const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
    if (!Number.isFinite(ms) || ms < minMs || ms > maxMs) throw new InvalidValue(`must be ${range}, got ${raw.trim()}`);
    return ms;
  };
  return {
    flag: { type: 'string' },
    shape: 'DURATION',
    expects: `a duration ${range} such as 30s`,
    fromText: parse,
    fromJson(value) {
      if (typeof value !== 'string') throw new InvalidValue(`must be a duration string such as "30s", got ${typeName(value)}`);
      return parse(value);
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[]): ValueType<T> {
  const parse = (raw: string): T => {
    if (!(values as readonly string[]).includes(raw.trim())) throw new InvalidValue(`must be one of ${values.join(', ')}, got ${quote(raw)}`);
    return raw.trim() as T;
  };
  return {
    flag: { type: 'string' },
    shape: values.join('|'),
    expects: `one of ${values.join(', ')}`,
    fromText: parse,
    fromJson(value) {
      if (typeof value !== 'string') throw new InvalidValue(`must be one of ${values.join(', ')}, got ${typeName(value)}`);
      return parse(value);
    },
  };
}

// A list of names: a repeatable flag, a comma-separated environment variable, a JSON array. Given,
// it names at least one: an empty list or an empty name (`--suite ''`, "dns,") is a mistake, not
// the default (which is what leaving it out gives).
export const nameList: ValueType<string[]> = {
  flag: { type: 'string', multiple: true },
  shape: 'NAME',
  expects: 'a name (lowercase letters, digits and dashes)',
  fromText: (raw) => uniqueNames(raw.split(','), raw),
  fromFlag: (values) =>
    uniqueNames(
      values.flatMap((value) => value.split(',')),
      values.join(','),
    ),
  fromJson(value) {
    if (!Array.isArray(value)) throw new InvalidValue(`must be an array of strings, got ${typeName(value)}`);
    const bad = value.findIndex((item) => typeof item !== 'string');
    if (bad >= 0) throw new InvalidValue(`must be an array of strings, got ${typeName(value[bad])} at index ${bad}`);
    return uniqueNames(value as string[], JSON.stringify(value));
  },
};

function uniqueNames(items: readonly string[], given: string): string[] {
  const names = items.map((item) => item.trim());
  if (names.every((name) => name === ''))
    throw new InvalidValue(`must name at least one (lowercase letters, digits and dashes); leave it out for the default, got ${quote(given)}`);
  if (names.includes('')) throw new InvalidValue(`has an empty name in ${quote(given)} (names are separated by commas)`);
  const bad = names.find((name) => !/^[a-z0-9][a-z0-9-]*$/.test(name));
  if (bad !== undefined) throw new InvalidValue(`${quote(bad)} is not a name (lowercase letters, digits and dashes)`);
  return [...new Set(names)];
}

// Check patterns (helpers/check-pattern.ts): a repeatable flag, one pattern per value; an
// environment variable of one pattern per line (titles hold commas and semicolons); a JSON array.
export const patternList: ValueType<string[]> = {
  flag: { type: 'string', multiple: true },
  shape: 'PATTERN',
  expects: 'a check pattern such as "dns/*" (SUITE/CHECK TITLE, * for any text)',
  fromText: (raw) =>
    uniquePatterns(
      raw.split(/\r?\n/).filter((line) => line.trim() !== ''),
      raw,
    ),
  fromFlag: (values) => uniquePatterns(values, values.join('\n')),
  fromJson(value) {
    if (!Array.isArray(value)) throw new InvalidValue(`must be an array of check patterns, got ${typeName(value)}`);
    const bad = value.findIndex((item) => typeof item !== 'string');
    if (bad >= 0) throw new InvalidValue(`must be an array of check patterns (strings), got ${typeName(value[bad])} at index ${bad}`);
    if (value.length === 0) throw new InvalidValue('must name at least one pattern; leave it out for every check');
    return uniquePatterns(value as string[], JSON.stringify(value));
  },
};

function uniquePatterns(items: readonly string[], given: string): string[] {
  if (items.length === 0) throw new InvalidValue(`must name at least one pattern; leave it out for every check, got ${quote(given)}`);
  const patterns = items.map((item) => {
    if (item.trim() === '') throw new InvalidValue(`must not be an empty pattern (SUITE/CHECK TITLE, * for any text), got ${quote(given)}`);
    if (/[\u0000-\u001f\u007f]/.test(item.trim())) throw new InvalidValue(`must be one line of text without control characters, got ${quote(item)}`);
    return item.trim();
  });
  return [...new Set(patterns)];
}

// KEY=VALUE pairs: a repeatable flag, a comma-separated environment variable, a JSON object of
// strings. A key is given once; the value is one line and may hold '=' (only the first one splits).
export const keyValues: ValueType<Record<string, string>> = {
  flag: { type: 'string', multiple: true },
  shape: 'KEY=VALUE',
  expects: 'KEY=VALUE',
  fromText: (raw) => pairs(raw.split(',')),
  fromFlag: (values) => pairs(values),
  fromJson(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidValue(`must be an object of strings, got ${typeName(value)}`);
    const entries = Object.entries(value as Record<string, unknown>);
    const bad = entries.find(([, item]) => typeof item !== 'string');
    if (bad !== undefined) throw new InvalidValue(`must be an object of strings, got ${typeName(bad[1])} for ${quote(bad[0])}`);
    return pairs(entries.map(([key, item]) => `${key}=${String(item)}`));
  },
};

function pairs(items: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of items) {
    const line = oneLine(item);
    const at = line.indexOf('=');
    const key = at < 0 ? '' : line.slice(0, at).trim();
    if (at <= 0 || key === '') throw new InvalidValue(`must be KEY=VALUE, got ${quote(item)}`);
    if (key in result) throw new InvalidValue(`gives ${quote(key)} twice`);
    result[key] = line.slice(at + 1);
  }
  return result;
}

export function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', UNIT_MS.d],
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
