import { describe, expect, it } from 'vitest';
import { ANTHROPIC_ERROR_CLASSES } from './anthropic/index.js';
import { BEDROCK_ERROR_CLASSES } from './bedrock/classify-error.js';
import { classifyHttpFailure, type HttpFailure } from './classify-failure.js';
import { GOOGLE_ERROR_CLASSES } from './google/google-error-classes.js';
import { OPENAI_ERROR_CLASSES } from './openai-compatible/index.js';

function failure(overrides: Partial<HttpFailure>): HttpFailure {
  return {
    vendorErrorClasses: OPENAI_ERROR_CLASSES,
    status: 500,
    headers: {},
    details: {},
    provider: 'acme',
    deployment: 'acme/m',
    now: 1_000_000,
    ...overrides,
  };
}

describe('classifyHttpFailure', () => {
  it('falls back on the status when the vendor says nothing it knows', () => {
    const classes = [400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529].map(
      (status) => classifyHttpFailure(failure({ status })).failureClass,
    );
    expect(classes).toEqual([
      'client_error',
      'auth',
      'auth',
      'not_found',
      'timeout',
      'client_error',
      'client_error',
      'rate_limited',
      'server_error',
      'server_error',
      'server_error',
      'server_error',
      'overloaded',
    ]);
  });

  it('lets the vendor code win over the status, and the code over the type', () => {
    const quota = classifyHttpFailure(
      failure({ status: 429, details: { type: 'requests', code: 'insufficient_quota' } }),
    );
    expect(quota.failureClass).toBe('quota');
    expect(quota.code).toBe('upstream_quota_exceeded');
    const byType = classifyHttpFailure(
      failure({
        vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
        status: 500,
        details: { type: 'overloaded_error' },
      }),
    );
    expect(byType.failureClass).toBe('overloaded');
  });

  it("reads only the kind's own table: another vendor's type is no class there", () => {
    const error = classifyHttpFailure(failure({ status: 500, details: { type: 'overloaded_error' } }));
    expect(error.failureClass).toBe('server_error');
  });

  it('never takes an inherited property of the table for a class', () => {
    for (const type of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(classifyHttpFailure(failure({ status: 503, details: { type } })).failureClass).toBe(
        'server_error',
      );
    }
  });

  it('reads quota and policy failures from the message when the type is generic', () => {
    const quota = classifyHttpFailure(
      failure({ status: 400, details: { message: 'Your credit balance is too low to access the API' } }),
    );
    expect(quota.failureClass).toBe('quota');
    const policy = classifyHttpFailure(
      failure({
        status: 400,
        details: { message: 'This request was flagged as potentially violating our usage policy' },
      }),
    );
    expect(policy.failureClass).toBe('content_policy');
    expect(policy.status).toBe(400);
  });

  it.each([
    ['Credit balance is too low to access the API', 'quota'],
    ['Monthly SPEND LIMIT reached', 'quota'],
    ['You EXCEEDED YOUR CURRENT QUOTA, please check your plan', 'quota'],
    ['Output blocked by our content policy', 'content_policy'],
    ['Blocked by the Content Management Policy', 'content_policy'],
    ['Prompt FLAGGED AS POTENTIALLY VIOLATING our usage policy', 'content_policy'],
  ])('reads %j, in any letter case, as %s', (message, failureClass) => {
    expect(classifyHttpFailure(failure({ status: 400, details: { message } })).failureClass).toBe(
      failureClass,
    );
  });

  it("takes the body's advised wait when the headers give none, and the headers' over the body's", () => {
    const fromBody = classifyHttpFailure(failure({ status: 429, details: { retryAfterMs: 37_000 } }));
    const fromHeaders = classifyHttpFailure(
      failure({ status: 429, headers: { 'retry-after': '2' }, details: { retryAfterMs: 37_000 } }),
    );
    expect([fromBody.retryAfterMs, fromHeaders.retryAfterMs]).toStrictEqual([37_000, 2000]);
  });

  it('reads a quota failure from the message of a client-error type', () => {
    const error = classifyHttpFailure(
      failure({
        vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
        status: 400,
        details: {
          type: 'invalid_request_error',
          message: 'Your credit balance is too low to access the API',
        },
      }),
    );
    expect(error.failureClass).toBe('quota');
  });

  it('lets a specific vendor type win over the message', () => {
    const error = classifyHttpFailure(
      failure({
        vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
        status: 429,
        details: { type: 'rate_limit_error', message: 'You exceeded your current quota for this minute' },
      }),
    );
    expect(error.failureClass).toBe('rate_limited');
  });

  it('keeps a client-error type under 500 even when the status alone says otherwise', () => {
    for (const status of [401, 404, 408, 429]) {
      const error = classifyHttpFailure(
        failure({
          vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
          status,
          details: { type: 'invalid_request_error', message: 'bad field' },
        }),
      );
      expect(error.failureClass, String(status)).toBe('client_error');
    }
  });

  it('names in its upstream info only what the vendor said', () => {
    expect(classifyHttpFailure(failure({ status: 500 })).upstream).toStrictEqual({
      provider: 'acme',
      deployment: 'acme/m',
      status: 500,
    });
    expect(
      classifyHttpFailure(
        failure({ status: 500, headers: { 'x-request-id': 'req_1' }, details: { type: 't', code: 'c' } }),
      ).upstream,
    ).toStrictEqual({
      provider: 'acme',
      deployment: 'acme/m',
      status: 500,
      vendorType: 't',
      vendorCode: 'c',
      requestId: 'req_1',
    });
  });

  it('keeps the upstream status of a policy refusal', () => {
    const error = classifyHttpFailure(
      failure({
        status: 422,
        details: { message: 'This request was flagged as potentially violating our usage policy' },
      }),
    );
    expect(error.failureClass).toBe('content_policy');
    expect(error.status).toBe(422);
  });

  it('does not let a client-error type turn a 5xx into a client error', () => {
    const error = classifyHttpFailure(
      failure({
        vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
        status: 500,
        details: { type: 'invalid_request_error' },
      }),
    );
    expect(error.failureClass).toBe('server_error');
  });

  it('keeps the upstream status only for client errors and policy refusals', () => {
    expect(classifyHttpFailure(failure({ status: 422 })).status).toBe(422);
    expect(classifyHttpFailure(failure({ status: 413 })).status).toBe(413);
    // Other classes get the status of their class (502, 503…) when rendered.
    expect(classifyHttpFailure(failure({ status: 500 })).status).toBe(502);
  });

  it('never passes on an auth message, which may echo part of the key', () => {
    const error = classifyHttpFailure(
      failure({ status: 401, details: { message: 'Incorrect API key provided: sk-ab***yz', type: 'auth' } }),
    );
    expect(error.message).not.toContain('sk-ab');
    expect(error.message).toContain('"acme"');
    expect(error.message).toContain('401');
  });

  it('keeps the vendor message, type, code, param, request id and retry advice', () => {
    const error = classifyHttpFailure(
      failure({
        status: 429,
        headers: { 'retry-after': '7', 'x-request-id': 'req_9', 'x-should-retry': 'false' },
        details: { message: 'slow down', type: 'tokens', code: 'rate_limit_exceeded', param: 'messages' },
      }),
    );
    expect(error.message).toBe('slow down');
    expect(error.param).toBe('messages');
    expect(error.retryAfterMs).toBe(7000);
    expect(error.shouldRetry).toBe(false);
    expect(error.upstream).toEqual({
      provider: 'acme',
      deployment: 'acme/m',
      status: 429,
      vendorType: 'tokens',
      vendorCode: 'rate_limit_exceeded',
      requestId: 'req_9',
    });
  });

  it('says what the status was when the vendor gave no message', () => {
    expect(classifyHttpFailure(failure({ status: 502 })).message).toBe('upstream answered HTTP 502');
  });

  it("recognises each vendor's context-length refusal as a client error with its own code", () => {
    const refusals: Array<Partial<HttpFailure>> = [
      // OpenAI and Azure: a code.
      { details: { type: 'invalid_request_error', code: 'context_length_exceeded', message: 'too many' } },
      // Anthropic API, Bedrock's and Vertex's Claude.
      {
        vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
        details: {
          type: 'invalid_request_error',
          message: 'prompt is too long: 208310 tokens > 200000 maximum',
        },
      },
      {
        vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
        details: {
          type: 'invalid_request_error',
          message: 'input length and `max_tokens` exceed context limit: 197000 + 21333 > 200000',
        },
      },
      // Gemini API and Vertex Gemini.
      {
        vendorErrorClasses: GOOGLE_ERROR_CLASSES,
        details: {
          type: 'INVALID_ARGUMENT',
          message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
        },
      },
      // Bedrock Converse and InvokeModel.
      {
        vendorErrorClasses: BEDROCK_ERROR_CLASSES,
        details: { type: 'ValidationException', message: 'Input is too long for requested model.' },
      },
      // vLLM and other OpenAI-compatible servers without the code.
      {
        details: {
          message: "This model's maximum context length is 8192 tokens. However, you requested 9000",
        },
      },
    ];
    for (const refusal of refusals) {
      const error = classifyHttpFailure(failure({ status: 400, ...refusal }));
      expect(error.failureClass).toBe('client_error');
      expect(error.code).toBe('upstream_context_length_exceeded');
      expect(error.status).toBe(400);
    }
  });

  it('leaves other invalid requests, and a 5xx that mentions context, as they were', () => {
    const other = classifyHttpFailure(
      failure({
        status: 400,
        details: { type: 'invalid_request_error', message: 'messages: field required' },
      }),
    );
    expect(other.code).toBe('upstream_invalid_request');
    const serverSide = classifyHttpFailure(
      failure({ status: 500, details: { message: 'prompt is too long for the tokenizer worker' } }),
    );
    expect(serverSide.failureClass).toBe('server_error');
    expect(serverSide.code).toBe('upstream_server_error');
  });
});
