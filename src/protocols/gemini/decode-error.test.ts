import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyGeminiStreamError, decodeGeminiError } from './decode-error.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

describe('decodeGeminiError', () => {
  it("reads a bad API key's RPC status as the type and its ErrorInfo reason as the code", () => {
    expect(decodeGeminiError(fixture('error-api-key-invalid.json'))).toEqual({
      type: 'INVALID_ARGUMENT',
      code: 'API_KEY_INVALID',
      message: 'API key not valid. Please pass a valid API key.',
    });
  });

  it('reads a quota error without an ErrorInfo detail as a type without a code', () => {
    const details = decodeGeminiError(fixture('error-resource-exhausted.json'));
    expect(details.type).toBe('RESOURCE_EXHAUSTED');
    expect(details.code).toBeUndefined();
    expect(details.message).toMatch(/^You exceeded your current quota/);
  });

  it("names a BadRequest violation's field as the param", () => {
    expect(decodeGeminiError(fixture('error-invalid-argument.json'))).toMatchObject({
      type: 'INVALID_ARGUMENT',
      param: 'generation_config',
    });
  });

  it('reads the one-element array Vertex sometimes wraps its error in', () => {
    expect(decodeGeminiError(fixture('error-vertex-quota-array.json'))).toMatchObject({
      type: 'RESOURCE_EXHAUSTED',
      message: expect.stringMatching(/^Quota exceeded for aiplatform/),
    });
  });

  it('reads a plain-text body as the message and anything else as nothing', () => {
    expect(decodeGeminiError('Service Unavailable')).toEqual({ message: 'Service Unavailable' });
    expect(decodeGeminiError('')).toEqual({});
    expect(decodeGeminiError(42)).toEqual({});
    expect(decodeGeminiError({ error: { code: 500 } })).toEqual({});
  });

  it('reads each detail by its type, whatever the order, and leaves out what is absent', () => {
    expect(
      decodeGeminiError({
        error: {
          code: 400,
          message: 'Invalid value',
          status: 'INVALID_ARGUMENT',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.BadRequest',
              fieldViolations: [{ field: 'contents[0].parts', description: 'empty' }],
            },
            { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'INVALID_PARTS' },
          ],
        },
      }),
    ).toStrictEqual({
      type: 'INVALID_ARGUMENT',
      code: 'INVALID_PARTS',
      message: 'Invalid value',
      param: 'contents[0].parts',
    });
    expect(decodeGeminiError({ error: { message: 'only text' } })).toStrictEqual({ message: 'only text' });
    expect(
      decodeGeminiError({
        error: { status: 'INTERNAL', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo' }] },
      }),
    ).toStrictEqual({ type: 'INTERNAL' });
  });
});

describe('classifyGeminiStreamError', () => {
  it.each([
    ['RESOURCE_EXHAUSTED', 429, 'rate_limited', 'upstream_rate_limited'],
    ['UNAVAILABLE', 503, 'overloaded', 'upstream_overloaded'],
    ['INTERNAL', 500, 'server_error', 'upstream_server_error'],
    ['DEADLINE_EXCEEDED', 504, 'timeout', 'upstream_timeout'],
    ['UNAUTHENTICATED', 401, 'auth', 'upstream_auth_failed'],
    ['PERMISSION_DENIED', 403, 'auth', 'upstream_auth_failed'],
    ['NOT_FOUND', 404, 'not_found', 'upstream_model_not_found'],
    ['INVALID_ARGUMENT', 400, 'client_error', 'upstream_invalid_request'],
  ])('classifies %s as %s', (status, code, failureClass, detourCode) => {
    const error = classifyGeminiStreamError({ error: { code, message: 'm', status } });
    expect(error.failureClass).toBe(failureClass);
    expect(error.code).toBe(detourCode);
    expect(error.message).toBe(`${status}: m`);
  });

  it('classifies a bad API key as auth, not as a bad request', () => {
    expect(classifyGeminiStreamError(fixture('error-api-key-invalid.json')).failureClass).toBe('auth');
  });

  it('falls back to the HTTP code without a status, and to server_error without either', () => {
    expect(classifyGeminiStreamError({ error: { code: 429, message: 'slow down' } }).failureClass).toBe(
      'rate_limited',
    );
    expect(classifyGeminiStreamError({ error: { message: 'odd' } }).failureClass).toBe('server_error');
  });

  it('names the failure itself when the error chunk has no status or message', () => {
    expect(classifyGeminiStreamError({ error: { code: 503 } }).toJSON()).toStrictEqual({
      code: 'upstream_overloaded',
      message: 'error: upstream reported an error inside the stream',
      status: 503,
      failureClass: 'overloaded',
    });
  });
});
