// Text from the cluster or from a plugin (log tails, event messages, object names, API error
// messages, a credential plugin's stderr) as it may be shown on a terminal: control characters are
// spelled out instead of reaching the terminal raw (an ESC starts a colour, a cursor move, an OSC 8
// link or an OSC 52 clipboard write; BEL, backspace and a lone CR rewrite what was printed), and the
// length is capped. Newlines and tabs stay where the layout needs them. Reports keep the text as
// data (JSON escapes it, xml.ts makes it legal XML); this is for the console only. It lives in
// helpers/ because error formatting (errors.ts formatError) and the engine's one-line summaries use
// it too, and helpers/ never imports reports/.

export interface TerminalTextOptions {
  // At most this many characters (code points) of the text are kept; what is cut is counted.
  max?: number;
  // For a text that must stay on one line (a live display, a label): newlines are spelled out as
  // \n and tabs become spaces.
  oneLine?: boolean;
}

// Generous for a failure's evidence (failure-evidence.ts bounds each piece to about 4000), small
// enough that no single string floods a terminal.
export const MAX_TERMINAL_TEXT = 8000;

// C0 controls but tab and newline, DEL, C1 controls (U+009B is a CSI to some terminals), and the
// bidirectional overrides and isolates that reorder what a terminal shows.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

// The text, safe to write to a terminal.
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  const max = options.max ?? MAX_TERMINAL_TEXT;
  const [kept, cut] = capped(text, max);
  let safe = kept.replace(/\r\n/g, '\n').replace(CONTROL, spell);
  if (options.oneLine === true) safe = safe.replace(/\n/g, '\\n').replace(/\t/g, ' ');
  return cut === 0 ? safe : `${safe}… (${cut} more character${cut === 1 ? '' : 's'})`;
}

// Every string in a plain value (an object of results, a run's facts), safe to write to a terminal;
// numbers, booleans and the shape are kept. Class instances other than arrays are left as they are.
export function terminalStrings<T>(value: T, options: TerminalTextOptions = {}): T {
  if (typeof value === 'string') return terminalText(value, options) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => terminalStrings(item, options)) as T;
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, terminalStrings(item, options)])) as T;
  }
  return value;
}

function spell(char: string): string {
  if (char === '\r') return '\\r';
  const code = char.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

// The first max code points of the text (a surrogate pair is never split) and how many were cut.
function capped(text: string, max: number): [string, number] {
  if (text.length <= max) return [text, 0];
  let kept = 0;
  let end = 0;
  for (const char of text) {
    if (kept === max) break;
    kept += 1;
    end += char.length;
  }
  if (end === text.length) return [text, 0];
  let rest = 0;
  for (const _ of text.slice(end)) rest += 1;
  return [text.slice(0, end), rest];
}
