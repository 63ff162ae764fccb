// Writing XML 1.0: escaping of text and attribute values, and tags built from them.

// ANSI terminal sequences in captured logs carry nothing a report reader needs.
const ANSI_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]/g;

// Everything outside the XML 1.0 Char production; lone surrogates included.
const ILLEGAL_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

// A parser rejects the whole document over one illegal character, so each is
// replaced by a visible \uXXXX spelling instead.
function legalChars(text: string): string {
  return text.replace(ANSI_SEQUENCE, '').replace(ILLEGAL_CHAR, (char) => `\\u${(char.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
}

export function escapeText(text: string): string {
  return legalChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Tabs and line breaks are written as references: a parser would otherwise
// normalise them to spaces inside an attribute value.
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}

export type Attributes = Readonly<Record<string, string | number>>;

function attributeText(attributes: Attributes): string {
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeAttribute(String(value))}"`)
    .join('');
}

export function openTag(name: string, attributes: Attributes): string {
  return `<${name}${attributeText(attributes)}>`;
}

export function emptyTag(name: string, attributes: Attributes): string {
  return `<${name}${attributeText(attributes)}/>`;
}

export function textElement(name: string, attributes: Attributes, text: string): string {
  return `${openTag(name, attributes)}${escapeText(text)}</${name}>`;
}
