import { describe, expect, it } from 'vitest';
import { createProvider } from './registry.js';

describe('openai-chat kind', () => {
  const provider = createProvider('openai', {
    protocol: 'openai-chat',
    baseUrl: 'https://api.example.com/v1/',
    apiKey: 'sk-secret',
    headers: { 'openai-organization': 'org-1' },
  });

  it('calls the chat endpoint under the base URL with a bearer key', () => {
    const call = provider.prepareCall({
      upstreamModel: 'gpt-x',
      body: { model: 'gpt-x', messages: [] },
      stream: false,
      clientHeaders: { 'anthropic-beta': 'x', authorization: 'Bearer client-key' },
    });
    expect(call).toEqual({
      origin: 'https://api.example.com',
      path: '/v1/chat/completions',
      headers: {
        'content-type': 'application/json',
        'openai-organization': 'org-1',
        authorization: 'Bearer sk-secret',
        accept: 'application/json',
      },
      body: '{"model":"gpt-x","messages":[]}',
    });
    expect(provider.endpoint).toBe('https://api.example.com/v1/chat/completions');
    expect(provider.endpoint).not.toContain('sk-secret');
  });

  it('asks for an event stream when streaming', () => {
    const call = provider.prepareCall({ upstreamModel: 'm', body: {}, stream: true, clientHeaders: {} });
    expect(call).toMatchObject({ headers: { accept: 'text/event-stream' } });
  });

  it('sends no authorization without a key, and speaks OpenAI for every model', () => {
    const local = createProvider('local', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:8000/v1' });
    const call = local.prepareCall({ upstreamModel: 'm', body: {}, stream: false, clientHeaders: {} });
    expect(call).not.toHaveProperty('headers.authorization');
    expect(local.wireFor('claude-anything')).toBe('openai-chat');
    expect(local.kind).toBe('openai-chat');
    expect(local.prepareCountTokens).toBeUndefined();
  });

  it('reads an OpenAI error body, and the start of a body that is not JSON', () => {
    expect(
      provider.readErrorDetails('m', {}, { error: { message: 'm1', type: 't', code: 'c', param: 'p' } }, ''),
    ).toEqual({ message: 'm1', type: 't', code: 'c', param: 'p' });
    expect(provider.readErrorDetails('m', {}, undefined, `<html>${'x'.repeat(300)}`).message).toHaveLength(
      200,
    );
    expect(provider.readErrorDetails('m', {}, undefined, '').message).toBeUndefined();
  });
});

describe('anthropic-messages kind', () => {
  const provider = createProvider('anthropic', {
    protocol: 'anthropic-messages',
    baseUrl: 'https://api.anthropic.example',
    apiKey: 'sk-ant-secret',
  });

  it("calls /v1/messages with x-api-key, the default version and the client's anthropic-beta", () => {
    const call = provider.prepareCall({
      upstreamModel: 'claude-x',
      body: { model: 'claude-x' },
      stream: true,
      clientHeaders: {
        'anthropic-beta': 'files-2025',
        'x-api-key': 'client-key',
        'anthropic-version': '2099',
      },
    });
    expect(call).toEqual({
      origin: 'https://api.anthropic.example',
      path: '/v1/messages',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'sk-ant-secret',
        'anthropic-version': '2023-06-01',
        accept: 'text/event-stream',
        'anthropic-beta': 'files-2025',
      },
      body: '{"model":"claude-x"}',
    });
  });

  it('ignores a repeated anthropic-beta header it cannot pass on as one value', () => {
    const call = provider.prepareCall({
      upstreamModel: 'm',
      body: {},
      stream: false,
      clientHeaders: { 'anthropic-beta': ['a', 'b'] },
    });
    expect(call).not.toHaveProperty(['headers', 'anthropic-beta']);
  });

  it('sends the configured version and counts tokens at count_tokens', async () => {
    const pinned = createProvider('pinned', {
      protocol: 'anthropic-messages',
      baseUrl: 'http://127.0.0.1:1/proxy/',
      anthropicVersion: '2026-10-21',
    });
    const call = await pinned.prepareCountTokens?.({
      upstreamModel: 'm',
      body: { model: 'm' },
      clientHeaders: {},
    });
    expect(call?.path).toBe('/proxy/v1/messages/count_tokens');
    expect(call?.headers['anthropic-version']).toBe('2026-10-21');
    expect(call?.headers.accept).toBe('application/json');
    expect(call?.headers).not.toHaveProperty('x-api-key');
    expect(pinned.wireFor('gpt-5')).toBe('anthropic-messages');
  });

  it('reads an Anthropic error body', () => {
    expect(
      provider.readErrorDetails(
        'm',
        {},
        { type: 'error', error: { type: 'overloaded_error', message: 'busy' } },
        '',
      ),
    ).toMatchObject({ type: 'overloaded_error', message: 'busy' });
    expect(provider.vendorErrorClasses.overloaded_error).toBe('overloaded');
  });
});

describe('every first-party kind', () => {
  it('keeps its credentials out of a serialized provider', () => {
    for (const provider of [
      createProvider('o', {
        protocol: 'openai-chat',
        baseUrl: 'https://o.example/v1',
        apiKey: 'sk-open-secret',
      }),
      createProvider('a', {
        protocol: 'anthropic-messages',
        baseUrl: 'https://a.example',
        apiKey: 'sk-ant-secret',
      }),
    ]) {
      expect(JSON.stringify(provider)).not.toMatch(/secret/);
    }
  });
});
