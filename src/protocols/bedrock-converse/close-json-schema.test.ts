import { describe, expect, it } from 'vitest';
import { closeJsonSchema } from './close-json-schema.js';

describe('closeJsonSchema', () => {
  it('closes every object that declares its properties, wherever it sits', () => {
    const item = { type: 'object', properties: { id: { type: 'integer' } } };
    expect(
      closeJsonSchema({
        type: ['object', 'null'],
        properties: { list: { type: 'array', items: item }, pair: { type: 'array', prefixItems: [item] } },
        anyOf: [item],
        $defs: { item },
        additionalProperties: false,
      }),
    ).toEqual({
      type: ['object', 'null'],
      properties: {
        list: { type: 'array', items: { ...item, additionalProperties: false } },
        pair: { type: 'array', prefixItems: [{ ...item, additionalProperties: false }] },
      },
      anyOf: [{ ...item, additionalProperties: false }],
      $defs: { item: { ...item, additionalProperties: false } },
      additionalProperties: false,
    });
  });

  it('leaves schemas without objects as they are', () => {
    const schema = { type: 'array', items: { type: 'string', enum: ['a', 'b'] } };
    expect(closeJsonSchema(schema)).toEqual(schema);
  });

  it('refuses objects that are open on purpose', () => {
    expect(closeJsonSchema({ type: 'object' })).toBeUndefined();
    expect(closeJsonSchema({ type: 'object', properties: {} })).toBeUndefined();
    expect(closeJsonSchema({ type: ['object', 'null'] })).toBeUndefined();
    expect(closeJsonSchema({ properties: { a: {} }, additionalProperties: true })).toBeUndefined();
    expect(
      closeJsonSchema({ type: 'array', items: { type: 'object', additionalProperties: {} } }),
    ).toBeUndefined();
    expect(closeJsonSchema({ not: { type: 'object' } })).toBeUndefined();
  });

  it('passes over a keyword that holds null instead of a subschema', () => {
    expect(closeJsonSchema({ type: 'array', items: null })).toStrictEqual({ type: 'array', items: null });
  });
});
