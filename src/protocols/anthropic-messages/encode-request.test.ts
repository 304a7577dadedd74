import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message, ToolResultPart } from '../../core/index.js';
import { UNTRANSLATABLE_PARTS } from './decode-request.js';
import { DEFAULT_MAX_TOKENS, encodeAnthropicRequest } from './encode-request.js';
import { JSON_MODE_TOOL_DESCRIPTION, JSON_MODE_TOOL_NAME } from './json-mode-tool.js';

describe('encodeAnthropicRequest', () => {
  it("sends back Anthropic's own signed thinking and leaves out reasoning Gemini signed", () => {
    const request: ChatRequest = {
      model: 'claude',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Gemini thought.', signature: 'gemini-thought:EpYCCpMC' },
            { type: 'reasoning', text: 'Claude thought.', signature: 'EqQBCkYIBxgCKkD' },
            { type: 'text', text: 'a' },
          ],
        },
      ],
      stream: false,
      metadata: {},
      vendorOptions: { 'openai-chat': {} },
    };
    expect(encodeAnthropicRequest(request, 'claude-sonnet-4-5').messages).toStrictEqual([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Claude thought.', signature: 'EqQBCkYIBxgCKkD' },
          { type: 'text', text: 'a' },
        ],
      },
    ]);
  });
});

const hi: Message = { role: 'user', content: [{ type: 'text', text: 'Hi' }] };

function canonical(overrides: Partial<ChatRequest>): ChatRequest {
  return {
    model: 'claude',
    messages: [hi],
    stream: false,
    metadata: {},
    vendorOptions: {},
    ...overrides,
  };
}

const tools: ChatRequest['tools'] = [{ name: 'weather', parameters: { type: 'object' } }];
const weatherTool = { name: 'weather', input_schema: { type: 'object' } };

describe('DEFAULT_MAX_TOKENS', () => {
  it('is the 4096 the README promises for a request without a limit', () => {
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
  });
});

describe('encodeAnthropicRequest (body)', () => {
  it('writes the smallest body: the upstream model, the default max_tokens, messages and stream', () => {
    expect(encodeAnthropicRequest(canonical({}), 'claude-sonnet-4-5')).toStrictEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      messages: [hi],
      stream: false,
    });
  });

  it("keeps the client's max_tokens, stream flag, sampling and stop sequences", () => {
    expect(
      encodeAnthropicRequest(
        canonical({
          maxTokens: 300,
          stream: true,
          temperature: 0.4,
          topP: 0.9,
          topK: 40,
          stop: ['###', 'END'],
        }),
        'claude-sonnet-4-5',
      ),
    ).toStrictEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 300,
      messages: [hi],
      stop_sequences: ['###', 'END'],
      temperature: 0.4,
      top_p: 0.9,
      top_k: 40,
      stream: true,
    });
  });

  it('keeps zero sampling values and leaves out an empty stop list', () => {
    expect(
      encodeAnthropicRequest(canonical({ temperature: 0, topP: 0, topK: 0, stop: [] }), 'c'),
    ).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      temperature: 0,
      top_p: 0,
      top_k: 0,
      stream: false,
    });
  });

  it("clamps OpenAI's temperatures above 1 to Anthropic's top of 1", () => {
    expect(encodeAnthropicRequest(canonical({ temperature: 1.5 }), 'c').temperature).toBe(1);
    expect(encodeAnthropicRequest(canonical({ temperature: 2 }), 'c').temperature).toBe(1);
    expect(encodeAnthropicRequest(canonical({ temperature: 1 }), 'c').temperature).toBe(1);
    expect(encodeAnthropicRequest(canonical({ temperature: 0.7 }), 'c').temperature).toBe(0.7);
  });

  it('sends the end-user id as metadata.user_id and no other tag', () => {
    expect(
      encodeAnthropicRequest(canonical({ metadata: { user: 'user-42', session: 's-9' } }), 'c'),
    ).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      metadata: { user_id: 'user-42' },
      stream: false,
    });
    expect(encodeAnthropicRequest(canonical({ metadata: { session: 's-9' } }), 'c')).not.toHaveProperty(
      'metadata',
    );
  });

  it("writes back an Anthropic client's kept fields, but not its list of untranslatable parts", () => {
    const request = canonical({
      vendorOptions: {
        'anthropic-messages': {
          thinking: { type: 'enabled', budget_tokens: 2048 },
          service_tier: 'auto',
          [UNTRANSLATABLE_PARTS]: ['messages[0].content[1] (document)'],
        },
      },
    });
    expect(encodeAnthropicRequest(request, 'claude-opus-4-1')).toStrictEqual({
      thinking: { type: 'enabled', budget_tokens: 2048 },
      service_tier: 'auto',
      model: 'claude-opus-4-1',
      max_tokens: 4096,
      messages: [hi],
      stream: false,
    });
  });

  it("does not send another protocol's kept fields", () => {
    const request = canonical({ vendorOptions: { 'openai-chat': { seed: 7, n: 1 } } });
    expect(encodeAnthropicRequest(request, 'c')).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      stream: false,
    });
  });
});

