import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/index.js';
import { decodeOpenaiRequest } from './decode-request.js';
import { encodeOpenaiRequest } from './encode-request.js';

function canonical(overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'm', messages: [], stream: false, metadata: {}, vendorOptions: {}, ...overrides };
}

describe('encodeOpenaiRequest', () => {
  it('gives back an OpenAI client body field for field, with only the model replaced', () => {
    const body = {
      model: 'my-alias',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
          name: 'ana',
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"zoom":2}' } },
            { id: 'call_2', type: 'function', function: { name: 'look', arguments: '{"zoom":3}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
        { role: 'tool', tool_call_id: 'call_2', content: 'a hat' },
        { role: 'assistant', content: 'A cat in a hat.', name: 'bot' },
        { role: 'user', content: 'Thanks' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'look',
            description: 'Look closer',
            parameters: { type: 'object' },
            strict: false,
          },
        },
      ],
      tool_choice: 'required',
      parallel_tool_calls: true,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      stop: ['END'],
      max_completion_tokens: 300,
      temperature: 0.7,
      top_p: 0.95,
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-42',
      metadata: { team: 'vision' },
      seed: 1,
      n: 1,
      logprobs: false,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      logit_bias: { '1': 5 },
      reasoning_effort: 'minimal',
      service_tier: 'auto',
      store: false,
      modalities: ['text'],
      prediction: { type: 'content', content: 'A cat' },
      brand_new_field: { a: [1] },
    };
    expect(encodeOpenaiRequest(decodeOpenaiRequest(body), 'gpt-4.1')).toEqual({ ...body, model: 'gpt-4.1' });
  });

  it('uses max_tokens unless the client used max_completion_tokens', () => {
    const fromOpenai = decodeOpenaiRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 9,
    });
    expect(encodeOpenaiRequest(fromOpenai, 'u')).toMatchObject({ max_tokens: 9 });
    expect(encodeOpenaiRequest(fromOpenai, 'u')).not.toHaveProperty('max_completion_tokens');
    const fromElsewhere = canonical({ maxTokens: 12 });
    expect(encodeOpenaiRequest(fromElsewhere, 'u')).toMatchObject({ max_tokens: 12 });
    const lowered = {
      ...decodeOpenaiRequest({
        model: 'm',
        messages: [{ role: 'user', content: 'x' }],
        max_completion_tokens: 900,
      }),
      maxTokens: 100,
    };
    const encoded = encodeOpenaiRequest(lowered, 'u');
    expect(encoded.max_completion_tokens).toBe(100);
    expect(encoded).not.toHaveProperty('max_tokens');
  });

  it('encodes a request from another protocol', () => {
    const encoded = encodeOpenaiRequest(
      canonical({
        system: [
          { type: 'text', text: 'Rule one.' },
          { type: 'text', text: 'Rule two.' },
        ],
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', mediaType: 'image/gif', data: 'R0lG' } }],
          },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'thinking', signature: 'sig' },
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_call', id: 'toolu_1', name: 'search', arguments: '{"q":"x"}' },
            ],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                toolCallId: 'toolu_1',
                content: [
                  { type: 'text', text: 'found ' },
                  { type: 'text', text: 'it' },
                ],
                isError: false,
              },
              { type: 'text', text: 'Summarise.' },
            ],
          },
        ],
        toolChoice: { type: 'tool', name: 'search' },
        tools: [{ name: 'search', parameters: { type: 'object' } }],
        responseFormat: { type: 'json' },
        stop: ['\n\n'],
        topK: 40,
        stream: true,
        streamUsage: true,
        metadata: { user: 'u-1', session: 's-9' },
      }),
      'gpt-4.1',
    );
    expect(encoded).toEqual({
      model: 'gpt-4.1',
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Rule one.' },
            { type: 'text', text: 'Rule two.' },
          ],
        },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/gif;base64,R0lG' } }] },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [
            { id: 'toolu_1', type: 'function', function: { name: 'search', arguments: '{"q":"x"}' } },
          ],
        },
        {
          role: 'tool',
          tool_call_id: 'toolu_1',
          content: [
            { type: 'text', text: 'found ' },
            { type: 'text', text: 'it' },
          ],
        },
        { role: 'user', content: 'Summarise.' },
      ],
      tools: [{ type: 'function', function: { name: 'search', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'search' } },
      response_format: { type: 'json_object' },
      stop: ['\n\n'],
      stream: true,
      stream_options: { include_usage: true },
      user: 'u-1',
    });
  });

  it('leaves out tool_choice and parallel_tool_calls when there are no tools', () => {
    const encoded = encodeOpenaiRequest(
      canonical({ toolChoice: { type: 'none' }, parallelToolCalls: false }),
      'u',
    );
    expect(encoded).not.toHaveProperty('tool_choice');
    expect(encoded).not.toHaveProperty('parallel_tool_calls');
  });

  it('sends tags from another protocol only with store', () => {
    const request = canonical({ metadata: { session: 's' } });
    expect(encodeOpenaiRequest(request, 'u')).not.toHaveProperty('metadata');
  });

  it('writes text and url images in user content as parts', () => {
    const encoded = encodeOpenaiRequest(
      canonical({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see' },
              { type: 'image', source: { type: 'url', url: 'https://example.com/x.png' }, detail: 'auto' },
            ],
          },
        ],
      }),
      'u',
    );
    expect(encoded.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see' },
          { type: 'image_url', image_url: { url: 'https://example.com/x.png', detail: 'auto' } },
        ],
      },
    ]);
  });

  it('writes a tool result with no text as empty content and leaves its images out', () => {
    const encoded = encodeOpenaiRequest(
      canonical({
        messages: [
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                toolCallId: 'call_1',
                content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } }],
                isError: false,
              },
              {
                type: 'tool_result',
                toolCallId: 'call_2',
                content: [
                  { type: 'image', source: { type: 'url', url: 'https://example.com/b.png' } },
                  { type: 'text', text: 'done' },
                ],
                isError: false,
              },
            ],
          },
        ],
      }),
      'u',
    );
    expect(encoded.messages).toStrictEqual([
      { role: 'tool', tool_call_id: 'call_1', content: '' },
      { role: 'tool', tool_call_id: 'call_2', content: 'done' },
    ]);
  });

  it('writes names only when given, no detail without one, and skips an assistant turn with only reasoning', () => {
    const encoded = encodeOpenaiRequest(
      canonical({
        system: [],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/c.png' } }],
          },
          { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Hello.' }] },
          { role: 'assistant', name: 'bot', content: [{ type: 'text', text: 'Again.' }] },
        ],
      }),
      'u',
    );
    expect(encoded.messages).toStrictEqual([
      { role: 'user', content: 'hi' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/c.png' } }] },
      { role: 'assistant', content: 'Hello.' },
      { role: 'assistant', content: 'Again.', name: 'bot' },
    ]);
  });

  it('writes a text response format as text', () => {
    expect(
      encodeOpenaiRequest(canonical({ responseFormat: { type: 'text' } }), 'u').response_format,
    ).toStrictEqual({
      type: 'text',
    });
  });
});

