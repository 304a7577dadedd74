import { describe, expect, it } from 'vitest';
import { matchesExpected, validateAgainstSchema } from './validate-json.js';

describe('validateAgainstSchema', () => {
  it('is undefined for a value that fits', () => {
    expect(validateAgainstSchema({ n: 1 }, { type: 'object', properties: { n: { type: 'number' } } })).toBe(
      undefined,
    );
  });

  it('names the path of the first problem, (root) for the value itself', () => {
    expect(validateAgainstSchema(5, { type: 'object' })).toBe(
      '(root): Invalid input: expected object, received number',
    );
    const nested = {
      type: 'object',
      properties: { a: { type: 'object', properties: { b: { type: 'string' } } } },
    };
    expect(validateAgainstSchema({ a: { b: 1 } }, nested)).toBe(
      'a.b: Invalid input: expected string, received number',
    );
  });

  it('requires a required key even when the schema does not list it under properties', () => {
    // Regression: zod enforces `required` only for declared properties, so `{}` passed.
    expect(validateAgainstSchema({}, { type: 'object', required: ['a'] })).toMatch(/^a: /);
    expect(validateAgainstSchema({ a: null }, { type: 'object', required: ['a'] })).toBe(undefined);
    const nested = {
      type: 'object',
      properties: {
        list: { type: 'array', items: { type: 'object', required: ['id'] } },
        either: { anyOf: [{ type: 'object', required: ['x'] }, { type: 'string' }] },
      },
    };
    expect(validateAgainstSchema({ list: [{ id: 1 }, {}] }, nested)).toMatch(/^list\.1\.id: /);
    expect(validateAgainstSchema({ either: {} }, nested)).toMatch(/^either: /);
    expect(validateAgainstSchema({ list: [{ id: 1 }], either: { x: 0 } }, nested)).toBe(undefined);
    // The caller's schema is not changed.
    const schema = { type: 'object', required: ['a'] };
    validateAgainstSchema({}, schema);
    expect(schema).toStrictEqual({ type: 'object', required: ['a'] });
  });

  it('reports a schema it cannot read', () => {
    expect(validateAgainstSchema({}, { type: 'frobnicate' })).toBe(
      'unusable schema: Unsupported type: frobnicate',
    );
  });
});

describe('matchesExpected', () => {
  it('refuses anything but a JSON object', () => {
    expect(matchesExpected([1], { a: 1 })).toBe('not a JSON object');
    expect(matchesExpected(null, { a: 1 })).toBe('not a JSON object');
    expect(matchesExpected(3, {})).toBe('not a JSON object');
    expect(matchesExpected('x', {})).toBe('not a JSON object');
  });

  it('names the first field that differs, deeply, or is missing', () => {
    expect(matchesExpected({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } })).toBe(undefined);
    expect(matchesExpected({ a: 1, b: { c: [1, 3] } }, { a: 1, b: { c: [1, 2] } })).toBe(
      'b: expected {"c":[1,2]}, got {"c":[1,3]}',
    );
    expect(matchesExpected({ a: '1' }, { a: 1 })).toBe('a: expected 1, got "1"');
    expect(matchesExpected({}, { a: 1 })).toBe('a: expected 1, got nothing');
    expect(matchesExpected({ a: 2 }, {})).toBe(undefined);
  });
});
