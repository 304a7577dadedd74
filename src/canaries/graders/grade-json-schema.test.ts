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

describe('gradeJsonSchema without a schema', () => {
  it('passes any JSON, and checks only the expected values when given', () => {
    expect(gradeJsonSchema({ kind: 'json_schema' }, textAnswer('[1, 2]'))).toStrictEqual({
      pass: true,
      detail: 'valid JSON',
    });
    expect(
      gradeJsonSchema(
        { kind: 'json_schema', expected: { city: 'Oslo' } },
        textAnswer('{"city":"Oslo","n":1}'),
      ),
    ).toStrictEqual({
      pass: true,
      detail: 'valid JSON',
    });
    expect(
      gradeJsonSchema({ kind: 'json_schema', expected: { city: 'Oslo' } }, textAnswer('[]')),
    ).toStrictEqual({
      pass: false,
      detail: 'not a JSON object',
    });
  });

  it('names the text that is not JSON, and reads a fence without a language', () => {
    expect(gradeJsonSchema({ kind: 'json_schema' }, textAnswer('city: Oslo'))).toStrictEqual({
      pass: false,
      detail: 'not JSON: "city: Oslo"',
    });
    expect(
      gradeJsonSchema({ kind: 'json_schema', expected: { n: 1 } }, textAnswer('```\n{"n":1}\n```')).pass,
    ).toBe(true);
  });

  it('gives the full schema problem as the detail', () => {
    expect(
      gradeJsonSchema({ kind: 'json_schema', schema: { type: 'object' } }, textAnswer('5')),
    ).toStrictEqual({ pass: false, detail: '(root): Invalid input: expected object, received number' });
  });
});
