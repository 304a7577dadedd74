import { describe, expect, it } from 'vitest';
import { classifyHttpFailure } from '../classify-failure.js';
import { OPENAI_ERROR_CLASSES, OpenAiCompatibleProvider, readOpenAiErrorDetails } from './index.js';

describe('OpenAiCompatibleProvider', () => {
  it('calls chat/completions under the base URL’s path with a bearer key', () => {
    const provider = new OpenAiCompatibleProvider('vllm', {
      protocol: 'openai-chat',
      baseUrl: 'http://127.0.0.1:8000/serve/v1/',
      apiKey: 'sk-1',
    });
    expect(provider.endpoint).toBe('http://127.0.0.1:8000/serve/v1/chat/completions');
    const call = provider.prepareCall({
      upstreamModel: 'm',
      body: { model: 'm' },
      stream: false,
      clientHeaders: {},
    });
    expect(call.origin).toBe('http://127.0.0.1:8000');
    expect(call.path).toBe('/serve/v1/chat/completions');
    expect(call.headers.authorization).toBe('Bearer sk-1');
    expect(call.body).toBe('{"model":"m"}');
  });

  it('sends no authorization header without a key', () => {
    const provider = new OpenAiCompatibleProvider('local', {
      protocol: 'openai-chat',
      baseUrl: 'http://127.0.0.1:1/v1',
    });
    const call = provider.prepareCall({ upstreamModel: 'm', body: {}, stream: true, clientHeaders: {} });
    expect(Object.keys(call.headers).map((name) => name.toLowerCase())).not.toContain('authorization');
  });
});

describe('OPENAI_ERROR_CLASSES', () => {
  it.each([
    ['insufficient_quota', 429, 'quota'],
    ['billing_hard_limit_reached', 400, 'quota'],
    ['context_length_exceeded', 401, 'client_error'],
    ['content_policy_violation', 400, 'content_policy'],
    ['content_filter', 400, 'content_policy'],
    ['model_not_found', 400, 'not_found'],
    ['invalid_api_key', 400, 'auth'],
    ['overloaded', 500, 'overloaded'],
    ['engine_overloaded', 500, 'overloaded'],
  ])('classifies the code %s by the table, whatever HTTP %i alone would say', (code, status, expected) => {
    const error = classifyHttpFailure({
      vendorErrorClasses: OPENAI_ERROR_CLASSES,
      status,
      headers: {},
      details: readOpenAiErrorDetails({ error: { message: 'm', type: 'error', code } }, ''),
      provider: 'oa',
      deployment: 'oa/m',
      now: 0,
    });
    expect(error.failureClass).toBe(expected);
  });
});
