import { describe, expect, it } from 'vitest';
import type { ChatResponse } from '../../core/index.js';
import { decodeAnthropicResponse } from './decode-response.js';
import { encodeAnthropicResponse } from './encode-response.js';

function response(fields: Partial<ChatResponse>): ChatResponse {
  return {
    id: 'msg_01',
    model: 'claude-sonnet-4-5',
    created: 1_750_000_000,
    content: [],
    finishReason: { unified: 'stop', raw: 'end_turn' },
    usage: { inputTokens: 10, outputTokens: 5 },
    ...fields,
  };
}

describe('encodeAnthropicResponse', () => {
  it('writes a message with text, a tool call, the tool_use stop and usage', () => {
    expect(
      encodeAnthropicResponse(
        response({
          id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
          model: 'gpt-4.1',
          content: [
            { type: 'text', text: 'Checking.' },
            { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}' },
          ],
          finishReason: { unified: 'tool_calls', raw: 'tool_calls' },
          usage: { inputTokens: 1117, outputTokens: 46, cacheReadTokens: 1024 },
        }),
      ),
    ).toStrictEqual({
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'gpt-4.1',
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 93,
        output_tokens: 46,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
      },
    });
  });

  it('leaves out empty text parts', () => {
    expect(
      encodeAnthropicResponse(
        response({
          content: [
            { type: 'text', text: '' },
            { type: 'text', text: 'Hi.' },
          ],
        }),
      ).content,
    ).toStrictEqual([{ type: 'text', text: 'Hi.' }]);
  });

  it('writes signed, unsigned and redacted reasoning as thinking blocks', () => {
    expect(
      encodeAnthropicResponse(
        response({
          content: [
            { type: 'reasoning', text: 'Signed.', signature: 'EqQBCkYIBxgCKkD' },
            { type: 'reasoning', text: 'Unsigned.' },
            { type: 'reasoning', text: '', redactedData: 'EmwKAhgB' },
          ],
        }),
      ).content,
    ).toStrictEqual([
      { type: 'thinking', thinking: 'Signed.', signature: 'EqQBCkYIBxgCKkD' },
      { type: 'thinking', thinking: 'Unsigned.', signature: '' },
      { type: 'redacted_thinking', data: 'EmwKAhgB' },
    ]);
  });

  it('keeps redacted reasoning redacted even when its data is empty', () => {
    expect(
      encodeAnthropicResponse(response({ content: [{ type: 'reasoning', text: '', redactedData: '' }] }))
        .content,
    ).toStrictEqual([{ type: 'redacted_thinking', data: '' }]);
  });

  it('writes tool arguments that are empty as {} and ones that are not an object under `arguments`', () => {
    expect(
      encodeAnthropicResponse(
        response({
          content: [
            { type: 'tool_call', id: 'call_1', name: 'now', arguments: '' },
            { type: 'tool_call', id: 'call_2', name: 'echo', arguments: '{"text": "unterminated' },
          ],
        }),
      ).content,
    ).toStrictEqual([
      { type: 'tool_use', id: 'call_1', name: 'now', input: {} },
      { type: 'tool_use', id: 'call_2', name: 'echo', input: { arguments: '{"text": "unterminated' } },
    ]);
  });

  it('writes the matched stop sequence and its stop reason', () => {
    const encoded = encodeAnthropicResponse(
      response({ finishReason: { unified: 'stop', raw: 'stop' }, stopSequence: '\n\nHuman:' }),
    );
    expect(encoded.stop_reason).toBe('stop_sequence');
    expect(encoded.stop_sequence).toBe('\n\nHuman:');
  });

  it('writes max_tokens, refusal and pause_turn stops', () => {
    expect(
      encodeAnthropicResponse(response({ finishReason: { unified: 'length', raw: 'length' } })).stop_reason,
    ).toBe('max_tokens');
    expect(
      encodeAnthropicResponse(response({ finishReason: { unified: 'content_filter', raw: 'SAFETY' } }))
        .stop_reason,
    ).toBe('refusal');
    expect(
      encodeAnthropicResponse(response({ finishReason: { unified: 'other', raw: 'pause_turn' } }))
        .stop_reason,
    ).toBe('pause_turn');
  });

  it('makes up a message id when the upstream gave none', () => {
    const encoded = encodeAnthropicResponse(response({ id: '' }));
    expect(encoded.id).toMatch(/^msg-[0-9a-f]{24}$/);
    expect(encodeAnthropicResponse(response({ id: '' })).id).not.toBe(encoded.id);
  });

  it('round-trips through decodeAnthropicResponse', () => {
    const original = response({
      content: [
        { type: 'reasoning', text: 'Think.', signature: 'sig' },
        { type: 'reasoning', text: '', redactedData: 'data' },
        { type: 'text', text: 'Answer.' },
        { type: 'tool_call', id: 'toolu_1', name: 'f', arguments: '{"a":[1,2]}' },
      ],
      finishReason: { unified: 'tool_calls', raw: 'tool_use' },
      usage: { inputTokens: 30, outputTokens: 9, cacheReadTokens: 20, cacheWriteTokens: 4 },
    });
    const decoded = decodeAnthropicResponse(encodeAnthropicResponse(original));
    expect({ ...decoded, created: original.created }).toStrictEqual(original);
  });
});
