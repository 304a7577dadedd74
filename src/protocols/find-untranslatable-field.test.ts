import { describe, expect, it } from 'vitest';
import type { ChatRequest, ImagePart, ImageSource, Part, ProtocolName } from '../core/index.js';
import { UNTRANSLATABLE_PARTS } from './anthropic-messages/index.js';
import { findUntranslatableField } from './find-untranslatable-field.js';

function fromClient(client: ProtocolName, kept: Record<string, unknown>, fields: Partial<ChatRequest> = {}) {
  const request: ChatRequest = {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    stream: false,
    metadata: {},
    vendorOptions: { [client]: kept },
    ...fields,
  };
  return request;
}

const openai = (kept: Record<string, unknown>, fields?: Partial<ChatRequest>) =>
  fromClient('openai-chat', kept, fields);
const anthropic = (kept: Record<string, unknown>, fields?: Partial<ChatRequest>) =>
  fromClient('anthropic-messages', kept, fields);

const tools: ChatRequest['tools'] = [{ name: 'f', parameters: { type: 'object' } }];

function withContent(content: Part[], fields?: Partial<ChatRequest>): ChatRequest {
  return openai({}, { messages: [{ role: 'user', content }], ...fields });
}

const image = (source: ImageSource): ImagePart => ({ type: 'image', source });

