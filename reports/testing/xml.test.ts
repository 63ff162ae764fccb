import { describe, expect, it } from 'vitest';
import { childrenNamed, parseXml } from './xml.ts';

describe('parseXml (test helper)', () => {
  it('reads elements, attributes, text and references', () => {
    const root = parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1 &amp; 2" y=\'&lt;&#65;&#x42;\'>\n  <b/>text &gt; more<c z="&#10;"></c>\n</a>\n');
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1 & 2', y: '<AB' });
    expect(root.children.map((child) => child.name)).toEqual(['b', 'c']);
    expect(root.text).toBe('\n  text > more\n');
    expect(childrenNamed(root, 'c')[0]?.attributes.z).toBe('\n');
  });

  it('normalises literal whitespace in attribute values to spaces', () => {
    expect(parseXml('<a v="1\n2\t3"/>').attributes.v).toBe('1 2 3');
  });

  it.each([
    ['a mismatched closing tag', '<a><b></a></b>'],
    ['an unclosed element', '<a><b/>'],
    ['a bare ampersand in text', '<a>fish & chips</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a reference to an illegal character', '<a>&#27;</a>'],
    ['a raw control character', '<a>\u001b[31m</a>'],
    ['a lone surrogate', '<a>\ud800</a>'],
    ['"<" in an attribute', '<a v="<"/>'],
    ['an unquoted attribute', '<a v=1/>'],
    ['a duplicate attribute', '<a v="1" v="2"/>'],
    ['attributes without whitespace between them', '<a v="1"w="2"/>'],
    ['two root elements', '<a/><b/>'],
    ['"]]>" in text', '<a>]]></a>'],
    ['a comment', '<a><!-- no --></a>'],
  ])('rejects %s', (_case, source) => {
    expect(() => parseXml(source)).toThrow();
  });
});
