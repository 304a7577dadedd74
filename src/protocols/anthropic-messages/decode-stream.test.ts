import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DetourError, type StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { createAnthropicStreamDecoder, isPlainAnthropicDelta } from './decode-stream.js';
import { JSON_MODE_TOOL_NAME } from './json-mode-tool.js';

/** 2025-06-15T12:00:00.750Z: `created` is the time the stream was read, in whole seconds. */
const NOW_MS = 1_749_988_800_750;
const NOW_SECONDS = 1_749_988_800;

function parseSse(text: string): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = createParser({
    onEvent: (event) => messages.push({ event: event.event, data: event.data }),
  });
  parser.feed(text);
  return messages;
}

function fixture(name: string): SseMessage[] {
  return parseSse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

function decodeAll(messages: SseMessage[]) {
  const decoder = createAnthropicStreamDecoder();
  const events: StreamEvent[] = [];
  for (const message of messages) events.push(...decoder.decode(message));
  return { events, done: decoder.done };
}

/** One SSE message as Anthropic sends it: the event name in `event:` and again as `type`. */
function sse(type: string, fields: Record<string, unknown> = {}): SseMessage {
  return { event: type, data: JSON.stringify({ type, ...fields }) };
}

function messageStart(usage: Record<string, unknown> = { input_tokens: 10, output_tokens: 1 }): SseMessage {
  return sse('message_start', {
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      usage,
    },
  });
}

function blockStart(index: number, block: Record<string, unknown>): SseMessage {
  return sse('content_block_start', { index, content_block: block });
}

function blockDelta(index: number, delta: Record<string, unknown>): SseMessage {
  return sse('content_block_delta', { index, delta });
}