describe('findUntranslatableField', () => {
  it('takes no inherited name for a rule: a client field called constructor translates (regression)', () => {
    for (const target of ['anthropic-messages', 'gemini', 'bedrock-converse'] as const) {
      expect(findUntranslatableField(openai({ constructor: 1, toString: 'x' }), target)).toBeUndefined();
      expect(findUntranslatableField(anthropic({ hasOwnProperty: true }), 'openai-chat')).toBeUndefined();
    }
  });

  it.each([
    ['n', 2, 'Anthropic returns one choice per request'],
    ['logprobs', true, 'Anthropic does not return log probabilities'],
    ['top_logprobs', 3, 'Anthropic does not return log probabilities'],
    ['logit_bias', { 50256: -100 }, 'Anthropic has no logit bias'],
    ['frequency_penalty', 0.5, 'Anthropic has no frequency penalty'],
    ['presence_penalty', -0.5, 'Anthropic has no presence penalty'],
    ['audio', { voice: 'alloy' }, 'Anthropic does not produce audio'],
    ['modalities', ['text', 'audio'], 'Anthropic answers in text only'],
    ['web_search_options', {}, "OpenAI's built-in web search has no Anthropic equivalent here"],
  ])('keeps OpenAI %s off Anthropic hosts with the reason "%s"', (field, value, reason) => {
    expect(findUntranslatableField(openai({ [field]: value }), 'anthropic-messages')).toEqual({
      field,
      reason,
    });
  });

  it.each([
    ['n', 2, 'answers from Gemini hosts are translated with one choice'],
    ['logprobs', true, 'log probabilities are not translated from Gemini answers'],
    ['logit_bias', { 50256: -100 }, 'Gemini has no logit bias'],
    ['frequency_penalty', 0.5, 'Gemini models refuse a frequency penalty ("Penalty is not enabled")'],
    ['presence_penalty', 0.5, 'Gemini models refuse a presence penalty ("Penalty is not enabled")'],
    ['audio', { voice: 'alloy' }, 'Gemini does not produce audio'],
    ['modalities', ['audio'], 'Gemini answers in text only'],
    ['web_search_options', {}, "OpenAI's built-in web search has no Gemini equivalent here"],
  ])('keeps OpenAI %s off Gemini hosts with the reason "%s"', (field, value, reason) => {
    expect(findUntranslatableField(openai({ [field]: value }), 'gemini')).toEqual({ field, reason });
  });

  it('lets values that change nothing, and fields Gemini maps, reach Gemini hosts', () => {
    const request = openai({
      n: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      logit_bias: {},
      modalities: ['text'],
      seed: 3,
      reasoning_effort: 'low',
    });
    expect(findUntranslatableField(request, 'gemini')).toBeUndefined();
  });

  it('keeps Anthropic-only fields and content off Gemini hosts', () => {
    expect(findUntranslatableField(anthropic({ mcp_servers: [{}] }), 'gemini')).toEqual({
      field: 'mcp_servers',
      reason: 'MCP servers run inside the Anthropic API',
    });
    expect(
      findUntranslatableField(
        anthropic({ untranslatable_parts: ['messages[0].content[1] (document)'] }),
        'gemini',
      ),
    ).toEqual({
      field: 'messages[0].content[1] (document)',
      reason: 'this content exists only in the Anthropic API',
    });
    expect(
      findUntranslatableField(anthropic({ thinking: { type: 'enabled', budget_tokens: 1024 } }), 'gemini'),
    ).toBe(undefined);
  });

  it('keeps JSON mode with tools off Gemini hosts unless calling is off, as for Anthropic hosts', () => {
    const json = { responseFormat: { type: 'json' } } as const;
    expect(findUntranslatableField(openai({}, { ...json, tools }), 'gemini')).toEqual({
      field: 'response_format',
      reason: "Gemini hosts cannot combine JSON mode with the request's own tools",
    });
    expect(findUntranslatableField(openai({}, { ...json, tools }), 'anthropic-messages')?.field).toBe(
      'response_format',
    );
    expect(
      findUntranslatableField(openai({}, { ...json, tools, toolChoice: { type: 'none' } }), 'gemini'),
    ).toBe(undefined);
    expect(findUntranslatableField(openai({}, json), 'gemini')).toBeUndefined();
    expect(findUntranslatableField(openai({}, { tools }), 'gemini')).toBeUndefined();
  });

  it("keeps one-call-per-turn off Gemini hosts, naming the client's own field", () => {
    const reason = 'Gemini cannot limit a turn to one tool call';
    expect(findUntranslatableField(openai({}, { tools, parallelToolCalls: false }), 'gemini')).toEqual({
      field: 'parallel_tool_calls',
      reason,
    });
    expect(findUntranslatableField(anthropic({}, { tools, parallelToolCalls: false }), 'gemini')).toEqual({
      field: 'tool_choice.disable_parallel_tool_use',
      reason,
    });
    expect(findUntranslatableField(openai({}, { parallelToolCalls: false }), 'gemini')).toBeUndefined();
    expect(findUntranslatableField(openai({}, { tools, parallelToolCalls: true }), 'gemini')).toBeUndefined();
    expect(
      findUntranslatableField(openai({}, { tools, parallelToolCalls: false }), 'anthropic-messages'),
    ).toBe(undefined);
  });

  it('keeps more than five stop sequences off Gemini hosts', () => {
    const five = ['a', 'b', 'c', 'd', 'e'];
    expect(findUntranslatableField(anthropic({}, { stop: five }), 'gemini')).toBeUndefined();
    expect(findUntranslatableField(anthropic({}, { stop: [...five, 'f'] }), 'gemini')).toEqual({
      field: 'stop_sequences',
      reason: 'Gemini accepts at most 5 stop sequences',
    });
    expect(findUntranslatableField(openai({}, { stop: [...five, 'f'] }), 'gemini')?.field).toBe('stop');
  });

  it.each([
    ['a GIF', { type: 'base64', mediaType: 'image/gif', data: 'R0lG' }],
    ['a plain-http URL', { type: 'url', url: 'http://example.com/cat.png' }],
    ['a URL without an image extension', { type: 'url', url: 'https://example.com/image?id=7' }],
    ['a GIF URL', { type: 'url', url: 'https://example.com/cat.gif' }],
  ] as const)('keeps %s off Gemini hosts but not off Anthropic hosts', (_name, source) => {
    const request = withContent([{ type: 'text', text: 'look' }, image(source)]);
    expect(findUntranslatableField(request, 'gemini')).toEqual({
      field: 'image_url',
      reason:
        'Gemini reads PNG, JPEG, WEBP, HEIC and HEIF images, inline or from an https URL that ends in their extension',
    });
    expect(findUntranslatableField(request, 'anthropic-messages')).toBeUndefined();
  });

  it('checks the images inside tool results too, and lets readable images through', () => {
    const result: Part = {
      type: 'tool_result',
      toolCallId: 'c1',
      content: [image({ type: 'base64', mediaType: 'image/gif', data: 'R0lG' })],
      isError: false,
    };
    expect(findUntranslatableField(withContent([result]), 'gemini')?.field).toBe('image_url');
    const readable = withContent([
      image({ type: 'base64', mediaType: 'image/webp', data: 'UklG' }),
      image({ type: 'url', url: 'https://example.com/photos/cat.jpeg' }),
    ]);
    expect(findUntranslatableField(readable, 'gemini')).toBeUndefined();
    expect(
      findUntranslatableField(
        anthropic(
          {},
          { messages: [{ role: 'user', content: [image({ type: 'url', url: 'https://x.test/a' })] }] },
        ),
        'gemini',
      )?.field,
    ).toBe('image');
  });

  it('names the reason for OpenAI top_logprobs on Gemini hosts and an Anthropic container elsewhere', () => {
    expect(findUntranslatableField(openai({ top_logprobs: 2 }), 'gemini')).toStrictEqual({
      field: 'top_logprobs',
      reason: 'log probabilities are not translated from Gemini answers',
    });
    expect(findUntranslatableField(anthropic({ container: 'container_1' }), 'openai-chat')).toStrictEqual({
      field: 'container',
      reason: 'code-execution containers exist only at Anthropic',
    });
  });

  it('lets null, the value OpenAI clients send for "not set", through in every refused field', () => {
    const request = openai({
      n: null,
      logprobs: null,
      top_logprobs: null,
      logit_bias: null,
      frequency_penalty: null,
      presence_penalty: null,
      audio: null,
      modalities: null,
      web_search_options: null,
    });
    for (const target of ['anthropic-messages', 'gemini', 'bedrock-converse'] as const) {
      expect(findUntranslatableField(request, target)).toBeUndefined();
    }
  });

  it('counts only a non-empty object as a logit bias', () => {
    expect(findUntranslatableField(openai({ logit_bias: 'none' }), 'anthropic-messages')).toBeUndefined();
    expect(findUntranslatableField(openai({ logit_bias: [] }), 'anthropic-messages')).toBeUndefined();
    expect(findUntranslatableField(openai({ logit_bias: { 1: 5 } }), 'anthropic-messages')?.field).toBe(
      'logit_bias',
    );
  });

  it("checks no field against a host of the client's own protocol", () => {
    expect(
      findUntranslatableField(openai({ n: 3, logprobs: true, audio: {} }), 'openai-chat'),
    ).toBeUndefined();
    expect(
      findUntranslatableField(anthropic({ mcp_servers: [{}], container: 'c' }), 'anthropic-messages'),
    ).toBeUndefined();
  });

  it('refuses JSON mode with tools on Anthropic hosts only, with the reason', () => {
    const json = { responseFormat: { type: 'json' } } as const;
    expect(findUntranslatableField(openai({}, { ...json, tools }), 'anthropic-messages')).toStrictEqual({
      field: 'response_format',
      reason:
        "Anthropic hosts get JSON mode as a forced tool call, which cannot be combined with the request's own tools",
    });
    expect(findUntranslatableField(anthropic({}, { ...json, tools }), 'openai-chat')).toBeUndefined();
  });

  it('takes a text response format, or an empty tool list, for no conflict', () => {
    const text = { responseFormat: { type: 'text' } } as const;
    const json = { responseFormat: { type: 'json' } } as const;
    for (const target of ['anthropic-messages', 'gemini'] as const) {
      expect(findUntranslatableField(openai({}, { ...text, tools }), target)).toBeUndefined();
      expect(findUntranslatableField(openai({}, { ...json, tools: [] }), target)).toBeUndefined();
    }
  });

  it('lets Anthropic-only content reach Anthropic hosts, and an empty list of it reach any host', () => {
    const only = anthropic({ [UNTRANSLATABLE_PARTS]: ['messages[0].content[0] (document)'] });
    expect(findUntranslatableField(only, 'anthropic-messages')).toBeUndefined();
    expect(findUntranslatableField(only, 'openai-chat')).toStrictEqual({
      field: 'messages[0].content[0] (document)',
      reason: 'this content exists only in the Anthropic API',
    });
    expect(findUntranslatableField(anthropic({ [UNTRANSLATABLE_PARTS]: [] }), 'openai-chat')).toBeUndefined();
  });

  it('skips a protocol entry whose kept fields are undefined', () => {
    const request = openai({ n: 2 });
    request.vendorOptions = { 'anthropic-messages': undefined, ...request.vendorOptions };
    expect(findUntranslatableField(request, 'openai-chat')).toBeUndefined();
    expect(findUntranslatableField(request, 'anthropic-messages')?.field).toBe('n');
  });
});
