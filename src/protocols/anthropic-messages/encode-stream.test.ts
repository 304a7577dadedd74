import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { DetourError, type StreamEvent } from '../../core/index.js';
import { createAnthropicStreamDecoder } from './decode-stream.js';
import { createAnthropicStreamEncoder } from './encode-stream.js';

interface Sent {
  event: string | undefined;
  data: Record<string, unknown>;
}

function parse(text: string): Sent[] {
  const sent: Sent[] = [];
  const parser = createParser({
    onEvent: (event) => sent.push({ event: event.event, data: JSON.parse(event.data) }),
  });
  parser.feed(text);
  return sent;
}

/** The `data` of each event, after checking that every event's name is its data's `type`. */
function encodeAll(events: StreamEvent[], resume = false): Array<Record<string, unknown>> {
  const encoder = createAnthropicStreamEncoder({ includeUsage: false, resume });
  const sent = parse(events.map((event) => encoder.encode(event)).join('') + encoder.end());
  for (const { event, data } of sent) expect(event).toBe(data.type);
  return sent.map(({ data }) => data);
}

const ZERO_USAGE = {
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
};

function messageStart(id: unknown, model: string, usage = ZERO_USAGE) {
  return {
    type: 'message_start',
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    },
  };
}

function textDelta(index: number, text: string) {
  return { type: 'content_block_delta', index, delta: { type: 'text_delta', text } };
}