function expectBadResponse(message: SseMessage, text: string): void {
  let caught: unknown;
  try {
    createAnthropicStreamDecoder().decode(message);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(DetourError);
  expect((caught as DetourError).toJSON()).toStrictEqual({
    code: 'upstream_bad_response',
    failureClass: 'bad_response',
    status: 502,
    message: text,
  });
}

describe('createAnthropicStreamDecoder', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW_MS });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('decodes a text stream into the exact event sequence and is done on message_stop', () => {
    expect(decodeAll(fixture('text-stream.sse'))).toStrictEqual({
      events: [
        {
          type: 'start',
          id: 'msg_01XfK7yN3bQ2mHc8vR5tLw9D',
          model: 'claude-sonnet-4-5-20250929',
          created: NOW_SECONDS,
        },
        {
          type: 'usage',
          usage: { inputTokens: 21, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
        },
        { type: 'text_delta', text: 'Hello' },
        { type: 'text_delta', text: '! How can I help?' },
        {
          type: 'usage',
          usage: { inputTokens: 21, outputTokens: 12, cacheReadTokens: 0, cacheWriteTokens: 0 },
        },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
      ],
      done: true,
    });
  });

  it('decodes text then a tool call with argument deltas, ending the call at its block stop', () => {
    expect(decodeAll(fixture('tool-use-stream.sse'))).toStrictEqual({
      events: [
        {
          type: 'start',
          id: 'msg_014p7gG3wDgGV9EUtLvnow3U',
          model: 'claude-sonnet-4-5-20250929',
          created: NOW_SECONDS,
        },
        { type: 'usage', usage: { inputTokens: 472, outputTokens: 2 } },
        { type: 'text_delta', text: 'Let me check the weather.' },
        { type: 'tool_call_start', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '{"location":' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: ' "San Francisco, CA"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'usage', usage: { inputTokens: 472, outputTokens: 89 } },
        { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
      ],
      done: true,
    });
  });

  it('decodes thinking deltas and the signature as reasoning, then the text', () => {
    expect(decodeAll(fixture('thinking-stream.sse')).events).toStrictEqual([
      {
        type: 'start',
        id: 'msg_01Fv8Qw2Zk5yTn3Hb7cJm4Rx',
        model: 'claude-sonnet-4-5-20250929',
        created: NOW_SECONDS,
      },
      { type: 'usage', usage: { inputTokens: 30, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0 } },
      { type: 'reasoning_delta', text: '27 * 453: 27 * 450 is 12150,' },
      { type: 'reasoning_delta', text: ' plus 81 makes 12231.' },
      {
        type: 'reasoning_delta',
        text: '',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
      },
      { type: 'text_delta', text: '27 × 453 = 12,231.' },
      {
        type: 'usage',
        usage: { inputTokens: 30, outputTokens: 96, cacheReadTokens: 0, cacheWriteTokens: 0 },
      },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
    ]);
  });

  it('turns an in-stream overloaded_error into an overloaded error event and is not done', () => {
    const { events, done } = decodeAll(fixture('overloaded-error-stream.sse'));
    expect(events.slice(2)).toStrictEqual([
      { type: 'text_delta', text: 'Once upon' },
      {
        type: 'error',
        error: {
          code: 'upstream_overloaded',
          failureClass: 'overloaded',
          status: 503,
          message: 'overloaded_error: Overloaded',
        },
      },
    ]);
    expect(done).toBe(false);
  });

  it('defaults a missing message id and model, and sends no usage without counts', () => {
    const decoder = createAnthropicStreamDecoder();
    const events = decoder.decode(sse('message_start', { message: { content: [] } }));
    expect(events).toStrictEqual([
      { type: 'start', id: expect.stringMatching(/^msg-[0-9a-f]{24}$/), model: '', created: NOW_SECONDS },
    ]);
    expect(createAnthropicStreamDecoder().decode(sse('message_start'))).toStrictEqual([
      { type: 'start', id: expect.stringMatching(/^msg-[0-9a-f]{24}$/), model: '', created: NOW_SECONDS },
    ]);
  });

  it('relays text that a text block starts with', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(decoder.decode(blockStart(0, { type: 'text', text: 'Already' }))).toStrictEqual([
      { type: 'text_delta', text: 'Already' },
    ]);
    expect(decoder.decode(blockStart(1, { type: 'text', text: '' }))).toStrictEqual([]);
    expect(decoder.decode(blockStart(2, { type: 'text' }))).toStrictEqual([]);
  });

  it('skips empty text and argument deltas', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(blockStart(0, { type: 'text', text: '' }));
    expect(decoder.decode(blockDelta(0, { type: 'text_delta', text: '' }))).toStrictEqual([]);
    expect(decoder.decode(blockDelta(0, { type: 'text_delta' }))).toStrictEqual([]);
    decoder.decode(blockStart(1, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }));
    expect(decoder.decode(blockDelta(1, { type: 'input_json_delta', partial_json: '' }))).toStrictEqual([]);
    expect(decoder.decode(blockDelta(1, { type: 'input_json_delta' }))).toStrictEqual([]);
  });

  it('relays a redacted thinking block whole at its start', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(decoder.decode(blockStart(0, { type: 'redacted_thinking', data: 'EmwKAhgB' }))).toStrictEqual([
      { type: 'reasoning_delta', text: '', redactedData: 'EmwKAhgB' },
    ]);
    expect(decoder.decode(blockStart(1, { type: 'redacted_thinking' }))).toStrictEqual([
      { type: 'reasoning_delta', text: '', redactedData: '' },
    ]);
    expect(decoder.decode(sse('content_block_stop', { index: 0 }))).toStrictEqual([]);
  });

  it('reads missing thinking and signature text as empty', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(blockStart(0, { type: 'thinking', thinking: '' }));
    expect(decoder.decode(blockDelta(0, { type: 'thinking_delta' }))).toStrictEqual([
      { type: 'reasoning_delta', text: '' },
    ]);
    expect(decoder.decode(blockDelta(0, { type: 'signature_delta' }))).toStrictEqual([
      { type: 'reasoning_delta', text: '', signature: '' },
    ]);
  });

  it('numbers parallel tool calls from 0 in order, apart from Anthropic block indexes', () => {
    const decoder = createAnthropicStreamDecoder();
    const events = [
      blockStart(0, { type: 'text', text: '' }),
      blockDelta(0, { type: 'text_delta', text: 'Both.' }),
      sse('content_block_stop', { index: 0 }),
      blockStart(1, { type: 'tool_use', id: 'toolu_a', name: 'get_weather', input: {} }),
      blockDelta(1, { type: 'input_json_delta', partial_json: '{"city":"Paris"}' }),
      sse('content_block_stop', { index: 1 }),
      blockStart(2, { type: 'tool_use', id: 'toolu_b', name: 'get_time', input: {} }),
      blockDelta(2, { type: 'input_json_delta', partial_json: '{"tz":"CET"}' }),
      sse('content_block_stop', { index: 2 }),
    ].flatMap((message) => decoder.decode(message));
    expect(events).toStrictEqual([
      { type: 'text_delta', text: 'Both.' },
      { type: 'tool_call_start', index: 0, id: 'toolu_a', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Paris"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'toolu_b', name: 'get_time' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"tz":"CET"}' },
      { type: 'tool_call_end', index: 1 },
    ]);
  });

  it('makes up an id for a tool call without one and reads a missing name as empty', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(decoder.decode(blockStart(0, { type: 'tool_use', input: {} }))).toStrictEqual([
      { type: 'tool_call_start', index: 0, id: expect.stringMatching(/^toolu-[0-9a-f]{24}$/), name: '' },
    ]);
  });

  it('ignores argument deltas for blocks that are not open tool calls', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(decoder.decode(blockDelta(5, { type: 'input_json_delta', partial_json: '{}' }))).toStrictEqual([]);
    decoder.decode(blockStart(0, { type: 'text', text: '' }));
    expect(decoder.decode(blockDelta(0, { type: 'input_json_delta', partial_json: '{}' }))).toStrictEqual([]);
    decoder.decode(blockStart(1, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }));
    decoder.decode(sse('content_block_stop', { index: 1 }));
    expect(decoder.decode(blockDelta(1, { type: 'input_json_delta', partial_json: '{}' }))).toStrictEqual([]);
  });

  it('drops server-tool blocks and unknown deltas such as citations', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(
      decoder.decode(
        blockStart(0, { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} }),
      ),
    ).toStrictEqual([]);
    expect(
      decoder.decode(blockDelta(0, { type: 'input_json_delta', partial_json: '{"query":"x"}' })),
    ).toStrictEqual([]);
    expect(decoder.decode(sse('content_block_stop', { index: 0 }))).toStrictEqual([]);
    expect(
      decoder.decode(
        blockDelta(1, { type: 'citations_delta', citation: { type: 'web_search_result_location' } }),
      ),
    ).toStrictEqual([]);
  });

  it("relays the JSON-mode tool's input as text and its tool_use stop as a normal stop", () => {
    const decoder = createAnthropicStreamDecoder();
    const events = [
      messageStart(),
      blockStart(0, { type: 'tool_use', id: 'toolu_1', name: JSON_MODE_TOOL_NAME, input: {} }),
      blockDelta(0, { type: 'input_json_delta', partial_json: '{"city":' }),
      blockDelta(0, { type: 'input_json_delta', partial_json: '"Paris"}' }),
      sse('content_block_stop', { index: 0 }),
      sse('message_delta', {
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: { output_tokens: 9 },
      }),
      sse('message_stop'),
    ].flatMap((message) => decoder.decode(message));
    expect(events.slice(2)).toStrictEqual([
      { type: 'text_delta', text: '{"city":' },
      { type: 'text_delta', text: '"Paris"}' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 9 } },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'tool_use' } },
    ]);
  });

  it('keeps a tool_use stop as tool_calls outside JSON mode', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(blockStart(0, { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} }));
    expect(decoder.decode(sse('message_delta', { delta: { stop_reason: 'tool_use' } }))).toStrictEqual([
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
    ]);
  });

  it('ends tool calls still open when the stop arrives, and only those', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(blockStart(0, { type: 'thinking', thinking: '' }));
    decoder.decode(blockStart(1, { type: 'tool_use', id: 'toolu_a', name: 'f', input: {} }));
    decoder.decode(blockStart(2, { type: 'tool_use', id: 'toolu_b', name: 'g', input: {} }));
    expect(decoder.decode(sse('message_delta', { delta: { stop_reason: 'max_tokens' } }))).toStrictEqual([
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' } },
    ]);
    expect(decoder.decode(sse('content_block_stop', { index: 1 }))).toStrictEqual([]);
  });

  it('reads the matched stop sequence', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(
      decoder.decode(sse('message_delta', { delta: { stop_reason: 'stop_sequence', stop_sequence: '###' } })),
    ).toStrictEqual([
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop_sequence' }, stopSequence: '###' },
    ]);
  });

  it('takes the final input and cache counts that newer API versions repeat in message_delta', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(messageStart({ input_tokens: 0, output_tokens: 1 }));
    expect(
      decoder.decode(
        sse('message_delta', {
          delta: { stop_reason: 'end_turn', stop_sequence: null },
          usage: {
            input_tokens: 12,
            cache_creation_input_tokens: 3,
            cache_read_input_tokens: 100,
            output_tokens: 40,
          },
        }),
      ),
    ).toStrictEqual([
      {
        type: 'usage',
        usage: { inputTokens: 115, outputTokens: 40, cacheReadTokens: 100, cacheWriteTokens: 3 },
      },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
    ]);
  });

  it('keeps the input counts of message_start when message_delta has only the output', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(messageStart({ input_tokens: 5, cache_read_input_tokens: 20, output_tokens: 1 }));
    expect(
      decoder.decode(sse('message_delta', { usage: { output_tokens: 30, cache_read_input_tokens: 999 } })),
    ).toStrictEqual([{ type: 'usage', usage: { inputTokens: 25, outputTokens: 30, cacheReadTokens: 20 } }]);
    expect(decoder.decode(sse('message_delta', { usage: {} }))).toStrictEqual([
      { type: 'usage', usage: { inputTokens: 25, outputTokens: 30, cacheReadTokens: 20 } },
    ]);
  });

  it('hands out usage copies that later events do not change', () => {
    const decoder = createAnthropicStreamDecoder();
    const [, first] = decoder.decode(messageStart({ input_tokens: 5, output_tokens: 1 }));
    const [second] = decoder.decode(sse('message_delta', { usage: { input_tokens: 6, output_tokens: 30 } }));
    decoder.decode(sse('message_delta', { usage: { input_tokens: 7, output_tokens: 31 } }));
    expect(first).toStrictEqual({ type: 'usage', usage: { inputTokens: 5, outputTokens: 1 } });
    expect(second).toStrictEqual({ type: 'usage', usage: { inputTokens: 6, outputTokens: 30 } });
  });

  it('sends neither usage nor finish for a message_delta without them', () => {
    expect(createAnthropicStreamDecoder().decode(sse('message_delta', { delta: {} }))).toStrictEqual([]);
  });

  it('reads the event type from the SSE event name when the data has none', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(
      decoder.decode({
        event: 'content_block_delta',
        data: '{"index":0,"delta":{"type":"text_delta","text":"a"}}',
      }),
    ).toStrictEqual([{ type: 'text_delta', text: 'a' }]);
    expect(decoder.decode({ event: 'message_stop', data: '{}' })).toStrictEqual([]);
    expect(decoder.done).toBe(true);
  });

  it('prefers the type in the data over the SSE event name', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(decoder.decode({ event: 'ping', data: '{"type":"message_stop"}' })).toStrictEqual([]);
    expect(decoder.done).toBe(true);
  });

  it('relays nothing for ping and unknown events, and ignores empty data', () => {
    const decoder = createAnthropicStreamDecoder();
    expect(decoder.decode(sse('ping'))).toStrictEqual([]);
    expect(decoder.decode(sse('message_annotation', { index: 0 }))).toStrictEqual([]);
    expect(decoder.decode({ event: 'ping', data: '' })).toStrictEqual([]);
    expect(decoder.decode({ data: '  \n' })).toStrictEqual([]);
    expect(decoder.done).toBe(false);
  });

  it('reads a missing block index as 0', () => {
    const decoder = createAnthropicStreamDecoder();
    decoder.decode(
      sse('content_block_start', { content_block: { type: 'tool_use', id: 'toolu_1', name: 'f' } }),
    );
    expect(
      decoder.decode(sse('content_block_delta', { delta: { type: 'input_json_delta', partial_json: '{}' } })),
    ).toStrictEqual([{ type: 'tool_call_delta', index: 0, argumentsDelta: '{}' }]);
    expect(decoder.decode(sse('content_block_stop'))).toStrictEqual([{ type: 'tool_call_end', index: 0 }]);
  });

  it('throws bad_response for data that is not JSON or not a JSON object', () => {
    expectBadResponse(
      { event: 'content_block_delta', data: '{"type":"content_block_delta",' },
      'upstream stream event is not JSON',
    );
    expectBadResponse(
      { event: 'message_start', data: '[1,2]' },
      'upstream stream event is not a JSON object',
    );
    expectBadResponse({ data: '"message_stop"' }, 'upstream stream event is not a JSON object');
  });
});

describe('isPlainAnthropicDelta', () => {
  it('is true only for content_block_delta events', () => {
    expect(isPlainAnthropicDelta(blockDelta(0, { type: 'text_delta', text: 'a' }))).toBe(true);
    expect(isPlainAnthropicDelta(sse('message_delta', { delta: { stop_reason: 'end_turn' } }))).toBe(false);
    expect(
      isPlainAnthropicDelta(sse('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })),
    ).toBe(false);
    expect(isPlainAnthropicDelta({ data: '{"type":"content_block_delta"}' })).toBe(false);
  });
});
