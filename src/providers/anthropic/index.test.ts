import { describe, expect, it } from 'vitest';
import { classifyHttpFailure } from '../classify-failure.js';
import { ANTHROPIC_ERROR_CLASSES, AnthropicProvider } from './index.js';

describe('AnthropicProvider', () => {
  it('calls Messages under the base URL’s path with the key, version and JSON content type', () => {
    const provider = new AnthropicProvider('an', {
      protocol: 'anthropic-messages',
      baseUrl: 'https://gateway.example/anthropic/',
      apiKey: 'sk-ant-1',
    });
    expect(provider.endpoint).toBe('https://gateway.example/anthropic/v1/messages');
    expect(
      provider.prepareCall({ upstreamModel: 'm', body: { model: 'm' }, stream: false, clientHeaders: {} }),
    ).toStrictEqual({
      origin: 'https://gateway.example',
      path: '/anthropic/v1/messages',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-1',
        'anthropic-version': '2023-06-01',
        accept: 'application/json',
      },
      body: '{"model":"m"}',
    });
  });

  it('counts tokens at count_tokens beside Messages', () => {
    const provider = new AnthropicProvider('an', {
      protocol: 'anthropic-messages',
      baseUrl: 'https://api.anthropic.example',
      apiKey: 'sk-ant-1',
    });
    expect(provider.prepareCountTokens({ upstreamModel: 'm', body: {}, clientHeaders: {} })).toStrictEqual({
      origin: 'https://api.anthropic.example',
      path: '/v1/messages/count_tokens',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-1',
        'anthropic-version': '2023-06-01',
        accept: 'application/json',
      },
      body: '{}',
    });
  });

  it('sends the configured headers and version, and no key when it has none', () => {
    const provider = new AnthropicProvider('an', {
      protocol: 'anthropic-messages',
      baseUrl: 'http://127.0.0.1:9000',
      headers: { 'x-team': 'red' },
      anthropicVersion: '2030-01-01',
    });
    expect(provider.endpoint).toBe('http://127.0.0.1:9000/v1/messages');
    expect(
      provider.prepareCall({ upstreamModel: 'm', body: {}, stream: true, clientHeaders: {} }).headers,
    ).toStrictEqual({
      'content-type': 'application/json',
      'x-team': 'red',
      'anthropic-version': '2030-01-01',
      accept: 'text/event-stream',
    });
  });
});

describe('ANTHROPIC_ERROR_CLASSES', () => {
  it.each([
    ['overloaded_error', 500, 'overloaded'],
    ['rate_limit_error', 400, 'rate_limited'],
    ['authentication_error', 400, 'auth'],
    ['permission_error', 400, 'auth'],
    ['not_found_error', 400, 'not_found'],
    ['billing_error', 400, 'quota'],
    ['request_too_large', 401, 'client_error'],
    ['invalid_request_error', 401, 'client_error'],
  ])('classifies the type %s by the table, whatever HTTP %i alone would say', (type, status, expected) => {
    const error = classifyHttpFailure({
      vendorErrorClasses: ANTHROPIC_ERROR_CLASSES,
      status,
      headers: {},
      details: { type, message: 'm' },
      provider: 'an',
      deployment: 'an/m',
      now: 0,
    });
    expect(error.failureClass).toBe(expected);
  });
});
