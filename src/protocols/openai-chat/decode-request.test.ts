import { describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import { decodeOpenaiRequest } from './decode-request.js';

const user = { role: 'user', content: 'hi' };

function rejection(body: unknown): DetourError {
  try {
    decodeOpenaiRequest(body);
  } catch (error) {
    if (error instanceof DetourError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('decodeOpenaiRequest', () => {
  it('moves system and developer messages to system, in order, and keeps the rest as messages', () => {
    const request = decodeOpenaiRequest({
      model: 'gpt-5',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
        { role: 'user', content: 'Weather?', name: 'ana' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Lima"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18°C' },
        { role: 'assistant', content: 'It is 18°C.', name: 'bot' },
      ],
    });
    expect(request.system).toEqual([
      { type: 'text', text: 'Be brief.' },
      { type: 'text', text: 'Use metric units.' },
    ]);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Weather?' }], name: 'ana' },
      {
        role: 'assistant',
        content: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: '{"city":"Lima"}' }],
      },
      {
        role: 'tool',
        content: [
          {
            type: 'tool_result',
            toolCallId: 'call_1',
            content: [{ type: 'text', text: '18°C' }],
            isError: false,
          },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 18°C.' }], name: 'bot' },
    ]);
  });

  it('decodes text and image parts, data URLs as base64 and http URLs as urls', () => {
    const request = decodeOpenaiRequest({
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect(request.messages[0]?.content).toEqual([
      { type: 'text', text: 'Compare' },
      {
        type: 'image',
        source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' },
        detail: 'low',
      },
      { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
    ]);
  });

  it('keeps an assistant refusal part as text', () => {
    const request = decodeOpenaiRequest({
      model: 'm',
      messages: [user, { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot help.' }] }],
    });
    expect(request.messages[1]?.content).toEqual([{ type: 'text', text: 'I cannot help.' }]);
  });

  it('maps tools, tool_choice and parallel_tool_calls', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } } };
    const request = decodeOpenaiRequest({
      model: 'm',
      messages: [user],
      tools: [
        { type: 'function', function: { name: 'weather', description: 'Weather', parameters, strict: true } },
        { type: 'function', function: { name: 'ping' } },
      ],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      parallel_tool_calls: false,
    });
    expect(request.tools).toEqual([
      { name: 'weather', description: 'Weather', parameters, strict: true },
      { name: 'ping', parameters: { type: 'object', properties: {} } },
    ]);
    expect(request.toolChoice).toEqual({ type: 'tool', name: 'weather' });
    expect(request.parallelToolCalls).toBe(false);
    for (const choice of ['auto', 'none', 'required'] as const) {
      expect(decodeOpenaiRequest({ model: 'm', messages: [user], tool_choice: choice }).toolChoice).toEqual({
        type: choice,
      });
    }
  });

  it('maps each response_format', () => {
    const decode = (format: unknown) =>
      decodeOpenaiRequest({ model: 'm', messages: [user], response_format: format }).responseFormat;
    expect(decode({ type: 'text' })).toEqual({ type: 'text' });
    expect(decode({ type: 'json_object' })).toEqual({ type: 'json' });
    expect(
      decode({
        type: 'json_schema',
        json_schema: { name: 'city', description: 'A city', schema: { type: 'object' }, strict: true },
      }),
    ).toEqual({
      type: 'json_schema',
      name: 'city',
      description: 'A city',
      schema: { type: 'object' },
      strict: true,
    });
  });

  it('maps sampling, limits, stream options and metadata', () => {
    const request = decodeOpenaiRequest({
      model: 'm',
      messages: [user],
      stop: 'END',
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stream: true,
      stream_options: { include_usage: true },
      user: 'user-42',
      metadata: { team: 'search' },
    });
    expect(request).toMatchObject({
      stop: ['END'],
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stream: true,
      streamUsage: true,
      metadata: { team: 'search', user: 'user-42' },
    });
    expect(request.vendorOptions['openai-chat']).toEqual({});
    expect(decodeOpenaiRequest({ model: 'm', messages: [user], stop: ['a', 'b'] }).stop).toEqual(['a', 'b']);
    expect(decodeOpenaiRequest({ model: 'm', messages: [user] }).stream).toBe(false);
  });

  it('reads max_completion_tokens as maxTokens and records that the client used it', () => {
    const request = decodeOpenaiRequest({ model: 'm', messages: [user], max_completion_tokens: 64 });
    expect(request.maxTokens).toBe(64);
    expect(request.vendorOptions['openai-chat']).toEqual({ max_completion_tokens: 64 });
  });

  it('keeps every unmapped top-level field untouched in vendorOptions', () => {
    const unmapped = {
      n: 2,
      seed: 7,
      logprobs: true,
      top_logprobs: 3,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      logit_bias: { '50256': -100 },
      reasoning_effort: 'low',
      service_tier: 'flex',
      store: true,
      modalities: ['text'],
      prediction: { type: 'content', content: 'x' },
      future_field: { nested: [1, { deep: null }] },
    };
    const request = decodeOpenaiRequest({ model: 'm', messages: [user], ...unmapped });
    expect(request.vendorOptions['openai-chat']).toEqual(unmapped);
  });

  it('accepts null for optional fields', () => {
    const request = decodeOpenaiRequest({
      model: 'm',
      messages: [user],
      temperature: null,
      max_tokens: null,
      tools: null,
      stop: null,
      stream: null,
      user: null,
    });
    expect(request.temperature).toBeUndefined();
    expect(request.maxTokens).toBeUndefined();
    expect(request.stream).toBe(false);
  });

  it('keeps an assistant message-level refusal as text only when there is no content', () => {
    const decode = (assistant: Record<string, unknown>) =>
      decodeOpenaiRequest({ model: 'm', messages: [user, { role: 'assistant', ...assistant }] }).messages[1]
        ?.content;
    expect(decode({ content: null, refusal: "I can't help with that." })).toStrictEqual([
      { type: 'text', text: "I can't help with that." },
    ]);
    expect(decode({ content: 'Sure.', refusal: 'No.' })).toStrictEqual([{ type: 'text', text: 'Sure.' }]);
    expect(
      decode({
        content: null,
        refusal: '',
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
      }),
    ).toStrictEqual([{ type: 'tool_call', id: 'call_1', name: 'f', arguments: '{}' }]);
  });

  it('drops empty assistant text', () => {
    const request = decodeOpenaiRequest({
      model: 'm',
      messages: [
        user,
        {
          role: 'assistant',
          content: '',
          tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
      ],
    });
    expect(request.messages[1]?.content).toStrictEqual([
      { type: 'tool_call', id: 'call_1', name: 'f', arguments: '{}' },
    ]);
  });
});

describe('decodeOpenaiRequest validation', () => {
  const cases: Array<[string, unknown, string | undefined, RegExp]> = [
    ['a body that is not an object', 'hello', undefined, /must be a JSON object/],
    ['an array body', [], undefined, /must be a JSON object/],
    ['a missing model', { messages: [user] }, 'model', /Missing required parameter: 'model'/],
    ['an empty model', { model: '', messages: [user] }, 'model', /'model': expected a non-empty string/],
    [
      'a model that is not a string',
      { model: 5, messages: [user] },
      'model',
      /expected a string, got number/,
    ],
    [
      'a model that is null',
      { model: null, messages: [user] },
      'model',
      /^Invalid type for 'model': expected a string, got null$/,
    ],
    [
      'a model that is an array',
      { model: ['m'], messages: [user] },
      'model',
      /^Invalid type for 'model': expected a string, got array$/,
    ],
    ['missing messages', { model: 'm' }, 'messages', /Missing required parameter: 'messages'/],
    [
      'messages that are not an array',
      { model: 'm', messages: 'hi' },
      'messages',
      /expected an array, got string/,
    ],
    ['empty messages', { model: 'm', messages: [] }, 'messages', /'messages': expected a non-empty array/],
    [
      'a bad role',
      { model: 'm', messages: [user, { role: 'robot', content: 'x' }] },
      'messages[1].role',
      /^Invalid value for 'messages\[1\]\.role': expected one of system, developer, user, assistant, tool$/,
    ],
    ['a missing role', { model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role', /Missing required/],
    [
      'a tool message without tool_call_id',
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
      /Missing required parameter: 'messages\[0\]\.tool_call_id'/,
    ],
    [
      'content of the wrong type',
      { model: 'm', messages: [{ role: 'user', content: 5 }] },
      'messages[0].content',
      /'messages\[0\]\.content': expected a string or an array, got number/,
    ],
    [
      'an unknown content part type',
      {
        model: 'm',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'input_audio' }] }],
      },
      'messages[0].content[1].type',
      /expected one of text, image_url/,
    ],
    [
      'a text part without text',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'text' }] }] },
      'messages[0].content[0].text',
      /Missing required/,
    ],
    [
      'an image part without a url',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages[0].content[0].image_url.url',
      /Missing required/,
    ],
    [
      'a tool call without arguments',
      {
        model: 'm',
        messages: [
          { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] },
        ],
      },
      'messages[0].tool_calls[0].function.arguments',
      /Missing required/,
    ],
    [
      'a temperature that is a string',
      { model: 'm', messages: [user], temperature: 'hot' },
      'temperature',
      /^Invalid type for 'temperature': expected a number, got string$/,
    ],
    ['a temperature above 2', { model: 'm', messages: [user], temperature: 3 }, 'temperature', /<= 2/],
    ['a top_p above 1', { model: 'm', messages: [user], top_p: 1.5 }, 'top_p', /<= 1/],
    [
      'a negative max_tokens',
      { model: 'm', messages: [user], max_tokens: -1 },
      'max_tokens',
      /expected a number >= 1/,
    ],
    [
      'a fractional max_tokens',
      { model: 'm', messages: [user], max_tokens: 1.5 },
      'max_tokens',
      /expected an integer/,
    ],
    [
      'a zero max_completion_tokens',
      { model: 'm', messages: [user], max_completion_tokens: 0 },
      'max_completion_tokens',
      />= 1/,
    ],
    [
      'a stream flag that is a string',
      { model: 'm', messages: [user], stream: 'yes' },
      'stream',
      /expected a boolean/,
    ],
    [
      'a bad include_usage',
      { model: 'm', messages: [user], stream_options: { include_usage: 'yes' } },
      'stream_options.include_usage',
      /expected a boolean/,
    ],
    [
      'an unknown tool_choice string',
      { model: 'm', messages: [user], tool_choice: 'any' },
      'tool_choice',
      /^Invalid value for 'tool_choice': expected auto, none, required or an object, got string$/,
    ],
    [
      'a tool_choice object without a function',
      { model: 'm', messages: [user], tool_choice: { type: 'function' } },
      'tool_choice.function',
      /Missing required/,
    ],
    [
      'a tool without a name',
      { model: 'm', messages: [user], tools: [{ type: 'function', function: { description: 'x' } }] },
      'tools[0].function.name',
      /Missing required/,
    ],
    [
      'an unknown response_format type',
      { model: 'm', messages: [user], response_format: { type: 'xml' } },
      'response_format.type',
      /expected one of text, json_object, json_schema/,
    ],
    [
      'a json_schema format without a name',
      { model: 'm', messages: [user], response_format: { type: 'json_schema', json_schema: { schema: {} } } },
      'response_format.json_schema.name',
      /Missing required/,
    ],
    [
      'a stop of the wrong type',
      { model: 'm', messages: [user], stop: 5 },
      'stop',
      /expected a string or an array/,
    ],
    [
      'metadata with a non-string value',
      { model: 'm', messages: [user], metadata: { team: 1 } },
      'metadata.team',
      /expected a string, got number/,
    ],
    ['a user that is not a string', { model: 'm', messages: [user], user: 42 }, 'user', /expected a string/],
  ];

  it.each(cases)('rejects %s, naming the field', (_name, body, param, message) => {
    const error = rejection(body);
    expect(error.code).toBe('invalid_request');
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    if (param !== undefined) expect(error.message).toContain(`'${param}'`);
  });

  it('reports the first bad field when several are bad', () => {
    const error = rejection({ model: 'm', messages: [{ role: 'bad' }], temperature: 'hot' });
    expect(error.param).toBe('messages[0].role');
  });
});
