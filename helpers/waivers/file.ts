// The waivers file (--waivers FILE): YAML, or JSON when its name ends in .json. It holds a list of
// entries, at the top or under the key `waivers`:
//
//   waivers:
//     - check: "dns/load › *"        # a check pattern or id (helpers/check-pattern.ts)
//       reason: CoreDNS is undersized until the node pool grows (OPS-1234)
//       until: 2027-03-31            # the last day it holds (UTC), YYYY-MM-DD
//       context: staging             # optional: only runs against this kubeconfig context (a pattern)
//       server: https://10.0.0.1:6443   # optional: only against this API server (a pattern)
//
// A file that is not one is refused before anything touches the cluster, naming the line: of a
// syntax error, of the entry that is wrong, of the key that is unknown.
import { readFileSync, statSync } from 'node:fs';
import { CORE_SCHEMA, EVENT_ID, getScalarValue, load, parseEvents, YAMLException, type Event } from 'js-yaml';
import { describeSource, fileProblem, type Source } from '../config.ts';
import { quote } from '../config-values.ts';
import { ShakedownError } from '../errors.ts';

export interface Waiver {
  // A check pattern or id, as written.
  check: string;
  reason: string;
  // The last day the waiver holds, YYYY-MM-DD (UTC).
  until: string;
  // Patterns for the kubeconfig context and the API server the waiver is limited to.
  context?: string;
  server?: string;
  // Where it is written: the file and the line its entry starts on.
  file: string;
  line: number;
  // Whether its pattern matches a check of any suite there is (known to the CLI, which reads every
  // manifest): one that matches none is stale at once. Undefined: not known, never called stale for it.
  known?: boolean;
}

export const WAIVER_KEYS = ['check', 'reason', 'until', 'context', 'server'] as const;
export const WAIVERS_MAX_BYTES = 1024 * 1024;

const ENTRY_HINT =
  'Each waiver is a mapping of check (a pattern or id such as "dns/*"), reason, until (the last day, YYYY-MM-DD) and, optionally, context and server; see the README, Waivers.';