describe('encodeAnthropicRequest (system)', () => {
  it('writes one system part as a string', () => {
    const body = encodeAnthropicRequest(canonical({ system: [{ type: 'text', text: 'Be brief.' }] }), 'c');
    expect(body.system).toBe('Be brief.');
  });

  it('writes several system parts as text blocks, in order', () => {
    const system = [
      { type: 'text', text: 'Rule one.' },
      { type: 'text', text: 'Rule two.' },
    ] as const;
    expect(encodeAnthropicRequest(canonical({ system: [...system] }), 'c').system).toStrictEqual([
      { type: 'text', text: 'Rule one.' },
      { type: 'text', text: 'Rule two.' },
    ]);
  });

  it('leaves out empty system parts, which Anthropic rejects, and the system when nothing is left', () => {
    // An OpenAI client's `{ role: 'system', content: '' }` beside a developer message.
    const mixed = [
      { type: 'text', text: '' },
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: '' },
      { type: 'text', text: 'Be kind.' },
    ] as const;
    expect(encodeAnthropicRequest(canonical({ system: [...mixed] }), 'c').system).toStrictEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Be kind.' },
    ]);
    expect(encodeAnthropicRequest(canonical({ system: [mixed[0], mixed[1]] }), 'c').system).toBe('Be brief.');
    expect(encodeAnthropicRequest(canonical({ system: [mixed[0]] }), 'c')).not.toHaveProperty('system');
  });

  it('leaves out an empty system list', () => {
    expect(encodeAnthropicRequest(canonical({ system: [] }), 'c')).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      stream: false,
    });
  });
});

