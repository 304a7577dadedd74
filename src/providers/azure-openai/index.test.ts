import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../../core/index.js';
import { upstreamCodecFor } from '../../protocols/index.js';
import { createProvider } from '../registry.js';
import { AzureOpenAiProvider } from './index.js';

const KEY = 'azure-key-0123456789abcdef';

function outgoing(stream: boolean) {
  return {
    upstreamModel: 'prod-gpt-4o',
    body: { model: 'prod-gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream },
    stream,
    clientHeaders: { authorization: 'Bearer client-key', 'api-key': 'client-api-key' },
  };
}

describe('AzureOpenAiProvider', () => {
  it('is what the registry creates for protocol azure-openai', () => {
    const provider = createProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
    });
    expect(provider).toBeInstanceOf(AzureOpenAiProvider);
    expect(provider.kind).toBe('azure-openai');
    expect(provider.name).toBe('az');
  });

  it("speaks OpenAI's Chat Completions for every deployment", () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
    });
    expect(provider.wireFor()).toBe('openai-chat');
  });

  it('sends a deployment URL with api-version and the key as api-key, never the client credentials', () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
      apiVersion: '2025-04-01-preview',
      headers: { 'x-team': 'search' },
    });
    const call = provider.prepareCall(outgoing(false));
    expect(call.origin).toBe('https://contoso.openai.azure.com');
    expect(call.path).toBe('/openai/deployments/prod-gpt-4o/chat/completions?api-version=2025-04-01-preview');
    expect(call.headers).toEqual({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-team': 'search',
      'api-key': KEY,
    });
    expect(JSON.parse(call.body)).toEqual(outgoing(false).body);
  });

  it('asks for an event stream when streaming', () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
    });
    expect(provider.prepareCall(outgoing(true)).headers.accept).toBe('text/event-stream');
  });

  it('sends the v1 endpoint path with the deployment in the body', () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com/openai/v1',
      apiKey: KEY,
    });
    const call = provider.prepareCall(outgoing(false));
    expect(call.path).toBe('/openai/v1/chat/completions');
    expect(JSON.parse(call.body).model).toBe('prod-gpt-4o');
    expect(call.headers['api-key']).toBe(KEY);
  });

  it('keeps the configured key when an extra header has the same name', () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
      headers: { 'api-key': 'other' },
    });
    expect(provider.prepareCall(outgoing(false)).headers['api-key']).toBe(KEY);
  });

  it('names its endpoint without the key', () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
    });
    expect(provider.endpoint).toBe(
      'https://contoso.openai.azure.com/openai/deployments/{deployment}/chat/completions?api-version=2024-10-21',
    );
    expect(JSON.stringify(provider)).not.toContain(KEY);
    expect(inspect(provider, { depth: 10 })).not.toContain(KEY);
  });

  it("reads Azure's stream (filter-only first chunk, annotated chunks) and keeps a content_filter finish", async () => {
    const provider = new AzureOpenAiProvider('az', {
      protocol: 'azure-openai',
      baseUrl: 'https://contoso.openai.azure.com',
      apiKey: KEY,
    });
    const chunks = [
      {
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: [{ prompt_index: 0 }],
      },
      {
        id: 'chatcmpl-1',
        model: 'gpt-4o',
        created: 1,
        choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      },
      {
        id: 'chatcmpl-1',
        model: 'gpt-4o',
        created: 1,
        choices: [
          {
            index: 0,
            delta: { content: 'Half an ans' },
            finish_reason: null,
            content_filter_results: { hate: { filtered: false, severity: 'safe' } },
          },
        ],
      },
      {
        id: 'chatcmpl-1',
        model: 'gpt-4o',
        created: 1,
        choices: [
          {
            index: 0,
            delta: {},
            finish_reason: 'content_filter',
            content_filter_results: { violence: { filtered: true, severity: 'high' } },
          },
        ],
      },
    ];
    // Split mid-event, as a network would, to exercise the framing.
    const wire = `${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`;
    async function* body() {
      yield Buffer.from(wire.slice(0, 57));
      yield Buffer.from(wire.slice(57));
    }
    const decoder = upstreamCodecFor(provider.wireFor()).createStreamDecoder();
    const events: StreamEvent[] = [];
    for await (const message of provider.readStream(body())) events.push(...decoder.decode(message));
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-1', model: 'gpt-4o', created: 1 },
      { type: 'text_delta', text: 'Half an ans' },
      { type: 'finish', finishReason: { unified: 'content_filter', raw: 'content_filter' } },
    ]);
    expect(decoder.done).toBe(true);
  });
});