describe('createAnthropicStreamEncoder', () => {
  it('writes a text stream as Anthropic sends it, the stop and usage after the finish', () => {
    expect(
      encodeAll([
        { type: 'start', id: 'chatcmpl-1', model: 'gpt-4.1', created: 1_700_000_000 },
        { type: 'text_delta', text: 'Hel' },
        { type: 'text_delta', text: 'lo' },
        { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
        { type: 'usage', usage: { inputTokens: 1030, outputTokens: 2, cacheReadTokens: 1024 } },
      ]),
    ).toStrictEqual([
      messageStart('chatcmpl-1', 'gpt-4.1'),
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      textDelta(0, 'Hel'),
      textDelta(0, 'lo'),
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: {
          input_tokens: 6,
          output_tokens: 2,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 1024,
        },
      },
      { type: 'message_stop' },
    ]);
  });

  it('writes the usage known at the start into message_start', () => {
    const [first] = encodeAll([
      { type: 'usage', usage: { inputTokens: 50, outputTokens: 0, cacheWriteTokens: 40 } },
      { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
    ]);
    expect(first).toStrictEqual(
      messageStart('msg_1', 'claude', {
        input_tokens: 10,
        output_tokens: 0,
        cache_creation_input_tokens: 40,
        cache_read_input_tokens: 0,
      }),
    );
  });

  it('writes thinking with its signature, a redacted block, then text and tool calls in their own blocks', () => {
    expect(
      encodeAll([
        { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
        { type: 'reasoning_delta', text: 'Two cities.' },
        { type: 'reasoning_delta', text: '', signature: 'EqQBCkYI' },
        { type: 'reasoning_delta', text: '', redactedData: 'EmwKAhgB' },
        { type: 'text_delta', text: 'Checking.' },
        { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
        { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Oslo"}' },
        { type: 'tool_call_end', index: 0 },
        { type: 'tool_call_start', index: 1, id: 'call_b', name: 'weather' },
        { type: 'tool_call_delta', index: 1, argumentsDelta: '{"city":"Rome"}' },
        { type: 'tool_call_end', index: 1 },
        { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } },
      ]),
    ).toStrictEqual([
      messageStart('msg_1', 'claude'),
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two cities.' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'EqQBCkYI' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'redacted_thinking', data: 'EmwKAhgB' },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } },
      textDelta(2, 'Checking.'),
      { type: 'content_block_stop', index: 2 },
      {
        type: 'content_block_start',
        index: 3,
        content_block: { type: 'tool_use', id: 'call_a', name: 'weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 3,
        delta: { type: 'input_json_delta', partial_json: '{"city":"Oslo"}' },
      },
      { type: 'content_block_stop', index: 3 },
      {
        type: 'content_block_start',
        index: 4,
        content_block: { type: 'tool_use', id: 'call_b', name: 'weather', input: {} },
      },
      {
        type: 'content_block_delta',
        index: 4,
        delta: { type: 'input_json_delta', partial_json: '{"city":"Rome"}' },
      },
      { type: 'content_block_stop', index: 4 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: ZERO_USAGE },
      { type: 'message_stop' },
    ]);
  });

  it('opens a new text block when text follows a tool call, and a thinking block after text', () => {
    const types = encodeAll([
      { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
      { type: 'text_delta', text: 'a' },
      { type: 'reasoning_delta', text: 'b' },
      { type: 'reasoning_delta', text: 'c' },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool_call_end', index: 0 },
      { type: 'text_delta', text: 'd' },
    ])
      .slice(1, -2)
      .map((data) => `${data.type}:${data.index}`);
    expect(types).toStrictEqual([
      'content_block_start:0',
      'content_block_delta:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1',
      'content_block_delta:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_stop:2',
      'content_block_start:3',
      'content_block_delta:3',
      'content_block_stop:3',
    ]);
  });

  it('has one block open at a time: a tool call’s start stops the call before it, the finish the last', () => {
    expect(
      encodeAll([
        { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
        { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
        { type: 'tool_call_start', index: 1, id: 'call_b', name: 'g' },
        { type: 'finish', finishReason: { unified: 'length', raw: 'length' } },
      ]).slice(2),
    ).toStrictEqual([
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'call_b', name: 'g', input: {} },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: ZERO_USAGE },
      { type: 'message_stop' },
    ]);
  });

  it('stops each of an OpenAI host’s parallel tool calls before the next starts, though their ends come at the finish', () => {
    // The order the OpenAI decoder gives: every call's end after the last call's arguments.
    const events = encodeAll([
      { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool_call_start', index: 1, id: 'call_b', name: 'g' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"b":2}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_end', index: 1 },
      { type: 'text_delta', text: 'done' },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } },
    ]);
    expect(
      events.map((data) => `${data.type}${data.index === undefined ? '' : `:${data.index}`}`),
    ).toStrictEqual([
      'message_start',
      'content_block_start:0',
      'content_block_delta:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_delta:2',
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ]);
  });

  it('sends a late argument delta of a stopped call to that call’s block rather than dropping it', () => {
    const encoder = createAnthropicStreamEncoder({ includeUsage: false });
    encoder.encode({ type: 'start', id: 'msg_1', model: 'claude', created: 1 });
    encoder.encode({ type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' });
    encoder.encode({ type: 'tool_call_start', index: 1, id: 'call_b', name: 'g' });
    expect(parse(encoder.encode({ type: 'tool_call_delta', index: 0, argumentsDelta: '{}' }))).toStrictEqual([
      {
        event: 'content_block_delta',
        data: {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'input_json_delta', partial_json: '{}' },
        },
      },
    ]);
    expect(encoder.encode({ type: 'tool_call_end', index: 0 })).toBe('');
  });

  it('closes the open blocks when the finish arrives and leaves the stop for the end', () => {
    const encoder = createAnthropicStreamEncoder({ includeUsage: false });
    encoder.encode({ type: 'start', id: 'msg_1', model: 'claude', created: 1 });
    encoder.encode({ type: 'text_delta', text: 'a' });
    encoder.encode({ type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' });
    expect(
      parse(encoder.encode({ type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } })),
    ).toStrictEqual([{ event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } }]);
    encoder.encode({ type: 'usage', usage: { inputTokens: 7, outputTokens: 3 } });
    expect(parse(encoder.end()).map(({ data }) => data)).toStrictEqual([
      {
        type: 'message_delta',
        delta: { stop_reason: 'tool_use', stop_sequence: null },
        usage: {
          input_tokens: 7,
          output_tokens: 3,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
      { type: 'message_stop' },
    ]);
  });

  it('writes nothing for empty text, empty argument deltas and events of unknown tool calls', () => {
    const encoder = createAnthropicStreamEncoder({ includeUsage: false });
    encoder.encode({ type: 'start', id: 'msg_1', model: 'claude', created: 1 });
    expect(encoder.encode({ type: 'text_delta', text: '' })).toBe('');
    expect(encoder.encode({ type: 'tool_call_delta', index: 3, argumentsDelta: '{}' })).toBe('');
    expect(encoder.encode({ type: 'tool_call_end', index: 3 })).toBe('');
    encoder.encode({ type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' });
    expect(encoder.encode({ type: 'tool_call_delta', index: 0, argumentsDelta: '' })).toBe('');
    expect(encoder.encode({ type: 'usage', usage: { inputTokens: 1, outputTokens: 1 } })).toBe('');
    expect(encoder.encode({ type: 'tool_call_end', index: 0 })).not.toBe('');
    expect(encoder.encode({ type: 'tool_call_end', index: 0 })).toBe('');
  });

  it('writes a thinking block with only a signature as no thinking delta', () => {
    expect(
      encodeAll([
        { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
        { type: 'reasoning_delta', text: '', signature: 'sig' },
      ]).slice(1, 4),
    ).toStrictEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } },
      { type: 'content_block_stop', index: 0 },
    ]);
  });

  it('writes the matched stop sequence in message_delta', () => {
    const sent = encodeAll([
      { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, stopSequence: '###' },
    ]);
    expect(sent.at(-2)).toStrictEqual({
      type: 'message_delta',
      delta: { stop_reason: 'stop_sequence', stop_sequence: '###' },
      usage: ZERO_USAGE,
    });
  });

  it('starts the message with a made-up id when the first event is content, and ends it normally without a finish', () => {
    const sent = encodeAll([{ type: 'text_delta', text: 'hi' }]);
    expect(sent[0]).toStrictEqual(messageStart(expect.stringMatching(/^msg-[0-9a-f]{24}$/), ''));
    expect(sent.slice(1)).toStrictEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      textDelta(0, 'hi'),
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: ZERO_USAGE },
      { type: 'message_stop' },
    ]);
  });

  it('writes message_start once, however many events would open it', () => {
    const sent = encodeAll([
      { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
      { type: 'start', id: 'msg_2', model: 'other', created: 2 },
      { type: 'reasoning_delta', text: 'x' },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
    ]);
    expect(sent.filter((data) => data.type === 'message_start')).toStrictEqual([
      messageStart('msg_1', 'claude'),
    ]);
  });

  it('writes an in-stream error as an `event: error` and nothing else', () => {
    const encoder = createAnthropicStreamEncoder({ includeUsage: false });
    expect(encoder.encode({ type: 'start', id: 'msg_1', model: 'claude', created: 1 })).not.toBe('');
    expect(
      encoder.encode({
        type: 'error',
        error: new DetourError('upstream_overloaded', 'overloaded', 'Overloaded').toJSON(),
      }),
    ).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n',
    );
  });

  it('continues a resumed answer in the open text block 0 without opening events', () => {
    expect(
      encodeAll(
        [
          { type: 'start', id: 'msg_2', model: 'claude-fallback', created: 2 },
          { type: 'text_delta', text: ' more' },
          { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
          { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
        ],
        true,
      ),
    ).toStrictEqual([
      textDelta(0, ' more'),
      { type: 'content_block_stop', index: 0 },
      {
        type: 'content_block_start',
        index: 1,
        content_block: { type: 'tool_use', id: 'call_a', name: 'f', input: {} },
      },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: ZERO_USAGE },
      { type: 'message_stop' },
    ]);
  });

  it('is read back by the stream decoder as the events it was given', () => {
    const events: StreamEvent[] = [
      { type: 'start', id: 'msg_1', model: 'claude', created: 1 },
      { type: 'reasoning_delta', text: 'Think.' },
      { type: 'reasoning_delta', text: '', signature: 'sig' },
      { type: 'text_delta', text: 'Answer.' },
      { type: 'tool_call_start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"a":1}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
    ];
    const encoder = createAnthropicStreamEncoder({ includeUsage: false });
    const text = events.map((event) => encoder.encode(event)).join('') + encoder.end();
    const decoder = createAnthropicStreamDecoder();
    const decoded: StreamEvent[] = [];
    createParser({
      onEvent: (event) => decoded.push(...decoder.decode({ event: event.event, data: event.data })),
    }).feed(text);
    expect(decoded.map((event) => (event.type === 'start' ? { ...event, created: 1 } : event))).toStrictEqual(
      [
        events[0],
        {
          type: 'usage',
          usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        },
        ...events.slice(1, -1),
        {
          type: 'usage',
          usage: { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 },
        },
        events.at(-1),
      ],
    );
    expect(decoder.done).toBe(true);
  });
});
