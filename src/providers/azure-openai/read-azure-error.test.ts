import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { DetourError } from '../../core/index.js';
import { classifyHttpFailure } from '../classify-failure.js';
import { AzureOpenAiProvider, readAzureErrorDetails } from './index.js';

const KEY = 'azure-key-0123456789abcdef';
const provider = new AzureOpenAiProvider('azure-east', {
  protocol: 'azure-openai',
  baseUrl: 'https://contoso.openai.azure.com',
  apiKey: KEY,
});
const NOW = Date.parse('2026-11-30T12:00:00Z');

/** Classifies an Azure answer the way an attempt does: the kind reads the body, its table decides. */
function classify(status: number, body: unknown, headers: IncomingHttpHeaders = {}): DetourError {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return classifyHttpFailure({
    vendorErrorClasses: provider.vendorErrorClasses,
    status,
    headers,
    details: provider.readErrorDetails('gpt-4o', headers, parsed, text),
    provider: provider.name,
    deployment: 'azure-east/gpt-4o',
    now: NOW,
  });
}

/** Azure's refusal of a prompt its content filter caught (shape from Microsoft's content-filter docs). */
function contentFilterBody(code: string | null, innerCode: string | undefined) {
  const error: Record<string, unknown> = {
    message: 'The response was filtered due to the prompt triggering a policy. Please modify your prompt.',
    type: null,
    param: 'prompt',
    code,
    status: 400,
  };
  if (innerCode !== undefined) {
    error.innererror = {
      code: innerCode,
      content_filter_result: { violence: { filtered: true, severity: 'medium' } },
    };
  }
  return { error };
}

describe('readAzureErrorDetails', () => {
  it("keeps a known outer code, which is what Azure's clients match on", () => {
    expect(
      readAzureErrorDetails(contentFilterBody('content_filter', 'ResponsibleAIPolicyViolation'), ''),
    ).toEqual({
      code: 'content_filter',
      message: 'The response was filtered due to the prompt triggering a policy. Please modify your prompt.',
      param: 'prompt',
    });
  });

  it('takes a known innererror code when the outer one is generic or absent', () => {
    expect(
      readAzureErrorDetails(contentFilterBody('BadRequest', 'ResponsibleAIPolicyViolation'), '').code,
    ).toBe('ResponsibleAIPolicyViolation');
    expect(readAzureErrorDetails(contentFilterBody(null, 'ResponsibleAIPolicyViolation'), '').code).toBe(
      'ResponsibleAIPolicyViolation',
    );
  });

  it.each([
    ['null', null],
    ['a string', 'oops'],
    ['an object without error', {}],
    ['a null error', { error: null }],
    ['a string error', { error: 'oops' }],
    ['an error without innererror', { error: { code: 'BadRequest' } }],
    ['a null innererror', { error: { code: 'BadRequest', innererror: null } }],
    ['a string innererror', { error: { code: 'BadRequest', innererror: 'x' } }],
    ['an innererror code that is not a string', { error: { code: 'BadRequest', innererror: { code: 7 } } }],
  ])('reads a body with %s without an inner code', (_label, parsed) => {
    expect(() => readAzureErrorDetails(parsed, JSON.stringify(parsed))).not.toThrow();
    const code = readAzureErrorDetails(parsed, JSON.stringify(parsed)).code;
    expect(code === undefined || code === 'BadRequest').toBe(true);
  });

  it('keeps the outer code when the innererror code is unknown', () => {
    expect(readAzureErrorDetails(contentFilterBody('BadRequest', 'SomethingElse'), '').code).toBe(
      'BadRequest',
    );
  });

  it('lends the start of a body that is not JSON as the message', () => {
    expect(readAzureErrorDetails(undefined, '<html>Bad gateway</html>')).toEqual({
      message: '<html>Bad gateway</html>',
    });
  });
});