describe('encodeOpenaiRequest (optional fields)', () => {
  const request = (overrides: Partial<ChatRequest>) =>
    canonical({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], ...overrides });

  it('writes only the model, the messages and stream when nothing else is set', () => {
    expect(encodeOpenaiRequest(request({}), 'gpt-4.1')).toStrictEqual({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
  });

  it('writes sampling values, zero included, and leaves out an empty stop list', () => {
    expect(
      encodeOpenaiRequest(request({ temperature: 0, topP: 0.5, maxTokens: 64, stop: [] }), 'u'),
    ).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 64,
      temperature: 0,
      top_p: 0.5,
      stream: false,
    });
  });

  it('asks for stream usage only on a stream whose client wanted it', () => {
    const encode = (stream: boolean, streamUsage: boolean | undefined) => {
      const canonicalRequest = request({ stream });
      if (streamUsage !== undefined) canonicalRequest.streamUsage = streamUsage;
      return encodeOpenaiRequest(canonicalRequest, 'u');
    };
    expect(encode(true, true)).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(encode(true, undefined)).not.toHaveProperty('stream_options');
    expect(encode(true, false)).not.toHaveProperty('stream_options');
    expect(encode(false, true)).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
  });

  it('writes tools without description or strict when they have none, and no choice or parallel flag unless set', () => {
    expect(
      encodeOpenaiRequest(request({ tools: [{ name: 'clock', parameters: { type: 'object' } }] }), 'u'),
    ).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'clock', parameters: { type: 'object' } } }],
      stream: false,
    });
  });

  it('writes a tool choice of each kind and the parallel flag next to tools', () => {
    const tools = [{ name: 'clock', parameters: { type: 'object' } }];
    for (const type of ['auto', 'none', 'required'] as const) {
      const encoded = encodeOpenaiRequest(
        request({ tools, toolChoice: { type }, parallelToolCalls: false }),
        'u',
      );
      expect([encoded.tool_choice, encoded.parallel_tool_calls]).toStrictEqual([type, false]);
    }
  });

  it('leaves out an empty tool list together with its choice and parallel flag', () => {
    expect(
      encodeOpenaiRequest(request({ tools: [], toolChoice: { type: 'auto' }, parallelToolCalls: true }), 'u'),
    ).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
  });

  it('writes a JSON schema format with description and strict only when they are set', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    expect(
      encodeOpenaiRequest(request({ responseFormat: { type: 'json_schema', name: 'answer', schema } }), 'u')
        .response_format,
    ).toStrictEqual({ type: 'json_schema', json_schema: { name: 'answer', schema } });
    expect(
      encodeOpenaiRequest(
        request({
          responseFormat: {
            type: 'json_schema',
            name: 'answer',
            schema,
            description: 'The verdict.',
            strict: false,
          },
        }),
        'u',
      ).response_format,
    ).toStrictEqual({
      type: 'json_schema',
      json_schema: { name: 'answer', schema, description: 'The verdict.', strict: false },
    });
  });

  it("sends an OpenAI client's own metadata back without store, and no metadata when it has no tags", () => {
    const fromOpenai = (metadata: Record<string, string>) =>
      request({ metadata, vendorOptions: { 'openai-chat': {} } });
    expect(encodeOpenaiRequest(fromOpenai({ team: 'vision', user: 'u-1' }), 'u')).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      user: 'u-1',
      metadata: { team: 'vision' },
    });
    expect(encodeOpenaiRequest(fromOpenai({ user: 'u-1' }), 'u')).toStrictEqual({
      model: 'u',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      user: 'u-1',
    });
    expect(encodeOpenaiRequest(fromOpenai({}), 'u')).not.toHaveProperty('metadata');
  });
});
