import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeConverseError, normalizeBedrockErrorType } from './decode-error.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

describe('decodeConverseError', () => {
  it('reads the message of a plain Bedrock error body, whose type is only in the header', () => {
    expect(decodeConverseError(fixture('error-throttling.json'))).toEqual({
      message: 'Too many requests, please wait before trying again.',
    });
  });

  it('reads the type from __type without its namespace', () => {
    expect(decodeConverseError(fixture('error-validation-typed.json'))).toEqual({
      type: 'ValidationException',
      message: 'The model returned the following errors: Input is too long for requested model.',
    });
  });

  it('prefers code over __type, as the AWS SDK does, and accepts Message', () => {
    expect(
      decodeConverseError({
        code: 'ThrottlingException',
        __type: 'ValidationException',
        Message: 'slow down',
      }),
    ).toEqual({ type: 'ThrottlingException', message: 'slow down' });
  });

  it('tolerates bodies that are not objects', () => {
    expect(decodeConverseError('Service Unavailable')).toEqual({ message: 'Service Unavailable' });
    expect(decodeConverseError('')).toEqual({});
    expect(decodeConverseError(null)).toEqual({});
    expect(decodeConverseError({ message: 42 })).toEqual({});
  });

  it('gives a body with a message only that message, and a typed body without one only the type', () => {
    expect(decodeConverseError({ message: 'Too many requests' })).toStrictEqual({
      message: 'Too many requests',
    });
    expect(decodeConverseError({ __type: 'ThrottlingException' })).toStrictEqual({
      type: 'ThrottlingException',
    });
    expect(decodeConverseError('')).toStrictEqual({});
  });
});

describe('normalizeBedrockErrorType', () => {
  it('cuts a header value at the first colon or comma and after a namespace', () => {
    expect(
      normalizeBedrockErrorType('ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/'),
    ).toBe('ThrottlingException');
    expect(normalizeBedrockErrorType('ValidationException,other')).toBe('ValidationException');
    expect(normalizeBedrockErrorType('com.amazon.coral.service#AccessDeniedException')).toBe(
      'AccessDeniedException',
    );
    expect(normalizeBedrockErrorType('modelNotReadyException')).toBe('modelNotReadyException');
  });

  it('reads a type with spaces before the comma', () => {
    expect(normalizeBedrockErrorType('ValidationException , http://internal.amazon.com/coral/')).toBe(
      'ValidationException',
    );
  });
});