describe('encodeAnthropicRequest (content)', () => {
  it('writes base64 and URL images with their sources', () => {
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these.' },
              { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' }, detail: 'high' },
            ],
          },
        ],
      }),
      'c',
    );
    expect(body.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare these.' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
    ]);
  });

  it('leaves out empty text, and a turn left with nothing, merging the turns around it', () => {
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: '' },
              { type: 'text', text: 'First.' },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: '' }] },
          { role: 'user', content: [{ type: 'text', text: 'Second.' }] },
        ],
      }),
      'c',
    );
    expect(body.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'First.' },
          { type: 'text', text: 'Second.' },
        ],
      },
    ]);
  });

  it('writes tool calls as tool_use blocks with the arguments parsed into an object', () => {
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          hi,
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'Checking.' },
              { type: 'tool_call', id: 'toolu_01', name: 'weather', arguments: '{"city":"Paris"}' },
              { type: 'tool_call', id: 'toolu_02', name: 'clock', arguments: '' },
            ],
          },
        ],
      }),
      'c',
    );
    expect(body.messages).toStrictEqual([
      hi,
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_01', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_02', name: 'clock', input: {} },
        ],
      },
    ]);
  });

  it('writes tool results with text and images, drops their empty text and marks only failures is_error', () => {
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          {
            role: 'tool',
            content: [
              {
                type: 'tool_result',
                toolCallId: 'toolu_01',
                content: [
                  { type: 'text', text: '' },
                  { type: 'text', text: '18 °C' },
                  { type: 'image', source: { type: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
                ],
                isError: false,
              },
              {
                type: 'tool_result',
                toolCallId: 'toolu_02',
                content: [{ type: 'text', text: 'timeout' }],
                isError: true,
              },
              {
                type: 'tool_result',
                toolCallId: 'toolu_03',
                content: [{ type: 'text', text: '' }],
                isError: false,
              },
            ],
          },
        ],
      }),
      'c',
    );
    expect(body.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_01',
            content: [
              { type: 'text', text: '18 °C' },
              { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: '/9j/4AAQ' } },
            ],
          },
          {
            type: 'tool_result',
            tool_use_id: 'toolu_02',
            content: [{ type: 'text', text: 'timeout' }],
            is_error: true,
          },
          { type: 'tool_result', tool_use_id: 'toolu_03', content: [] },
        ],
      },
    ]);
  });

  it('merges parallel tool results into one user turn, results first, then the text that follows', () => {
    const result = (id: string, text: string): ToolResultPart => ({
      type: 'tool_result',
      toolCallId: id,
      content: [{ type: 'text', text }],
      isError: false,
    });
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          {
            role: 'assistant',
            content: [
              { type: 'tool_call', id: 'toolu_01', name: 'weather', arguments: '{"city":"Paris"}' },
              { type: 'tool_call', id: 'toolu_02', name: 'weather', arguments: '{"city":"Rome"}' },
            ],
          },
          { role: 'tool', content: [result('toolu_01', '18 °C')] },
          { role: 'tool', content: [result('toolu_02', '24 °C')] },
          { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
        ],
      }),
      'c',
    );
    const wireResult = (id: string, text: string) => ({
      type: 'tool_result',
      tool_use_id: id,
      content: [{ type: 'text', text }],
    });
    expect(body.messages).toStrictEqual([
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_01', name: 'weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'toolu_02', name: 'weather', input: { city: 'Rome' } },
        ],
      },
      {
        role: 'user',
        content: [
          wireResult('toolu_01', '18 °C'),
          wireResult('toolu_02', '24 °C'),
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
    ]);
  });

  it('moves tool results ahead of the text of the user turn they merge into', () => {
    const result = (id: string): ToolResultPart => ({
      type: 'tool_result',
      toolCallId: id,
      content: [{ type: 'text', text: id }],
      isError: false,
    });
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Note.' }] },
          { role: 'tool', content: [result('r1')] },
          { role: 'user', content: [{ type: 'text', text: 'More.' }, result('r2')] },
        ],
      }),
      'c',
    );
    const wireResult = (id: string) => ({
      type: 'tool_result',
      tool_use_id: id,
      content: [{ type: 'text', text: id }],
    });
    expect(body.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          wireResult('r1'),
          wireResult('r2'),
          { type: 'text', text: 'Note.' },
          { type: 'text', text: 'More.' },
        ],
      },
    ]);
  });

  it('merges consecutive assistant turns', () => {
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          hi,
          { role: 'assistant', content: [{ type: 'text', text: 'One.' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'Two.' }] },
        ],
      }),
      'c',
    );
    expect(body.messages).toStrictEqual([
      hi,
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'One.' },
          { type: 'text', text: 'Two.' },
        ],
      },
    ]);
  });

  it('sends redacted thinking back with its data and leaves out reasoning without a signature', () => {
    const body = encodeAnthropicRequest(
      canonical({
        messages: [
          hi,
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: '', redactedData: 'EmwKAhgBEgy3va3pzix' },
              { type: 'reasoning', text: 'From an OpenAI-compatible host.' },
              { type: 'text', text: 'Answer.' },
            ],
          },
        ],
      }),
      'c',
    );
    expect(body.messages).toStrictEqual([
      hi,
      {
        role: 'assistant',
        content: [
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
          { type: 'text', text: 'Answer.' },
        ],
      },
    ]);
  });
});