describe('AzureOpenAiProvider error classes', () => {
  it("classifies the content filter's 400 as content_policy, keeping the 400", () => {
    const error = classify(400, contentFilterBody('content_filter', 'ResponsibleAIPolicyViolation'));
    expect(error.failureClass).toBe('content_policy');
    expect(error.code).toBe('upstream_content_policy');
    expect(error.status).toBe(400);
    expect(error.param).toBe('prompt');
  });

  it('classifies a 400 as content_policy on innererror.code alone', () => {
    const error = classify(400, {
      error: {
        message: 'Refused.',
        code: 'BadRequest',
        innererror: { code: 'ResponsibleAIPolicyViolation' },
      },
    });
    expect(error.failureClass).toBe('content_policy');
    expect(error.upstream?.vendorCode).toBe('ResponsibleAIPolicyViolation');
  });

  it('classifies a 400 as content_policy on code content_filter alone', () => {
    const error = classify(400, { error: { message: 'Refused.', code: 'content_filter' } });
    expect(error.failureClass).toBe('content_policy');
  });

  it('leaves another 400 a client error', () => {
    const error = classify(400, { error: { message: 'Invalid value for temperature.', code: 'BadRequest' } });
    expect(error.failureClass).toBe('client_error');
  });

  it("classifies Azure's 401 as auth without echoing the key or the vendor's message", () => {
    const error = classify(401, {
      error: { code: '401', message: `Access denied due to invalid subscription key ${KEY}.` },
    });
    expect(error.failureClass).toBe('auth');
    expect(error.message).toBe('upstream credentials rejected by provider "azure-east" (HTTP 401)');
    expect(JSON.stringify(error.toJSON())).not.toContain(KEY);
  });

  it('classifies a 403 from a private-endpoint rule as auth', () => {
    expect(
      classify(403, { error: { code: '403', message: 'Traffic is not from an approved private endpoint.' } })
        .failureClass,
    ).toBe('auth');
  });

  it('classifies DeploymentNotFound as not_found whatever the status', () => {
    expect(
      classify(404, { error: { code: 'DeploymentNotFound', message: 'no such deployment' } }).failureClass,
    ).toBe('not_found');
    expect(
      classify(400, { error: { code: 'DeploymentNotFound', message: 'no such deployment' } }).failureClass,
    ).toBe('not_found');
  });

  it('classifies a deployment of a model without chat completions as not_found', () => {
    const error = classify(400, {
      error: {
        code: 'OperationNotSupported',
        message: 'The chatCompletion operation does not work with the specified model.',
      },
    });
    expect(error.failureClass).toBe('not_found');
  });

  it("classifies Azure's 429 as rate_limited with the wait from retry-after-ms", () => {
    const error = classify(
      429,
      {
        error: {
          code: '429',
          message: 'Requests have exceeded token rate limit. Please retry after 2 seconds.',
        },
      },
      { 'retry-after-ms': '1500', 'retry-after': '2' },
    );
    expect(error.failureClass).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(1500);
  });

  it("classifies Azure's 429 with only retry-after as rate_limited with that many seconds", () => {
    const error = classify(
      429,
      { error: { code: '429', message: 'Too many requests.' } },
      { 'retry-after': '7' },
    );
    expect(error.failureClass).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(7000);
  });

  it('classifies insufficient_quota as quota, as OpenAI does', () => {
    expect(classify(429, { error: { code: 'insufficient_quota', message: 'quota' } }).failureClass).toBe(
      'quota',
    );
  });

  it('classifies an overloaded 503 and a plain 500 by the status', () => {
    expect(classify(503, { error: { code: 'ServiceUnavailable', message: 'busy' } }).failureClass).toBe(
      'server_error',
    );
    expect(classify(500, { error: { code: 'InternalServerError', message: 'oops' } }).failureClass).toBe(
      'server_error',
    );
  });

  it("classifies Azure's 408 as a timeout", () => {
    expect(
      classify(408, { error: { code: 'Timeout', message: 'The operation was timeout.' } }).failureClass,
    ).toBe('timeout');
  });

  it('classifies context_length_exceeded as a client error', () => {
    expect(
      classify(400, { error: { code: 'context_length_exceeded', message: 'too long' } }).failureClass,
    ).toBe('client_error');
  });
});
