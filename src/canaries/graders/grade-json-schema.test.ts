import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeJsonSchema } from './grade-json-schema.js';

const schema = {
  type: 'object',
  properties: {
    city: { type: 'string' },
    population: { type: 'integer' },
    unit: { enum: ['c', 'f'] },
    tags: { type: 'array', items: { type: 'string' } },
  },
  required: ['city', 'unit'],
};

describe('gradeJsonSchema', () => {
  it('passes JSON that fits the schema, also inside a Markdown fence', () => {
    const json = '{"city":"Oslo","population":700000,"unit":"c","tags":["north"]}';
    expect(gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer(json, true))).toEqual({
      pass: true,
      detail: 'valid JSON',
    });
    expect(
      gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer(`\`\`\`json\n${json}\n\`\`\``)).pass,
    ).toBe(true);
  });

  it('fails a wrong type, a value outside an enum and a missing required field, naming the field', () => {
    expect(
      gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer('{"city":4,"unit":"c"}')).detail,
    ).toMatch(/^city: /);
    expect(
      gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer('{"city":"Oslo","unit":"k"}')).detail,
    ).toMatch(/^unit: /);
    expect(gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer('{"city":"Oslo"}')).pass).toBe(false);
  });

  it('fails text that is not JSON, expected values not held, and an empty answer', () => {
    expect(gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer('city: Oslo')).detail).toMatch(
      /^not JSON/,
    );
    expect(
      gradeJsonSchema({ kind: 'json_schema', expected: { city: 'Oslo' } }, textAnswer('{"city":"Perth"}')),
    ).toEqual({ pass: false, detail: 'city: expected "Oslo", got "Perth"' });
    expect(gradeJsonSchema({ kind: 'json_schema', schema }, textAnswer('')).detail).toBe('empty answer');
  });
});