// Reads and checks the file named by --waivers (or SHAKEDOWN_WAIVERS, or the config key): a
// regular file only (a FIFO would block), of a bounded size.
export function readWaivers(path: string, source: Source): Waiver[] {
  const unreadable = (reason: string, cause?: unknown): ShakedownError =>
    new ShakedownError('SD_CONFIG_INVALID', `cannot read the waivers file ${path} (from ${describeSource(source)}): ${reason}`, {
      cause,
      hint: 'Point --waivers at a YAML or JSON file of waivers, or leave it out.',
    });
  let text: string;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw unreadable('it is a directory');
    if (!stat.isFile()) throw unreadable('it is not a regular file (a FIFO, socket or device)');
    if (stat.size > WAIVERS_MAX_BYTES) throw unreadable(`it is ${stat.size} bytes; a waivers file is at most ${WAIVERS_MAX_BYTES}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ShakedownError) throw error;
    throw unreadable(fileProblem(error), (error as Error).message);
  }
  return parseWaivers(path, text);
}

export function parseWaivers(path: string, content: string): Waiver[] {
  const text = content.startsWith('\uFEFF') ? content.slice(1) : content;
  const json = path.toLowerCase().endsWith('.json');
  const bad = (line: number, problem: string, hint = ENTRY_HINT): ShakedownError =>
    new ShakedownError('SD_CONFIG_INVALID', `${path}:${line}: ${problem}`, { hint });
  if (text.trim() === '') throw bad(1, `the waivers file is empty: expected ${json ? '{"waivers": [...]}' : '"waivers:" and a list of entries'}`);
  let parsed: unknown;
  try {
    parsed = json ? JSON.parse(text) : load(text, { schema: CORE_SCHEMA });
  } catch (error) {
    if (error instanceof YAMLException) throw bad((error.mark?.line ?? 0) + 1, `not valid YAML: ${error.reason}`);
    if (json && error instanceof SyntaxError) throw bad(jsonErrorLine(text, error), `not valid JSON: ${error.message.replace(/\r?\n/g, '\\n')}`);
    throw error;
  }
  const lines = entryLines(text);
  let entries: unknown;
  if (Array.isArray(parsed)) entries = parsed;
  else if (isMapping(parsed)) {
    const other = Object.keys(parsed).find((key) => key !== 'waivers');
    if (other !== undefined)
      throw bad(lines.keys.get(other) ?? 1, `unknown key ${JSON.stringify(other)} at the top: the file holds "waivers", a list of entries`);
    if (!Object.hasOwn(parsed, 'waivers')) throw bad(1, 'expected the key "waivers" and a list of entries');
    entries = parsed.waivers;
    if (entries === null) entries = [];
  } else throw bad(1, `expected a list of waivers (or "waivers:" and a list), got ${kind(parsed)}`);
  if (!Array.isArray(entries)) throw bad(lines.keys.get('waivers') ?? 1, `"waivers" must be a list of entries, got ${kind(entries)}`);
  return entries.map((entry: unknown, index) => waiverEntry(entry, index, lines.entries[index] ?? 1, path, bad));
}

function waiverEntry(entry: unknown, index: number, line: number, path: string, bad: (line: number, problem: string) => ShakedownError): Waiver {
  const at = (problem: string) => bad(line, `waiver ${index + 1}: ${problem}`);
  if (!isMapping(entry)) throw at(`must be a mapping of check, reason and until, got ${kind(entry)}`);
  const unknown = Object.keys(entry).find((key) => !(WAIVER_KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) throw at(`unknown key ${JSON.stringify(unknown)} (a waiver has ${WAIVER_KEYS.join(', ')})`);
  const field = (key: (typeof WAIVER_KEYS)[number], required: boolean): string | undefined => {
    const value = entry[key];
    if (value === undefined || (value === null && !required)) {
      if (required) throw at(`"${key}" is missing`);
      return undefined;
    }
    if (typeof value !== 'string') throw at(`"${key}" must be ${key === 'until' ? 'a date YYYY-MM-DD in quotes or plain' : 'a string'}, got ${kind(value)}`);
    const text = value.trim().replace(/\s+/g, ' ');
    if (text === '') throw at(`"${key}" must not be empty`);
    if (/[\u0000-\u001f\u007f]/.test(text)) throw at(`"${key}" must be text without control characters, got ${quote(value)}`);
    return text;
  };
  const check = field('check', true) ?? '';
  const reason = field('reason', true) ?? '';
  const until = field('until', true) ?? '';
  if (!isDate(until)) throw at(`"until" must be a date YYYY-MM-DD (the last day the waiver holds), got ${quote(until)}`);
  const context = field('context', false);
  const server = field('server', false);
  return { check, reason, until, ...(context === undefined ? {} : { context }), ...(server === undefined ? {} : { server }), file: path, line };
}

// A real calendar date: 2027-02-29 is not one.
export function isDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function kind(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text[i] === '\n') line += 1;
  return line;
}

// The line of a JSON syntax error: from the position JSON.parse names, else the last line.
function jsonErrorLine(text: string, error: SyntaxError): number {
  const named = /\(line (\d+) column \d+\)/.exec(error.message);
  if (named !== null) return Number(named[1]);
  const position = /at position (\d+)/.exec(error.message);
  return lineAt(text, position === null ? text.trimEnd().length : Number(position[1]));
}

// Where each entry and each top-level key starts, read from the parser's events (JSON is YAML, so
// one walk serves both). Lines are 1-based; none when the text cannot be walked.
function entryLines(text: string): { entries: number[]; keys: Map<string, number> } {
  const found = { entries: [] as number[], keys: new Map<string, number>() };
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    return found;
  }
  const root = events.findIndex((event) => event.type !== EVENT_ID.DOCUMENT);
  const rootEvent = events[root];
  if (rootEvent === undefined) return found;
  const sequenceAt = (index: number): void => {
    for (let i = index + 1; events[i] !== undefined && events[i]?.type !== EVENT_ID.POP; i = skipNode(events, i))
      found.entries.push(lineAt(text, startOf(events[i] as Event)));
  };
  if (rootEvent.type === EVENT_ID.SEQUENCE) sequenceAt(root);
  else if (rootEvent.type === EVENT_ID.MAPPING) {
    for (let i = root + 1; events[i] !== undefined && events[i]?.type !== EVENT_ID.POP;) {
      const key = events[i] as Event;
      const valueAt = skipNode(events, i);
      if (key.type === EVENT_ID.SCALAR) {
        const name = getScalarValue(text, key);
        found.keys.set(name, lineAt(text, startOf(key)));
        if (name === 'waivers' && events[valueAt]?.type === EVENT_ID.SEQUENCE) sequenceAt(valueAt);
      }
      i = skipNode(events, valueAt);
    }
  }
  return found;
}

// The index after the node that starts at `index`.
function skipNode(events: readonly Event[], index: number): number {
  const event = events[index];
  if (event === undefined) return index + 1;
  if (event.type !== EVENT_ID.SEQUENCE && event.type !== EVENT_ID.MAPPING) return index + 1;
  let i = index + 1;
  while (events[i] !== undefined && events[i]?.type !== EVENT_ID.POP) i = skipNode(events, i);
  return i + 1;
}

function startOf(event: Event): number {
  switch (event.type) {
    case EVENT_ID.SEQUENCE:
    case EVENT_ID.MAPPING:
      return event.start;
    case EVENT_ID.SCALAR:
      return [event.anchorStart, event.tagStart, event.valueStart].filter((at) => at >= 0).reduce((a, b) => Math.min(a, b), event.valueStart);
    case EVENT_ID.ALIAS:
      return event.anchorStart;
    default:
      return 0;
  }
}