describe('encodeAnthropicRequest (tools)', () => {
  it('writes tools with input_schema, and a description only when there is one', () => {
    const body = encodeAnthropicRequest(
      canonical({
        tools: [
          {
            name: 'weather',
            description: 'Current weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
            strict: true,
          },
          { name: 'clock', parameters: { type: 'object', properties: {} } },
        ],
      }),
      'c',
    );
    expect(body).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      tools: [
        {
          name: 'weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
          description: 'Current weather for a city',
        },
        { name: 'clock', input_schema: { type: 'object', properties: {} } },
      ],
      stream: false,
    });
  });

  it.each([
    ['no choice', undefined, undefined, undefined],
    ['no choice with parallel calls allowed', undefined, true, undefined],
    ['no choice with one call per turn', undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    ['auto', { type: 'auto' }, undefined, { type: 'auto' }],
    ['auto with parallel calls allowed', { type: 'auto' }, true, { type: 'auto' }],
    [
      'auto with one call per turn',
      { type: 'auto' },
      false,
      { type: 'auto', disable_parallel_tool_use: true },
    ],
    ['none', { type: 'none' }, undefined, { type: 'none' }],
    ['none with one call per turn', { type: 'none' }, false, { type: 'none' }],
    ['required', { type: 'required' }, undefined, { type: 'any' }],
    [
      'required with one call per turn',
      { type: 'required' },
      false,
      { type: 'any', disable_parallel_tool_use: true },
    ],
    ['a named tool', { type: 'tool', name: 'weather' }, undefined, { type: 'tool', name: 'weather' }],
    [
      'a named tool with parallel calls allowed',
      { type: 'tool', name: 'weather' },
      true,
      { type: 'tool', name: 'weather' },
    ],
    [
      'a named tool with one call per turn',
      { type: 'tool', name: 'weather' },
      false,
      { type: 'tool', name: 'weather', disable_parallel_tool_use: true },
    ],
  ] as const)('writes %s as Anthropic tool_choice', (_name, toolChoice, parallelToolCalls, expected) => {
    const request = canonical({ tools });
    if (toolChoice !== undefined) request.toolChoice = { ...toolChoice };
    if (parallelToolCalls !== undefined) request.parallelToolCalls = parallelToolCalls;
    expect(encodeAnthropicRequest(request, 'c')).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      tools: [weatherTool],
      ...(expected === undefined ? {} : { tool_choice: expected }),
      stream: false,
    });
  });

  it('writes neither tools nor tool_choice without tools', () => {
    for (const tools of [undefined, []]) {
      const request = canonical({ toolChoice: { type: 'required' }, parallelToolCalls: false });
      if (tools !== undefined) request.tools = tools;
      expect(encodeAnthropicRequest(request, 'c')).toStrictEqual({
        model: 'c',
        max_tokens: 4096,
        messages: [hi],
        stream: false,
      });
    }
  });
});

describe('encodeAnthropicRequest (JSON mode)', () => {
  it('forces the JSON tool with the requested schema and its description', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const body = encodeAnthropicRequest(
      canonical({
        responseFormat: {
          type: 'json_schema',
          name: 'place',
          schema,
          description: 'Where it is.',
          strict: true,
        },
        parallelToolCalls: false,
      }),
      'c',
    );
    expect(body).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      tools: [{ name: JSON_MODE_TOOL_NAME, description: 'Where it is.', input_schema: schema }],
      tool_choice: { type: 'tool', name: JSON_MODE_TOOL_NAME },
      stream: false,
    });
  });

  it('describes the JSON tool with its own words when the schema has no description', () => {
    const schema = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const body = encodeAnthropicRequest(
      canonical({ responseFormat: { type: 'json_schema', name: 'answer', schema } }),
      'c',
    );
    expect(body.tools).toStrictEqual([
      { name: JSON_MODE_TOOL_NAME, description: JSON_MODE_TOOL_DESCRIPTION, input_schema: schema },
    ]);
    expect(body.tool_choice).toStrictEqual({ type: 'tool', name: JSON_MODE_TOOL_NAME });
  });

  it('forces a JSON tool whose schema is any object for plain JSON mode', () => {
    expect(encodeAnthropicRequest(canonical({ responseFormat: { type: 'json' } }), 'c')).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      tools: [
        {
          name: JSON_MODE_TOOL_NAME,
          description: JSON_MODE_TOOL_DESCRIPTION,
          input_schema: { type: 'object' },
        },
      ],
      tool_choice: { type: 'tool', name: JSON_MODE_TOOL_NAME },
      stream: false,
    });
  });

  it('adds no tool for a text response format', () => {
    expect(encodeAnthropicRequest(canonical({ responseFormat: { type: 'text' } }), 'c')).toStrictEqual({
      model: 'c',
      max_tokens: 4096,
      messages: [hi],
      stream: false,
    });
  });
});
