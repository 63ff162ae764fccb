// A strict parser for the XML our reporters write, for tests only: elements,
// attributes, text, the five predefined entities and character references,
// and an optional XML declaration. Anything else (comments, CDATA, DOCTYPE),
// and every well-formedness error, throws with the offset where it occurred.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  // The element's own character data, references decoded.
  text: string;
}

const NAME = /[A-Za-z_][\w.-]*/y;
const SPACE = /[ \t\r\n]*/y;
const ILLEGAL_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  const illegal = ILLEGAL_CHAR.exec(source);
  if (illegal) throw new Error(`illegal XML character U+${(illegal[0].codePointAt(0) ?? 0).toString(16)} at ${illegal.index}`);
  let pos = 0;

  const fail = (problem: string): never => {
    throw new Error(`${problem} at ${pos}: ${JSON.stringify(source.slice(pos, pos + 30))}`);
  };
  const skipSpace = (): void => {
    SPACE.lastIndex = pos;
    SPACE.exec(source);
    pos = SPACE.lastIndex;
  };
  const expect = (literal: string): void => {
    if (!source.startsWith(literal, pos)) fail(`expected ${JSON.stringify(literal)}`);
    pos += literal.length;
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(source);
    if (!match) return fail('expected a name');
    pos = NAME.lastIndex;
    return match[0];
  };

  const decode = (raw: string): string =>
    raw.replace(/&([^;]*);|&/g, (whole, ref: string | undefined) => {
      if (ref === undefined) return fail('bare "&"');
      const named = ENTITIES[ref];
      if (named !== undefined) return named;
      const code = /^#x[0-9a-fA-F]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
      if (Number.isNaN(code) || code > 0x10ffff || ILLEGAL_CHAR.test(String.fromCodePoint(code))) return fail(`bad reference ${whole}`);
      return String.fromCodePoint(code);
    });

  const attributeValue = (): string => {
    const quote = source[pos];
    if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
    const end = source.indexOf(quote, pos + 1);
    if (end < 0) return fail('unterminated attribute value');
    const raw = source.slice(pos + 1, end);
    if (raw.includes('<')) fail('"<" in an attribute value');
    pos = end + 1;
    // Literal whitespace in an attribute value is normalised to a space (XML 1.0, 3.3.3).
    return decode(raw.replace(/[\t\r\n]/g, ' '));
  };

  const element = (): XmlElement => {
    expect('<');
    const node: XmlElement = { name: name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const before = pos;
      skipSpace();
      if (source.startsWith('/>', pos)) {
        pos += 2;
        return node;
      }
      if (source[pos] === '>') {
        pos += 1;
        break;
      }
      if (pos === before) fail('expected whitespace before an attribute');
      const attribute = name();
      if (attribute in node.attributes) fail(`duplicate attribute ${attribute}`);
      skipSpace();
      expect('=');
      skipSpace();
      node.attributes[attribute] = attributeValue();
    }
    for (;;) {
      const next = source.indexOf('<', pos);
      if (next < 0) fail(`unclosed <${node.name}>`);
      const raw = source.slice(pos, next);
      if (raw.includes(']]>')) fail('"]]>" in character data');
      node.text += decode(raw);
      pos = next;
      if (source.startsWith('</', pos)) {
        pos += 2;
        if (name() !== node.name) fail(`mismatched closing tag for <${node.name}>`);
        skipSpace();
        expect('>');
        return node;
      }
      if (source.startsWith('<!', pos) || source.startsWith('<?', pos)) fail('unsupported markup');
      node.children.push(element());
    }
  };

  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0 || !/^<\?xml version="1\.0"( encoding="UTF-8")?\?>$/.test(source.slice(0, end + 2))) fail('bad XML declaration');
    pos = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (pos !== source.length) fail('content after the root element');
  return root;
}

// Direct children with the given element name.
export function childrenNamed(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((child) => child.name === name);
}
