import { describe, expect, it } from 'vitest';
import { emptyTag, escapeAttribute, escapeText, openTag, textElement } from './xml.ts';
import { parseXml } from './testing/xml.ts';

describe('escapeText', () => {
  it('escapes markup characters', () => {
    expect(escapeText(`a < b && c > d "q" 'a' ]]>`)).toBe(`a &lt; b &amp;&amp; c &gt; d "q" 'a' ]]&gt;`);
  });

  it('drops ANSI colour sequences and spells out characters XML 1.0 forbids', () => {
    expect(escapeText('\u001b[31mred\u001b[0m bell\u0007 nul\u0000 ff\u000c')).toBe('red bell\\u0007 nul\\u0000 ff\\u000c');
    expect(escapeText('lone \ud800 and \ufffe')).toBe('lone \\ud800 and \\ufffe');
  });

  it('keeps tabs, line breaks and characters beyond the BMP', () => {
    expect(escapeText('a\tb\r\nc 🚀 ü')).toBe('a\tb\r\nc 🚀 ü');
  });
});

describe('escapeAttribute', () => {
  it('escapes quotes and whitespace so the value survives parsing unchanged', () => {
    const value = `say "hi" & 'bye' <now>\n\tnext\r\n`;
    const escaped = escapeAttribute(value);
    expect(escaped).not.toMatch(/["'<>\n\t\r]/);
    expect(parseXml(`<a v="${escaped}"/>`).attributes.v).toBe(value);
  });

  it('yields a parsable attribute from control characters', () => {
    expect(parseXml(`<a v="${escapeAttribute('x\u0001y')}"/>`).attributes.v).toBe('x\\u0001y');
  });
});

describe('tags', () => {
  it('writes attributes in order, escaped, and text elements that parse back to their input', () => {
    expect(openTag('testsuite', { name: 'a"b', tests: 3 })).toBe('<testsuite name="a&quot;b" tests="3">');
    expect(emptyTag('skipped', { message: "it's <late>" })).toBe('<skipped message="it&apos;s &lt;late&gt;"/>');
    const element = parseXml(textElement('failure', { type: 'timeout' }, 'x < y && z\n]]>'));
    expect(element).toEqual({ name: 'failure', attributes: { type: 'timeout' }, children: [], text: 'x < y && z\n]]>' });
  });
});
