import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeOpenaiError } from './decode-error.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

describe('decodeOpenaiError', () => {
  it('reads type, code, message and param from OpenAI error bodies', () => {
    expect(decodeOpenaiError(fixture('error-insufficient-quota.json'))).toEqual({
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      message: expect.stringMatching(/^You exceeded your current quota/),
    });
    expect(decodeOpenaiError(fixture('error-context-length.json'))).toEqual({
      type: 'invalid_request_error',
      code: 'context_length_exceeded',
      param: 'messages',
      message: expect.stringMatching(/maximum context length/),
    });
    expect(decodeOpenaiError(fixture('error-invalid-api-key.json'))).toMatchObject({
      code: 'invalid_api_key',
    });
  });

  it('tolerates the shapes compatible hosts send', () => {
    expect(decodeOpenaiError({ error: 'model is loading' })).toEqual({ message: 'model is loading' });
    expect(decodeOpenaiError({ message: 'Bad request', type: 'BadRequestError', code: 400 })).toEqual({
      message: 'Bad request',
      type: 'BadRequestError',
      code: '400',
    });
    expect(
      decodeOpenaiError([
        { error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED' } },
      ]),
    ).toEqual({
      code: '429',
      message: 'Resource exhausted',
    });
    expect(decodeOpenaiError('Internal Server Error')).toEqual({ message: 'Internal Server Error' });
    expect(decodeOpenaiError(null)).toEqual({});
    expect(decodeOpenaiError({ error: { message: null, type: null } })).toEqual({});
  });

  it('gives an error without type or code no such fields', () => {
    expect(decodeOpenaiError({ error: { message: 'boom' } })).toStrictEqual({ message: 'boom' });
    expect(decodeOpenaiError({ error: { type: 'server_error', code: 'x', param: 'p' } })).toStrictEqual({
      type: 'server_error',
      code: 'x',
      param: 'p',
    });
  });

  it('reads an empty text body as no details', () => {
    expect(decodeOpenaiError('')).toStrictEqual({});
  });
});
