import { describe, expect, it } from 'vitest';
import { terminalStrings, terminalText } from './terminal-text.ts';

describe('terminalText', () => {
  const ESC = '\u001b';
  const cases: [name: string, text: string, shown: string][] = [
    ['plain text as it is', 'pod sd-probe-0 not ready', 'pod sd-probe-0 not ready'],
    ['newlines and tabs kept', 'events:\n\tWarning BackOff', 'events:\n\tWarning BackOff'],
    ['a colour sequence spelled out', `${ESC}[31mred${ESC}[0m`, '\\x1b[31mred\\x1b[0m'],
    ['an OSC 8 hyperlink', `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`, '\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\'],
    ['an OSC 52 clipboard write ended by BEL', `${ESC}]52;c;cm0gLXJmIH4=\u0007`, '\\x1b]52;c;cm0gLXJmIH4=\\x07'],
    ['backspace', 'ok\b\bno', 'ok\\x08\\x08no'],
    ['a lone carriage return', 'done\rFAILED', 'done\\rFAILED'],
    ['CRLF line endings as newlines', 'a\r\nb\r\n', 'a\nb\n'],
    ['NUL, vertical tab, form feed, DEL', '\u0000\u000b\u000c\u007f', '\\x00\\x0b\\x0c\\x7f'],
    ['a C1 CSI', '\u009b31m', '\\x9b31m'],
    ['bidirectional overrides', 'abc\u202edcba\u2066x\u2069', 'abc\\u202edcba\\u2066x\\u2069'],
    ['other Unicode as it is', 'naïve ✓ 日本 🚀', 'naïve ✓ 日本 🚀'],
  ];
  it.each(cases)('%s', (_name, text, shown) => {
    expect(terminalText(text)).toBe(shown);
  });

  const oneLine: [name: string, text: string, shown: string][] = [
    ['newlines spelled out', 'exec: exit 1\nlogin expired\n', 'exec: exit 1\\nlogin expired\\n'],
    ['CRLF as one newline', 'a\r\nb', 'a\\nb'],
    ['tabs as spaces', 'a\tb', 'a b'],
    ['escapes still spelled out', `${ESC}[2J`, '\\x1b[2J'],
  ];
  it.each(oneLine)('on one line: %s', (_name, text, shown) => {
    expect(terminalText(text, { oneLine: true })).toBe(shown);
  });

  it('caps the length, counting what was cut, before spelling out (a pair is never split)', () => {
    expect(terminalText('abcdef', { max: 4 })).toBe('abcd… (2 more characters)');
    expect(terminalText('abcde', { max: 4 })).toBe('abcd… (1 more character)');
    expect(terminalText('abcd', { max: 4 })).toBe('abcd');
    expect(terminalText('🚀🚀🚀', { max: 2 })).toBe('🚀🚀… (1 more character)');
    expect(terminalText(`${ESC}${ESC}${ESC}`, { max: 2 })).toBe('\\x1b\\x1b… (1 more character)');
    expect(terminalText('x'.repeat(20_000))).toHaveLength(8000 + '… (12000 more characters)'.length);
  });

  it('is stable on its own output', () => {
    for (const [, text] of cases) expect(terminalText(terminalText(text))).toBe(terminalText(text));
  });
});

describe('terminalStrings', () => {
  it('makes every string of a plain value safe and keeps the rest', () => {
    const value = { message: 'a\u001b[1mb', durationMs: 12, ok: true, none: undefined, evidence: [{ label: 'log', text: 'x\u0007' }], origin: null };
    expect(terminalStrings(value)).toEqual({
      message: 'a\\x1b[1mb',
      durationMs: 12,
      ok: true,
      none: undefined,
      evidence: [{ label: 'log', text: 'x\\x07' }],
      origin: null,
    });
  });

  it('leaves class instances (errors, dates) as they are', () => {
    const error = new Error('\u001b[31m');
    const date = new Date(0);
    expect(terminalStrings({ error, date })).toEqual({ error, date });
    expect(terminalStrings({ error }).error).toBe(error);
  });
});
