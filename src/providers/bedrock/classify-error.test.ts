import { describe, expect, it } from 'vitest';
import type { FailureClass } from '../../core/index.js';
import { classifyHttpFailure } from '../classify-failure.js';
import {
  BEDROCK_ERROR_CLASSES,
  classifyBedrockStreamException,
  readBedrockErrorDetails,
} from './classify-error.js';

/** Bedrock's exceptions with the status each comes with (smithy model) and DESIGN.md section 6's class. */
const HTTP_CASES: ReadonlyArray<readonly [string, number, FailureClass]> = [
  ['ThrottlingException', 429, 'rate_limited'],
  ['ServiceQuotaExceededException', 400, 'rate_limited'],
  ['ModelNotReadyException', 429, 'overloaded'],
  ['ServiceUnavailableException', 503, 'server_error'],
  ['InternalServerException', 500, 'server_error'],
  ['ModelErrorException', 424, 'server_error'],
  ['ModelStreamErrorException', 424, 'server_error'],
  ['ModelTimeoutException', 408, 'timeout'],
  ['AccessDeniedException', 403, 'auth'],
  ['UnrecognizedClientException', 403, 'auth'],
  ['InvalidSignatureException', 403, 'auth'],
  ['ExpiredTokenException', 403, 'auth'],
  ['ResourceNotFoundException', 404, 'not_found'],
  ['ValidationException', 400, 'client_error'],
];

function classify(status: number, headers: Record<string, string>, body: unknown) {
  return classifyHttpFailure({
    vendorErrorClasses: BEDROCK_ERROR_CLASSES,
    status,
    headers,
    details: readBedrockErrorDetails(headers, body, JSON.stringify(body)),
    provider: 'bedrock-east',
    deployment: 'bedrock-east/amazon.nova-pro-v1:0',
    now: 0,
  });
}

describe('BEDROCK_ERROR_CLASSES', () => {
  it.each(HTTP_CASES)('classifies an HTTP %s (%i) as %s', (name, status, failureClass) => {
    const error = classify(
      status,
      {
        'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
        'x-amzn-requestid': 'req-1',
      },
      { message: 'something happened' },
    );
    expect(error.failureClass).toBe(failureClass);
    expect(error.upstream).toMatchObject({ vendorType: name, status, requestId: 'req-1' });
  });

  it('classifies by the exception, not the status: a throttle sent as 400 is still a rate limit', () => {
    expect(classify(400, { 'x-amzn-errortype': 'ThrottlingException' }, {}).failureClass).toBe(
      'rate_limited',
    );
  });

  it('knows the lower-camel names stream exception frames use', () => {
    for (const [name, , failureClass] of HTTP_CASES) {
      const lower = name.charAt(0).toLowerCase() + name.slice(1);
      expect(BEDROCK_ERROR_CLASSES[lower], lower).toBe(failureClass);
    }
  });
});

