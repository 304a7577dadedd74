import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/index.js';
import type { CanaryCase } from '../types.js';
import { textAnswer, toolAnswer } from './__fixtures__/answer.js';
import { gradeAnswer, gradeWithSpec } from './grade-answer.js';
import { graderSpecSchema } from './grader-spec.js';

const baseRequest: ChatRequest = { model: '', messages: [], stream: false, metadata: {}, vendorOptions: {} };
const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };

function canary(grader: unknown, request: Partial<ChatRequest> = {}): CanaryCase {
  return { id: 'c', suite: 's', grader, request: { ...baseRequest, ...request } };
}

describe('gradeAnswer', () => {
  it('dispatches on the grader kind', () => {
    expect(gradeAnswer(canary({ kind: 'number', expected: 4 }), textAnswer('4')).pass).toBe(true);
    expect(gradeAnswer(canary({ kind: 'exact', expected: '4' }), textAnswer('5')).pass).toBe(false);
  });

  it('checks JSON against the request schema when the grader gives none', () => {
    const request = { responseFormat: { type: 'json_schema' as const, name: 'n', schema } };
    expect(gradeAnswer(canary({ kind: 'json_schema' }, request), textAnswer('{"n":1}')).pass).toBe(true);
    expect(gradeAnswer(canary({ kind: 'json_schema' }, request), textAnswer('{"n":"1"}')).detail).toMatch(
      /^n: /,
    );
  });

  it('checks tool arguments against the offered tool when the grader gives no schema', () => {
    const request = { tools: [{ name: 'count', parameters: schema }] };
    expect(
      gradeAnswer(canary({ kind: 'tool_call', name: 'count' }, request), toolAnswer('count', '{"n":2}')).pass,
    ).toBe(true);
    expect(
      gradeAnswer(canary({ kind: 'tool_call', name: 'count' }, request), toolAnswer('count', '{"n":true}'))
        .pass,
    ).toBe(false);
  });

  it('fails a case whose grader is not valid instead of throwing', () => {
    expect(gradeAnswer(canary({ kind: 'vibes' }), textAnswer('4'))).toMatchObject({ pass: false });
    expect(gradeAnswer(canary({ kind: 'number' }), textAnswer('4')).detail).toMatch(/^invalid grader/);
  });
});

describe('graderSpecSchema', () => {
  it('rejects unknown keys, so a typo is not silently ignored', () => {
    expect(graderSpecSchema.safeParse({ kind: 'number', expected: 1 }).success).toBe(true);
    expect(graderSpecSchema.safeParse({ kind: 'number', expected: 1, tolerence: 1 }).success).toBe(false);
  });
});

describe('gradeWithSpec', () => {
  it('sends each kind to its own grader', () => {
    const text = (value: string) => textAnswer(value);
    const grades = [
      gradeWithSpec({ kind: 'exact', expected: 'hi' }, text('hi')),
      gradeWithSpec({ kind: 'number', expected: 4 }, text('4')),
      gradeWithSpec({ kind: 'prime', n: 7 }, text('yes')),
      gradeWithSpec({ kind: 'word_count', words: 2 }, text('two words')),
      gradeWithSpec({ kind: 'casing', casing: 'upper' }, text('LOUD')),
      gradeWithSpec({ kind: 'list_length', items: 2 }, text('- a\n- b')),
      gradeWithSpec({ kind: 'json_schema' }, text('{}')),
      gradeWithSpec({ kind: 'tool_call', name: 'count' }, toolAnswer('count', '{}')),
      gradeWithSpec({ kind: 'retrieval', needle: 'K7' }, text('k7')),
      gradeWithSpec({ kind: 'charset' }, text('ok')),
    ];
    expect(grades).toStrictEqual([
      { pass: true, detail: 'exact match' },
      { pass: true, detail: 'got 4' },
      { pass: true, detail: '7 is prime' },
      { pass: true, detail: '2 words' },
      { pass: true, detail: 'upper case' },
      { pass: true, detail: '2 items' },
      { pass: true, detail: 'valid JSON' },
      { pass: true, detail: 'called count' },
      { pass: true, detail: 'found the planted fact' },
      { pass: true, detail: 'clean text' },
    ]);
  });

  it('throws on a kind it does not know', () => {
    expect(() => gradeWithSpec({ kind: 'vibes' } as never, textAnswer('x'))).toThrow(
      new TypeError('unknown grader {"kind":"vibes"}'),
    );
  });
});

describe('gradeAnswer schemas', () => {
  it("keeps the grader's own JSON schema over the request's", () => {
    const own = { type: 'object', required: ['a'] };
    const request = { responseFormat: { type: 'json_schema' as const, name: 'n', schema } };
    expect(
      gradeAnswer(canary({ kind: 'json_schema', schema: own }, request), textAnswer('{"a":1}')),
    ).toStrictEqual({ pass: true, detail: 'valid JSON' });
  });

  it('takes the schema of the tool named, not of another offered tool, and none when it is not offered', () => {
    const request = {
      tools: [
        {
          name: 'other',
          parameters: { type: 'object', properties: { zzz: { type: 'string' } }, required: ['zzz'] },
        },
        { name: 'count', parameters: schema },
      ],
    };
    expect(
      gradeAnswer(canary({ kind: 'tool_call', name: 'count' }, request), toolAnswer('count', '{"n":2}')),
    ).toStrictEqual({ pass: true, detail: 'called count' });
    expect(
      gradeAnswer(canary({ kind: 'tool_call', name: 'count' }), toolAnswer('count', '{"n":"x"}')),
    ).toStrictEqual({
      pass: true,
      detail: 'called count',
    });
    expect(
      gradeAnswer(
        canary({ kind: 'tool_call', name: 'count', schema: { type: 'object' } }, request),
        toolAnswer('count', '{"n":"x"}'),
      ),
    ).toStrictEqual({ pass: true, detail: 'called count' });
  });

  it('gives the first schema problem of an invalid grader as the detail', () => {
    expect(gradeAnswer(canary({ kind: 'number' }), textAnswer('4'))).toStrictEqual({
      pass: false,
      detail: 'invalid grader: Invalid input: expected number, received undefined',
    });
  });
});
