import { describe, expect, it } from 'vitest';
import { validate } from './json-schema.ts';

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['kind', 'items'],
  additionalProperties: false,
  properties: {
    kind: { enum: ['a', 'b'] },
    version: { const: 1 },
    items: { type: 'array', items: { $ref: '#/$defs/item' } },
    note: { type: ['string', 'null'] },
  },
  allOf: [{ if: { properties: { kind: { const: 'b' } } }, then: { required: ['note'] } }],
  $defs: { item: { type: 'integer', minimum: 0 } },
};

describe('validate (test helper)', () => {
  it('accepts a valid value', () => {
    expect(validate(schema, { kind: 'b', version: 1, items: [0, 3], note: null })).toEqual([]);
  });

  it('reports every violation with its path', () => {
    expect(validate(schema, { kind: 'c', version: 2, items: [1, -1, 1.5, 'x'], extra: true })).toEqual([
      '$.kind: "c" is not one of ["a","b"]',
      '$.version: expected 1',
      '$.items[1]: -1 is below the minimum 0',
      '$.items[2]: expected integer, got 1.5',
      '$.items[3]: expected integer, got "x"',
      '$.extra: no value is allowed here',
    ]);
  });

  it('applies then only when if matches', () => {
    expect(validate(schema, { kind: 'a', items: [] })).toEqual([]);
    expect(validate(schema, { kind: 'b', items: [] })).toEqual(['$: missing required property "note"']);
  });

  it('refuses keywords it does not implement instead of ignoring them', () => {
    expect(() => validate({ type: 'string', pattern: '^a' }, 'b')).toThrow(/unsupported schema keyword "pattern"/);
  });
});
