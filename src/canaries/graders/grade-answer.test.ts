import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/index.js';
import type { CanaryCase } from '../types.js';
import { textAnswer, toolAnswer } from './__fixtures__/answer.js';
import { gradeAnswer } from './grade-answer.js';
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
