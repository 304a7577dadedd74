import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message } from '../../core/index.js';
import { anthropicMessagesCodec } from '../anthropic-messages/index.js';
import { findUntranslatableField } from '../find-untranslatable-field.js';
import { openaiChatCodec } from '../openai-chat/index.js';

function fromOpenai(fields: Record<string, unknown>): ChatRequest {
  return openaiChatCodec.decodeRequest({
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    ...fields,
  });
}

function fromAnthropic(fields: Record<string, unknown>): ChatRequest {
  return anthropicMessagesCodec.decodeRequest({
    model: 'm',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'hi' }],
    ...fields,
  });
}

const TOOLS = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
const TOOL_HISTORY = [
  { role: 'user', content: 'hi' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
  },
  { role: 'tool', tool_call_id: 'c1', content: 'done' },
];

function imageMessage(url: string): Message[] {
  return [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] as unknown as Message[];
}

describe('findUntranslatableField for a Bedrock Converse target', () => {
  it('translates a plain request with tools, images and a closed schema', () => {
    const request = fromOpenai({
      messages: [
        {
          role: 'user',
          content: [{ type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } }],
        },
      ],
      tools: TOOLS,
      tool_choice: 'auto',
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'a', schema: { type: 'object', properties: { b: { type: 'string' } } } },
      },
    });
    expect(findUntranslatableField(request, 'bedrock-converse')).toBeUndefined();
  });

  for (const [field, extra] of [
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['presence_penalty', { presence_penalty: 0.5 }],
    ['audio', { audio: { voice: 'alloy', format: 'mp3' } }],
    ['modalities', { modalities: ['text', 'audio'] }],
    ['web_search_options', { web_search_options: {} }],
  ] as const) {
    it(`refuses OpenAI '${field}' with a reason that names Bedrock Converse`, () => {
      const found = findUntranslatableField(fromOpenai(extra), 'bedrock-converse');
      expect(found?.field).toBe(field);
      expect(found?.reason).toMatch(/Bedrock Converse/);
      expect(found?.reason).not.toMatch(/Anthropic/);
    });
  }

  it('keeps the Anthropic reasons for an Anthropic target', () => {
    expect(findUntranslatableField(fromOpenai({ n: 2 }), 'anthropic-messages')?.reason).toMatch(/^Anthropic/);
  });

  it('lets zero penalties and n = 1 through', () => {
    const request = fromOpenai({ n: 1, frequency_penalty: 0, presence_penalty: 0, logprobs: false });
    expect(findUntranslatableField(request, 'bedrock-converse')).toBeUndefined();
  });

  it('refuses Anthropic-only request options and content', () => {
    expect(
      findUntranslatableField(
        fromAnthropic({ mcp_servers: [{ type: 'url', url: 'https://x', name: 'x' }] }),
        'bedrock-converse',
      )?.field,
    ).toBe('mcp_servers');
    const withDocument = fromAnthropic({
      messages: [
        {
          role: 'user',
          content: [{ type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'doc' } }],
        },
      ],
    });
    expect(findUntranslatableField(withDocument, 'bedrock-converse')?.reason).toMatch(
      /only in the Anthropic API/,
    );
  });

  it('refuses images by URL, in messages and in tool results', () => {
    const found = findUntranslatableField(
      fromOpenai({ messages: imageMessage('https://example.com/cat.png') }),
      'bedrock-converse',
    );
    expect(found).toEqual({ field: 'messages', reason: expect.stringMatching(/not by URL/) });
    const inToolResult = fromAnthropic({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }] },
        {
          role: 'user',
          content: [
            {
              type: 'tool_result',
              tool_use_id: 't1',
              content: [{ type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } }],
            },
          ],
        },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
    });
    expect(findUntranslatableField(inToolResult, 'bedrock-converse')?.reason).toMatch(/not by URL/);
  });

  it('refuses image formats Converse does not take', () => {
    const found = findUntranslatableField(
      fromOpenai({ messages: imageMessage('data:image/bmp;base64,Qk0=') }),
      'bedrock-converse',
    );
    expect(found).toEqual({ field: 'messages', reason: expect.stringContaining('image/bmp') });
  });

  it('refuses JSON mode without a schema, and schemas with an object that must stay open', () => {
    expect(
      findUntranslatableField(fromOpenai({ response_format: { type: 'json_object' } }), 'bedrock-converse')
        ?.field,
    ).toBe('response_format');
    for (const schema of [
      { type: 'object' },
      { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: true },
      { type: 'object', properties: {} },
      { type: 'object', properties: { meta: { type: 'object', additionalProperties: { type: 'string' } } } },
      { type: 'array', items: { type: 'object' } },
      { anyOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object' }] },
      { type: 'object', properties: { a: { $ref: '#/$defs/free' } }, $defs: { free: { type: 'object' } } },
    ]) {
      const request = fromOpenai({
        response_format: { type: 'json_schema', json_schema: { name: 's', schema } },
      });
      expect(findUntranslatableField(request, 'bedrock-converse')).toEqual({
        field: 'response_format',
        reason: expect.stringMatching(/additionalProperties: false/),
      });
    }
  });

  it('refuses a conversation with tool calls but no tools declared', () => {
    expect(findUntranslatableField(fromOpenai({ messages: TOOL_HISTORY }), 'bedrock-converse')).toEqual({
      field: 'tools',
      reason: expect.stringMatching(/tools declared/),
    });
    expect(
      findUntranslatableField(fromOpenai({ messages: TOOL_HISTORY, tool_choice: 'none' }), 'bedrock-converse')
        ?.field,
    ).toBe('tools');
    expect(
      findUntranslatableField(fromOpenai({ messages: TOOL_HISTORY, tools: TOOLS }), 'bedrock-converse'),
    ).toBeUndefined();
  });

  it('refuses tool choice none only when the conversation already has tool blocks', () => {
    expect(
      findUntranslatableField(fromOpenai({ tools: TOOLS, tool_choice: 'none' }), 'bedrock-converse'),
    ).toBeUndefined();
    expect(
      findUntranslatableField(
        fromOpenai({ tools: TOOLS, tool_choice: 'none', messages: TOOL_HISTORY }),
        'bedrock-converse',
      )?.field,
    ).toBe('tool_choice');
  });

  it("refuses one-tool-call-per-turn under the client's own field name", () => {
    expect(
      findUntranslatableField(fromOpenai({ tools: TOOLS, parallel_tool_calls: false }), 'bedrock-converse')
        ?.field,
    ).toBe('parallel_tool_calls');
    expect(
      findUntranslatableField(
        fromAnthropic({
          tools: [{ name: 'f', input_schema: { type: 'object' } }],
          tool_choice: { type: 'auto', disable_parallel_tool_use: true },
        }),
        'bedrock-converse',
      )?.field,
    ).toBe('tool_choice');
    // Without tools the limit means nothing.
    expect(
      findUntranslatableField(fromOpenai({ parallel_tool_calls: false }), 'bedrock-converse'),
    ).toBeUndefined();
  });
});
