import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message, ToolChoice } from '../../core/index.js';
import { openaiChatCodec } from '../openai-chat/index.js';
import { EMPTY_TOOL_RESULT } from './encode-messages.js';
import { encodeConverseRequest } from './encode-request.js';

function canonical(overrides: Partial<ChatRequest>): ChatRequest {
  return { model: 'm', messages: [], stream: false, metadata: {}, vendorOptions: {}, ...overrides };
}

const LLAMA = 'meta.llama3-3-70b-instruct-v1:0';
const NOVA = 'us.amazon.nova-pro-v1:0';
const CLAUDE = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

const TOOL_HISTORY: Message[] = [
  { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
  { role: 'assistant', content: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{}' }] },
  {
    role: 'tool',
    content: [
      {
        type: 'tool_result',
        toolCallId: 'call_1',
        content: [{ type: 'text', text: '21 C' }],
        isError: false,
      },
    ],
  },
];

const WEATHER_TOOL = {
  name: 'get_weather',
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

describe('encodeConverseRequest', () => {
  it('encodes an OpenAI client body as a Converse body, without model or stream', () => {
    const request = openaiChatCodec.decodeRequest({
      model: 'my-alias',
      stream: true,
      user: 'ana',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
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
        { role: 'user', content: 'And now?' },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: 'look',
            description: 'Look closer',
            parameters: { type: 'object' },
            strict: true,
          },
        },
      ],
      tool_choice: 'required',
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'answer',
          description: 'The answer',
          schema: { type: 'object', properties: { thing: { type: 'string' } }, required: ['thing'] },
        },
      },
      stop: ['END'],
      max_completion_tokens: 300,
      temperature: 1.5,
      top_p: 0.95,
    });
    expect(encodeConverseRequest(request, LLAMA)).toEqual({
      system: [{ text: 'Be brief.' }],
      messages: [
        {
          role: 'user',
          content: [
            { text: 'What is in this image?' },
            { image: { format: 'png', source: { bytes: 'iVBORw0KGgo=' } } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { toolUse: { toolUseId: 'call_1', name: 'look', input: { zoom: 2 } } },
            { toolUse: { toolUseId: 'call_2', name: 'look', input: { zoom: 3 } } },
          ],
        },
        {
          // Parallel results and the next user text merge into one user turn, results first.
          role: 'user',
          content: [
            { toolResult: { toolUseId: 'call_1', content: [{ text: 'a cat' }] } },
            { toolResult: { toolUseId: 'call_2', content: [{ text: 'a hat' }] } },
            { text: 'And now?' },
          ],
        },
      ],
      inferenceConfig: { maxTokens: 300, temperature: 1, topP: 0.95, stopSequences: ['END'] },
      toolConfig: {
        tools: [
          {
            toolSpec: { name: 'look', description: 'Look closer', inputSchema: { json: { type: 'object' } } },
          },
        ],
        toolChoice: { any: {} },
      },
      outputConfig: {
        textFormat: {
          type: 'json_schema',
          structure: {
            jsonSchema: {
              schema:
                '{"type":"object","properties":{"thing":{"type":"string"}},"required":["thing"],"additionalProperties":false}',
              name: 'answer',
              description: 'The answer',
            },
          },
        },
      },
    });
  });

  it('writes the schema as a JSON string that parses back to the closed schema', () => {
    const schema = {
      type: 'object',
      properties: {
        items: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } },
      },
    };
    const body = encodeConverseRequest(
      canonical({ responseFormat: { type: 'json_schema', name: 'list', schema } }),
      LLAMA,
    ) as { outputConfig: { textFormat: { structure: { jsonSchema: { schema: unknown } } } } };
    const sent = body.outputConfig.textFormat.structure.jsonSchema.schema;
    expect(typeof sent).toBe('string');
    expect(JSON.parse(sent as string)).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        items: {
          type: 'array',
          items: { type: 'object', additionalProperties: false, properties: { id: { type: 'integer' } } },
        },
      },
    });
    // The client's schema is not changed in place.
    expect(schema).not.toHaveProperty('additionalProperties');
  });

  it('maps tool choices auto, required and a named tool', () => {
    const choices: Array<[ToolChoice, unknown]> = [
      [{ type: 'auto' }, { auto: {} }],
      [{ type: 'required' }, { any: {} }],
      [{ type: 'tool', name: 'get_weather' }, { tool: { name: 'get_weather' } }],
    ];
    for (const [toolChoice, expected] of choices) {
      const body = encodeConverseRequest(canonical({ tools: [WEATHER_TOOL], toolChoice }), LLAMA);
      expect(body.toolConfig).toEqual({
        tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: WEATHER_TOOL.parameters } } }],
        toolChoice: expected,
      });
    }
    expect(encodeConverseRequest(canonical({ tools: [WEATHER_TOOL] }), LLAMA).toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: WEATHER_TOOL.parameters } } }],
    });
  });

  it('leaves the tools out for tool choice none when the conversation has no tool blocks', () => {
    const body = encodeConverseRequest(
      canonical({
        tools: [WEATHER_TOOL],
        toolChoice: { type: 'none' },
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      }),
      LLAMA,
    );
    expect(body).not.toHaveProperty('toolConfig');
  });

  it('keeps the tools without a choice for tool choice none when the conversation has tool blocks', () => {
    const body = encodeConverseRequest(
      canonical({ tools: [WEATHER_TOOL], toolChoice: { type: 'none' }, messages: TOOL_HISTORY }),
      LLAMA,
    );
    expect(body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: WEATHER_TOOL.parameters } } }],
    });
  });

  it("puts top_k where the model's maker reads it, and drops it for makers without a known field", () => {
    const request = canonical({ topK: 40 });
    expect(encodeConverseRequest(request, CLAUDE).additionalModelRequestFields).toEqual({ top_k: 40 });
    expect(
      encodeConverseRequest(request, 'anthropic.claude-3-haiku-20240307-v1:0').additionalModelRequestFields,
    ).toEqual({ top_k: 40 });
    expect(
      encodeConverseRequest(
        request,
        'arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0',
      ).additionalModelRequestFields,
    ).toEqual({ top_k: 40 });
    expect(encodeConverseRequest(request, NOVA).additionalModelRequestFields).toEqual({
      inferenceConfig: { topK: 40 },
    });
    expect(encodeConverseRequest(request, LLAMA)).not.toHaveProperty('additionalModelRequestFields');
    expect(encodeConverseRequest(canonical({}), CLAUDE)).not.toHaveProperty('additionalModelRequestFields');
  });

  it('marks failed tool results only for the models that take a status', () => {
    const request = canonical({
      messages: [
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 't1',
              content: [{ type: 'text', text: 'boom' }],
              isError: true,
            },
            {
              type: 'tool_result',
              toolCallId: 't2',
              content: [{ type: 'text', text: 'ok' }],
              isError: false,
            },
          ],
        },
      ],
    });
    const results = (model: string) =>
      (encodeConverseRequest(request, model).messages as Array<{ content: unknown[] }>)[0]!.content;
    for (const model of [CLAUDE, NOVA]) {
      expect(results(model)).toEqual([
        { toolResult: { toolUseId: 't1', content: [{ text: 'boom' }], status: 'error' } },
        { toolResult: { toolUseId: 't2', content: [{ text: 'ok' }] } },
      ]);
    }
    expect(results(LLAMA)).toEqual([
      { toolResult: { toolUseId: 't1', content: [{ text: 'boom' }] } },
      { toolResult: { toolUseId: 't2', content: [{ text: 'ok' }] } },
    ]);
  });

  it('sends signed and redacted reasoning back and leaves unsigned reasoning out', () => {
    const body = encodeConverseRequest(
      canonical({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'hi' }] },
          {
            role: 'assistant',
            content: [
              { type: 'reasoning', text: 'Thinking.', signature: 'sig-1' },
              { type: 'reasoning', text: '', redactedData: 'ZW5jcnlwdGVk' },
              { type: 'reasoning', text: 'Unsigned thoughts from another vendor.' },
              { type: 'text', text: 'Hello.' },
            ],
          },
        ],
      }),
      CLAUDE,
    );
    expect((body.messages as Array<{ content: unknown[] }>)[1]!.content).toEqual([
      { reasoningContent: { reasoningText: { text: 'Thinking.', signature: 'sig-1' } } },
      { reasoningContent: { redactedContent: 'ZW5jcnlwdGVk' } },
      { text: 'Hello.' },
    ]);
  });

  it('keeps images inside tool results and skips blank text, and turns left empty', () => {
    const body = encodeConverseRequest(
      canonical({
        system: [{ type: 'text', text: ' \n' }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: '' }] },
          { role: 'assistant', content: [{ type: 'text', text: '  ' }] },
          {
            role: 'tool',
            content: [
              {
                type: 'tool_result',
                toolCallId: 't1',
                content: [
                  { type: 'text', text: '' },
                  { type: 'image', source: { type: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' } },
                ],
                isError: false,
              },
            ],
          },
        ],
      }),
      NOVA,
    );
    expect(body).toEqual({
      messages: [
        {
          role: 'user',
          content: [
            {
              toolResult: {
                toolUseId: 't1',
                content: [{ image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } }],
              },
            },
          ],
        },
      ],
    });
  });

  it('gives a tool result that returned nothing a stand-in text, since Converse refuses empty results', () => {
    const body = encodeConverseRequest(
      canonical({
        messages: [
          {
            role: 'tool',
            content: [
              { type: 'tool_result', toolCallId: 't1', content: [], isError: true },
              {
                type: 'tool_result',
                toolCallId: 't2',
                content: [{ type: 'text', text: ' ' }],
                isError: false,
              },
            ],
          },
        ],
      }),
      CLAUDE,
    );
    expect((body.messages as Array<{ content: unknown[] }>)[0]!.content).toEqual([
      { toolResult: { toolUseId: 't1', content: [{ text: EMPTY_TOOL_RESULT }], status: 'error' } },
      { toolResult: { toolUseId: 't2', content: [{ text: EMPTY_TOOL_RESULT }] } },
    ]);
  });

  it('reads image media types case-insensitively', () => {
    const body = encodeConverseRequest(
      canonical({
        messages: [
          {
            role: 'user',
            content: [{ type: 'image', source: { type: 'base64', mediaType: 'Image/JPEG', data: '/9j/' } }],
          },
        ],
      }),
      LLAMA,
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ image: { format: 'jpeg', source: { bytes: '/9j/' } } }] },
    ]);
  });

  it('sends temperatures within Converse range as they are, and no inference config when none is set', () => {
    expect(encodeConverseRequest(canonical({ temperature: 0.3 }), LLAMA).inferenceConfig).toEqual({
      temperature: 0.3,
    });
    expect(encodeConverseRequest(canonical({ stop: [] }), LLAMA)).not.toHaveProperty('inferenceConfig');
  });

  it('merges consecutive user turns with every tool result first, keeping the order of the rest', () => {
    const result = (id: string) => ({
      type: 'tool_result' as const,
      toolCallId: id,
      content: [{ type: 'text' as const, text: id }],
      isError: false,
    });
    const body = encodeConverseRequest(
      canonical({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'first' }, result('t1')] },
          { role: 'tool', content: [result('t2')] },
          { role: 'user', content: [{ type: 'text', text: 'second' }] },
        ],
      }),
      NOVA,
    );
    expect(body.messages).toStrictEqual([
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 't1', content: [{ text: 't1' }] } },
          { toolResult: { toolUseId: 't2', content: [{ text: 't2' }] } },
          { text: 'first' },
          { text: 'second' },
        ],
      },
    ]);
  });

  it('leaves out an inline image in a format Converse does not take', () => {
    const body = encodeConverseRequest(
      canonical({
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'see' },
              { type: 'image', source: { type: 'base64', mediaType: 'image/bmp', data: 'Qk0=' } },
            ],
          },
        ],
      }),
      NOVA,
    );
    expect(body.messages).toStrictEqual([{ role: 'user', content: [{ text: 'see' }] }]);
  });
});
