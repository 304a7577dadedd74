import { describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import { decodeAnthropicRequest, UNTRANSLATABLE_PARTS } from './decode-request.js';

const user = { role: 'user', content: 'Hello' };

function body(fields: Record<string, unknown>): Record<string, unknown> {
  return { model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [user], ...fields };
}

function rejection(value: unknown): DetourError {
  try {
    decodeAnthropicRequest(value);
  } catch (error) {
    if (error instanceof DetourError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('decodeAnthropicRequest', () => {
  it('decodes the smallest request', () => {
    expect(decodeAnthropicRequest(body({}))).toStrictEqual({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      maxTokens: 1024,
      stream: false,
      metadata: {},
      vendorOptions: { 'anthropic-messages': {} },
    });
  });

  it('decodes string content of either role, such as an assistant prefill', () => {
    expect(
      decodeAnthropicRequest(
        body({
          messages: [
            { role: 'user', content: 'List three colours as JSON.' },
            { role: 'assistant', content: '[' },
          ],
        }),
      ).messages,
    ).toStrictEqual([
      { role: 'user', content: [{ type: 'text', text: 'List three colours as JSON.' }] },
      { role: 'assistant', content: [{ type: 'text', text: '[' }] },
    ]);
  });

  it('maps sampling, stop sequences, stream, system and the user id', () => {
    expect(
      decodeAnthropicRequest(
        body({
          system: 'Be brief.',
          temperature: 0.2,
          top_p: 0.9,
          top_k: 40,
          stop_sequences: ['###', '\n\nHuman:'],
          stream: true,
          metadata: { user_id: 'user-1234' },
        }),
      ),
    ).toStrictEqual({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      maxTokens: 1024,
      temperature: 0.2,
      topP: 0.9,
      topK: 40,
      stop: ['###', '\n\nHuman:'],
      stream: true,
      metadata: { user: 'user-1234' },
      vendorOptions: { 'anthropic-messages': {} },
    });
  });

  it('keeps zero sampling values and leaves out an empty stop list and a null user id', () => {
    const request = decodeAnthropicRequest(
      body({ temperature: 0, top_k: 0, stop_sequences: [], metadata: { user_id: null }, stream: false }),
    );
    expect(request).toStrictEqual({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      maxTokens: 1024,
      temperature: 0,
      topK: 0,
      stream: false,
      metadata: {},
      vendorOptions: { 'anthropic-messages': {} },
    });
  });

  it('reads a system prompt given as blocks, and drops one that is all empty', () => {
    expect(
      decodeAnthropicRequest(
        body({
          system: [
            { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
            { type: 'text', text: '' },
          ],
        }),
      ).system,
    ).toStrictEqual([
      { type: 'text', text: 'You are terse.' },
      { type: 'text', text: '' },
    ]);
    expect(decodeAnthropicRequest(body({ system: '' })).system).toBeUndefined();
    expect(decodeAnthropicRequest(body({ system: [{ type: 'text', text: '' }] })).system).toBeUndefined();
  });

  it('keeps unmapped top-level fields for an Anthropic upstream', () => {
    expect(
      decodeAnthropicRequest(
        body({ thinking: { type: 'enabled', budget_tokens: 2048 }, service_tier: 'auto', temperature: 1 }),
      ).vendorOptions,
    ).toStrictEqual({
      'anthropic-messages': { thinking: { type: 'enabled', budget_tokens: 2048 }, service_tier: 'auto' },
    });
  });

  it('decodes images, tool use, thinking and redacted thinking blocks', () => {
    const request = decodeAnthropicRequest(
      body({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
              { type: 'text', text: 'What are these?' },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'Two images.', signature: 'EqQBCkYI' },
              { type: 'thinking', thinking: 'Unsigned.' },
              { type: 'redacted_thinking', data: 'EmwKAhgB' },
              { type: 'tool_use', id: 'toolu_01', name: 'classify', input: { labels: ['cat', 'dog'] } },
            ],
          },
        ],
      }),
    );
    expect(request.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          { type: 'text', text: 'What are these?' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'Two images.', signature: 'EqQBCkYI' },
          { type: 'reasoning', text: 'Unsigned.' },
          { type: 'reasoning', text: '', redactedData: 'EmwKAhgB' },
          { type: 'tool_call', id: 'toolu_01', name: 'classify', arguments: '{"labels":["cat","dog"]}' },
        ],
      },
    ]);
  });

  it('moves tool results into a tool message ahead of the rest of the user turn', () => {
    const request = decodeAnthropicRequest(
      body({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'And now?' },
              { type: 'tool_result', tool_use_id: 'toolu_01', content: '18°C' },
              {
                type: 'tool_result',
                tool_use_id: 'toolu_02',
                content: [
                  { type: 'text', text: 'See chart.' },
                  { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
                ],
                is_error: false,
              },
              { type: 'tool_result', tool_use_id: 'toolu_03', is_error: true },
              { type: 'tool_result', tool_use_id: 'toolu_04', content: '' },
            ],
          },
        ],
      }),
    );
    expect(request.messages).toStrictEqual([
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'toolu_01',
            content: [{ type: 'text', text: '18°C' }],
            isError: false,
          },
          {
            type: 'tool_result',
            toolCallId: 'toolu_02',
            content: [
              { type: 'text', text: 'See chart.' },
              { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'AAAA' } },
            ],
            isError: false,
          },
          { type: 'tool_result', toolCallId: 'toolu_03', content: [], isError: true },
          { type: 'tool_result', toolCallId: 'toolu_04', content: [], isError: false },
        ],
      },
      { role: 'user', content: [{ type: 'text', text: 'And now?' }] },
    ]);
  });

  it('sends no empty user message after tool results alone, but keeps an empty message as it came', () => {
    expect(
      decodeAnthropicRequest(
        body({
          messages: [
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'ok' }] },
          ],
        }),
      ).messages,
    ).toStrictEqual([
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'toolu_01',
            content: [{ type: 'text', text: 'ok' }],
            isError: false,
          },
        ],
      },
    ]);
    expect(
      decodeAnthropicRequest(body({ messages: [{ role: 'user', content: [] }] })).messages,
    ).toStrictEqual([{ role: 'user', content: [] }]);
  });

  it('decodes custom tools and records server tools as untranslatable', () => {
    const request = decodeAnthropicRequest(
      body({
        tools: [
          {
            name: 'get_weather',
            description: 'Current weather.',
            input_schema: { type: 'object', properties: { city: { type: 'string' } } },
          },
          { type: 'custom', name: 'now', input_schema: { type: 'object' } },
          { type: 'web_search_20250305', name: 'web_search', max_uses: 3 },
          { name: 'no_schema' },
        ],
      }),
    );
    expect(request.tools).toStrictEqual([
      {
        name: 'get_weather',
        description: 'Current weather.',
        parameters: { type: 'object', properties: { city: { type: 'string' } } },
      },
      { name: 'now', parameters: { type: 'object' } },
    ]);
    expect(request.vendorOptions).toStrictEqual({
      'anthropic-messages': {
        [UNTRANSLATABLE_PARTS]: ['tools[2] (web_search_20250305)', 'tools[3] (no_schema)'],
      },
    });
  });

  it('leaves out tools when only server tools were given', () => {
    const request = decodeAnthropicRequest(
      body({ tools: [{ type: 'code_execution_20250522', name: 'code_execution' }] }),
    );
    expect(request.tools).toBeUndefined();
    expect(request.vendorOptions['anthropic-messages']).toStrictEqual({
      untranslatable_parts: ['tools[0] (code_execution_20250522)'],
    });
  });

  it('records document and server-tool blocks as untranslatable, by path', () => {
    const request = decodeAnthropicRequest(
      body({
        messages: [
          user,
          {
            role: 'assistant',
            content: [
              { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'x' } },
              { type: 'text', text: 'Found it.' },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
              { type: 'text', text: 'Summarise.' },
            ],
          },
        ],
      }),
    );
    expect(request.messages).toStrictEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Found it.' }] },
      { role: 'user', content: [{ type: 'text', text: 'Summarise.' }] },
    ]);
    expect(request.vendorOptions['anthropic-messages']).toStrictEqual({
      untranslatable_parts: ['messages[1].content[0] (server_tool_use)', 'messages[2].content[0] (document)'],
    });
  });

  it.each([
    [{ type: 'auto' }, { type: 'auto' }],
    [{ type: 'any' }, { type: 'required' }],
    [{ type: 'none' }, { type: 'none' }],
    [
      { type: 'tool', name: 'get_weather' },
      { type: 'tool', name: 'get_weather' },
    ],
  ])('decodes tool_choice %o as %o', (toolChoice, expected) => {
    const request = decodeAnthropicRequest(body({ tool_choice: toolChoice }));
    expect(request.toolChoice).toStrictEqual(expected);
    expect(request.parallelToolCalls).toBeUndefined();
  });

  it.each([
    [{ type: 'auto', disable_parallel_tool_use: true }, false],
    [{ type: 'any', disable_parallel_tool_use: true }, false],
    [{ type: 'tool', name: 'f', disable_parallel_tool_use: true }, false],
    [{ type: 'auto', disable_parallel_tool_use: false }, undefined],
  ])('reads %o as parallel tool calls %s', (toolChoice, parallel) => {
    expect(decodeAnthropicRequest(body({ tool_choice: toolChoice })).parallelToolCalls).toBe(parallel);
  });

  it.each([
    [{ max_tokens: 1024, messages: [user] }, 'model', "Missing required parameter: 'model'"],
    [{ model: 'claude', messages: [user] }, 'max_tokens', "Missing required parameter: 'max_tokens'"],
    [
      { model: 'claude', max_tokens: 0, messages: [user] },
      'max_tokens',
      "Invalid value for 'max_tokens': expected a number >= 1",
    ],
    [
      { model: 'claude', max_tokens: 10, messages: [] },
      'messages',
      "Invalid value for 'messages': expected a non-empty array",
    ],
    [
      body({ messages: [{ role: 'system', content: 'x' }] }),
      'messages[0].role',
      "Invalid value for 'messages[0].role': expected one of user, assistant",
    ],
    [body({ temperature: 1.5 }), 'temperature', "Invalid value for 'temperature': expected a number <= 1"],
    [
      body({ tool_choice: { type: 'required' } }),
      'tool_choice.type',
      "Invalid value for 'tool_choice.type': expected one of auto, any, none, tool",
    ],
  ])('rejects %o naming %s', (value, param, message) => {
    const error = rejection(value);
    expect({
      code: error.code,
      status: error.status,
      param: error.param,
      message: error.message,
    }).toStrictEqual({
      code: 'invalid_request',
      status: 400,
      param,
      message,
    });
  });

  it('rejects a known block type that is malformed', () => {
    const error = rejection(body({ messages: [{ role: 'user', content: [{ type: 'text' }] }] }));
    expect({ code: error.code, param: error.param }).toStrictEqual({
      code: 'invalid_request',
      param: 'messages[0].content[0]',
    });
  });

  it('rejects a body that is not an object', () => {
    expect(rejection('hello').message).toBe('The request body must be a JSON object');
  });
});
