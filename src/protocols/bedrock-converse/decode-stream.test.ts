import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DetourError, type FailureClass, type StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { createConverseStreamDecoder, isPlainConverseDelta } from './decode-stream.js';

/** A fixture line is one decoded event-stream frame: its `:event-type` and its JSON payload. */
function fixture(name: string): SseMessage[] {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const frame = JSON.parse(line) as { event: string; data: unknown };
      return { event: frame.event, data: JSON.stringify(frame.data) };
    });
}

function decodeAll(messages: SseMessage[]) {
  const decoder = createConverseStreamDecoder();
  const events: StreamEvent[] = [];
  for (const message of messages) events.push(...decoder.decode(message));
  return { events, done: decoder.done };
}

function frame(event: string, data: Record<string, unknown>): SseMessage {
  return { event, data: JSON.stringify(data) };
}

const TEXT_STREAM: SseMessage[] = [
  frame('messageStart', { role: 'assistant' }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' } }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' there' } }),
  frame('contentBlockStop', { contentBlockIndex: 0 }),
];

describe('createConverseStreamDecoder', () => {
  it('decodes reasoning, text and a tool call split across deltas, then the stop and the usage', () => {
    const { events, done } = decodeAll(fixture('stream-reasoning-text-tool.jsonl'));
    expect(events).toEqual([
      { type: 'start', id: expect.stringMatching(/^msg-/), model: '', created: expect.any(Number) },
      { type: 'reasoning_delta', text: 'The user wants the weather' },
      { type: 'reasoning_delta', text: ' in Paris; I should call get_weather.' },
      { type: 'reasoning_delta', text: '', signature: 'EqoBCkgIARABGAIiQL8vZ3n1Qw2x' },
      { type: 'text_delta', text: 'Let me check' },
      { type: 'text_delta', text: ' the weather for you.' },
      { type: 'tool_call_start', index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city": "Pa' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: 'ris", "unit"' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: ': "celsius"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
      {
        type: 'usage',
        usage: { inputTokens: 412 + 1024, outputTokens: 87, cacheReadTokens: 1024, cacheWriteTokens: 0 },
      },
    ]);
    expect(done).toBe(true);
  });

  it('numbers parallel tool calls in the order they start and ends open ones at the stop', () => {
    const { events } = decodeAll([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'a', name: 'f' } } }),
      frame('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'b', name: 'g' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"y":2}' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"x":1}' } } }),
      frame('contentBlockStop', { contentBlockIndex: 2 }),
      frame('messageStop', { stopReason: 'tool_use' }),
    ]);
    expect(events.slice(1)).toEqual([
      { type: 'tool_call_start', index: 0, id: 'a', name: 'f' },
      { type: 'tool_call_start', index: 1, id: 'b', name: 'g' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"y":2}' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"x":1}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' } },
    ]);
  });

  it('relays redacted reasoning whole', () => {
    const { events } = decodeAll([
      frame('contentBlockDelta', {
        contentBlockIndex: 0,
        delta: { reasoningContent: { redactedContent: 'ZW5j' } },
      }),
    ]);
    expect(events.slice(1)).toEqual([{ type: 'reasoning_delta', text: '', redactedData: 'ZW5j' }]);
  });

  it('passes over deltas that carry nothing', () => {
    const { events } = decodeAll([
      frame('messageStart', { role: 'assistant' }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: '' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: {} } }),
      frame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: '' } }),
      frame('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{}' } } }),
      frame('contentBlockDelta', { contentBlockIndex: 3, delta: { citation: { title: 'x' } } }),
    ]);
    // The tool-use delta has no tool-use start before it: there is no call to add it to.
    expect(events.map((event) => event.type)).toEqual(['start']);
  });

  it('finishes at messageStop but is done only after the metadata', () => {
    const decoder = createConverseStreamDecoder();
    for (const message of TEXT_STREAM) decoder.decode(message);
    expect(decoder.decode(frame('messageStop', { stopReason: 'max_tokens' }))).toEqual([
      { type: 'finish', finishReason: { unified: 'length', raw: 'max_tokens' } },
    ]);
    expect(decoder.done).toBe(false);
    decoder.decode(frame('metadata', { usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } }));
    expect(decoder.done).toBe(true);
  });

  it('is neither done nor finished when the stream ends before messageStop', () => {
    const { events, done } = decodeAll(TEXT_STREAM);
    expect(done).toBe(false);
    expect(events.map((event) => event.type)).toEqual(['start', 'text_delta', 'text_delta']);
  });

  it('is not done on metadata that no messageStop came before', () => {
    const { events, done } = decodeAll([
      ...TEXT_STREAM,
      frame('metadata', { usage: { inputTokens: 3, outputTokens: 2, totalTokens: 5 } }),
    ]);
    expect(done).toBe(false);
    expect(events.some((event) => event.type === 'finish')).toBe(false);
  });

  const EXCEPTIONS: Array<[string, FailureClass, string]> = [
    ['throttlingException', 'rate_limited', 'upstream_rate_limited'],
    ['serviceUnavailableException', 'server_error', 'upstream_server_error'],
    ['modelStreamErrorException', 'server_error', 'upstream_server_error'],
    ['modelTimeoutException', 'timeout', 'upstream_timeout'],
    ['internalServerException', 'server_error', 'upstream_server_error'],
    ['validationException', 'client_error', 'upstream_invalid_request'],
    ['accessDeniedException', 'auth', 'upstream_auth_failed'],
    ['modelNotReadyException', 'overloaded', 'upstream_overloaded'],
    ['someFutureException', 'server_error', 'upstream_server_error'],
  ];
  for (const [exceptionType, failureClass, code] of EXCEPTIONS) {
    it(`turns a ${exceptionType} frame into a ${failureClass} error event and is not done`, () => {
      const { events, done } = decodeAll([
        ...TEXT_STREAM,
        { event: `exception:${exceptionType}`, data: '{"message":"Something went wrong."}' },
      ]);
      expect(events.at(-1)).toEqual({
        type: 'error',
        error: {
          code,
          failureClass,
          status: expect.any(Number),
          message: `${exceptionType}: Something went wrong.`,
        },
      });
      expect(done).toBe(false);
    });
  }

  it("keeps the model's own status and message of a modelStreamErrorException", () => {
    const { events } = decodeAll([
      {
        event: 'exception:modelStreamErrorException',
        data: JSON.stringify({
          message: 'Model stream error.',
          originalStatusCode: 429,
          originalMessage: 'Too many tokens',
        }),
      },
    ]);
    const error = events[0]?.type === 'error' ? DetourError.fromShape(events[0].error) : undefined;
    expect(error?.status).toBe(502);
    expect(error?.message).toBe(
      "modelStreamErrorException: Model stream error. (the model's own error: 429 Too many tokens)",
    );
  });

  it('takes an exception payload that is not JSON as its message', () => {
    const { events } = decodeAll([{ event: 'exception:throttlingException', data: 'Rate exceeded' }]);
    expect(events).toEqual([
      {
        type: 'error',
        error: expect.objectContaining({
          failureClass: 'rate_limited',
          message: 'throttlingException: Rate exceeded',
        }),
      },
    ]);
  });

  it('throws bad_response for an event payload that is not JSON', () => {
    const decoder = createConverseStreamDecoder();
    expect(() => decoder.decode({ event: 'contentBlockDelta', data: '{"contentBlockIndex":0,' })).toThrow(
      expect.objectContaining({ failureClass: 'bad_response' }),
    );
  });

  it('ignores event types it does not know', () => {
    expect(decodeAll([frame('somethingNew', { x: 1 })]).events).toEqual([]);
  });

  it("adds whichever of the model's own status and message is there, and nothing without either", () => {
    const message = (payload: Record<string, unknown>) => {
      const [event] = createConverseStreamDecoder().decode({
        event: 'exception:modelStreamErrorException',
        data: JSON.stringify(payload),
      });
      return event?.type === 'error' ? event.error.message : undefined;
    };
    expect(message({ message: 'Model stream error.', originalStatusCode: 424 })).toBe(
      "modelStreamErrorException: Model stream error. (the model's own error: 424)",
    );
    expect(message({ message: 'Model stream error.', originalMessage: 'Overloaded' })).toBe(
      "modelStreamErrorException: Model stream error. (the model's own error: Overloaded)",
    );
    expect(message({ message: 'Model stream error.' })).toBe(
      'modelStreamErrorException: Model stream error.',
    );
  });

  it('names the failure itself when the exception frame has no message and no type', () => {
    for (const data of ['', '{}']) {
      const events = createConverseStreamDecoder().decode({ event: 'exception:', data });
      expect(events).toStrictEqual([
        {
          type: 'error',
          error: {
            code: 'upstream_server_error',
            message: 'exception: upstream reported an error inside the stream',
            status: 502,
            failureClass: 'server_error',
          },
        },
      ]);
    }
  });

  it('keeps the parse failure as the cause and says which way an event payload is wrong', () => {
    const decoder = createConverseStreamDecoder();
    let caught: unknown;
    try {
      decoder.decode({ event: 'contentBlockDelta', data: '{"contentBlockIndex":0,' });
    } catch (error) {
      caught = error;
    }
    expect((caught as DetourError).message).toBe('upstream stream event is not JSON');
    expect((caught as DetourError).cause).toBeInstanceOf(SyntaxError);
    expect(() => decoder.decode({ event: 'contentBlockDelta', data: '[1]' })).toThrow(
      'upstream stream event is not a JSON object',
    );
  });

  it('ignores an event with blank data', () => {
    expect(createConverseStreamDecoder().decode({ event: 'messageStart', data: ' \n' })).toStrictEqual([]);
  });

  it('fills a tool use start without id or name, skips input deltas without input, and reads no stop reason as end_turn', () => {
    const { events } = decodeAll([
      frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: {} } }),
      frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: {} } }),
      frame('contentBlockStop', { contentBlockIndex: 0 }),
      frame('messageStop', {}),
    ]);
    expect(events).toStrictEqual([
      { type: 'start', id: expect.stringMatching(/^msg-/), model: '', created: expect.any(Number) },
      { type: 'tool_call_start', index: 0, id: expect.stringMatching(/^tooluse-[0-9a-f]+$/), name: '' },
      { type: 'tool_call_end', index: 0 },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
    ]);
  });
});

describe('isPlainConverseDelta', () => {
  it('is true for content deltas only', () => {
    expect(
      isPlainConverseDelta(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } })),
    ).toBe(true);
    for (const event of [
      'messageStart',
      'contentBlockStart',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]) {
      expect(isPlainConverseDelta(frame(event, {}))).toBe(false);
    }
    expect(isPlainConverseDelta({ event: 'exception:throttlingException', data: '{}' })).toBe(false);
  });
});