describe('readBedrockErrorDetails', () => {
  it('takes the type from x-amzn-ErrorType before the body', () => {
    expect(
      readBedrockErrorDetails(
        { 'x-amzn-errortype': 'ThrottlingException:http://x/' },
        { __type: 'Other', message: 'Too many requests, please wait before trying again.' },
        '',
      ),
    ).toEqual({
      type: 'ThrottlingException',
      message: 'Too many requests, please wait before trying again.',
    });
  });

  it('cuts the name out of the header as the AWS SDK does', () => {
    expect(readBedrockErrorDetails({ 'x-amzn-errortype': 'ValidationException,other' }, {}, '')).toEqual({
      type: 'ValidationException',
    });
    expect(readBedrockErrorDetails({ 'x-amzn-errortype': '' }, {}, '')).toEqual({});
  });

  it('falls back to the body’s code, then __type, and reads Message too', () => {
    expect(readBedrockErrorDetails({}, { code: 'ValidationException', Message: 'bad' }, '')).toEqual({
      type: 'ValidationException',
      message: 'bad',
    });
    expect(
      readBedrockErrorDetails({}, { __type: 'com.amazon.bedrock#ResourceNotFoundException' }, ''),
    ).toEqual({
      type: 'ResourceNotFoundException',
    });
  });

  it('passes over body fields that are not strings', () => {
    expect(
      readBedrockErrorDetails({}, { code: 5, __type: 'ValidationException', message: 7, Message: 'bad' }, ''),
    ).toStrictEqual({ type: 'ValidationException', message: 'bad' });
    expect(readBedrockErrorDetails({}, { code: null, message: { text: 'x' } }, 'raw')).toStrictEqual({});
  });

  it.each([
    ['null', null],
    ['an array', [{ message: 'in an array' }]],
    ['a string', 'text'],
    ['a number', 5],
  ])('reads a body that is %s as no body, lending its text', (_label, parsed) => {
    expect(readBedrockErrorDetails({}, parsed, 'raw text')).toStrictEqual({ message: 'raw text' });
  });

  it('lends at most 200 characters of a body, and nothing of an empty one', () => {
    const long = 'x'.repeat(250);
    expect(readBedrockErrorDetails({}, undefined, long)).toStrictEqual({ message: 'x'.repeat(200) });
    expect(readBedrockErrorDetails({}, undefined, '')).toStrictEqual({});
    expect(readBedrockErrorDetails({}, {}, 'ignored: the body was JSON')).toStrictEqual({});
  });

  it('takes the first of repeated x-amzn-ErrorType headers', () => {
    expect(
      readBedrockErrorDetails({ 'x-amzn-errortype': ['ThrottlingException', 'Other'] } as never, {}, ''),
    ).toStrictEqual({ type: 'ThrottlingException' });
  });

  it('lends a non-JSON body’s start as the message', () => {
    expect(readBedrockErrorDetails({}, undefined, '<html>Bad Gateway</html>')).toEqual({
      message: '<html>Bad Gateway</html>',
    });
  });

  it('keeps a rejected credential’s message out of an auth error', () => {
    const error = classify(
      403,
      { 'x-amzn-errortype': 'UnrecognizedClientException:http://x/' },
      { message: 'The security token included in the request is invalid: AKIDSECRET' },
    );
    expect(error.failureClass).toBe('auth');
    expect(error.message).toContain('bedrock-east');
    expect(error.message).not.toContain('AKIDSECRET');
  });
});

describe('classifyBedrockStreamException', () => {
  it.each([
    ['throttlingException', 'rate_limited', 'upstream_rate_limited'],
    ['serviceUnavailableException', 'server_error', 'upstream_server_error'],
    ['internalServerException', 'server_error', 'upstream_server_error'],
    ['modelStreamErrorException', 'server_error', 'upstream_server_error'],
    ['modelTimeoutException', 'timeout', 'upstream_timeout'],
    ['validationException', 'client_error', 'upstream_invalid_request'],
    ['accessDeniedException', 'auth', 'upstream_auth_failed'],
    ['modelNotReadyException', 'overloaded', 'upstream_overloaded'],
    ['somethingNewException', 'server_error', 'upstream_server_error'],
  ])('classifies %s as %s', (type, failureClass, code) => {
    const error = classifyBedrockStreamException('bedrock-east', { type, message: 'm' });
    expect(error.failureClass).toBe(failureClass);
    expect(error.code).toBe(code);
  });

  it('says what happened, with the model’s own status when Bedrock passed it on', () => {
    const error = classifyBedrockStreamException('bedrock-east', {
      type: 'modelStreamErrorException',
      message: 'Model stream failed',
      originalStatusCode: 529,
    });
    expect(error.message).toBe('modelStreamErrorException: Model stream failed (the model answered 529)');
  });

  it('says an exception without a message was reported inside the stream', () => {
    expect(
      classifyBedrockStreamException('bedrock-east', { type: 'somethingNewException', message: undefined })
        .message,
    ).toBe('somethingNewException: upstream reported an exception inside the stream');
    expect(
      classifyBedrockStreamException('bedrock-east', { type: 'throttlingException', message: 'slow' })
        .message,
    ).toBe('throttlingException: slow');
  });

  it('keeps the host’s message out of an auth exception and names the provider', () => {
    const error = classifyBedrockStreamException('bedrock-east', {
      type: 'accessDeniedException',
      message: 'denied for AKIDSECRET',
    });
    expect(error.message).toContain('"bedrock-east"');
    expect(error.message).not.toContain('AKIDSECRET');
  });
});
