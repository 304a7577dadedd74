import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { DetourError, type StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { createGeminiStreamDecoder, isPlainGeminiDelta } from './decode-stream.js';

function parseSse(text: string): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = createParser({ onEvent: (event) => messages.push({ data: event.data }) });
  parser.feed(text);
  return messages;
}

function fixture(name: string): SseMessage[] {
  return parseSse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

function decodeAll(messages: SseMessage[]) {
  const decoder = createGeminiStreamDecoder();
  const events: StreamEvent[] = [];
  const doneAfter: boolean[] = [];
  for (const message of messages) {
    events.push(...decoder.decode(message));
    doneAfter.push(decoder.done);
  }
  return { events, done: decoder.done, doneAfter };
}

/** The events without `start`, whose `created` is the time the stream was read. */
function withoutStart(events: StreamEvent[]): StreamEvent[] {
  return events.filter((event) => event.type !== 'start');
}

function chunk(fields: Record<string, unknown>): SseMessage {
  return { data: JSON.stringify({ modelVersion: 'gemini-2.5-flash', responseId: 'r1', ...fields }) };
}

describe('createGeminiStreamDecoder', () => {
  it('decodes thoughts, a signed text part and the final usage, and is done on the finishing chunk only', () => {
    const { events, done, doneAfter } = decodeAll(fixture('thinking-text-stream.sse'));
    expect(events[0]).toMatchObject({
      type: 'start',
      id: 'Xq9RaJ2fL8ann8UP3Y6x8AQ',
      model: 'gemini-2.5-flash',
    });
    expect(withoutStart(events)).toEqual([
      { type: 'reasoning_delta', text: '**Adding the numbers**\n\nThe user asks for 2 + 2.' },
      { type: 'usage', usage: { inputTokens: 12, outputTokens: 0 } },
      { type: 'reasoning_delta', text: ' It is simple arithmetic.' },
      {
        type: 'reasoning_delta',
        text: '',
        signature: 'gemini-thought:CiQBcsjafBXQkx2p1Yqf3lLhZl6Yq0zY0fZ0B2k6cS5x1vRk9wc=',
      },
      { type: 'text_delta', text: '2 + 2 = ' },
      { type: 'text_delta', text: '4.' },
      {
        type: 'usage',
        usage: { inputTokens: 12, outputTokens: 50, cacheReadTokens: 4, reasoningTokens: 44 },
      },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' } },
    ]);
    expect(doneAfter).toEqual([false, false, false, true]);
    expect(done).toBe(true);
  });

  it('decodes calls that arrive in separate chunks as whole calls with distinct stable ids, ending with tool_calls', () => {
    const { events, done } = decodeAll(fixture('parallel-function-calls-stream.sse'));
    expect(withoutStart(events)).toEqual([
      { type: 'text_delta', text: "I'll check both cities." },
      { type: 'usage', usage: { inputTokens: 61, outputTokens: 0 } },
      {
        type: 'reasoning_delta',
        text: '',
        signature: 'gemini-thought:EpYCCpMCAcu98PDq3bQ0pZmPq5nW7kD2Yc1vS9tN4xJ8rA==',
      },
      { type: 'tool_call_start', index: 0, id: 'call_k2tSaOjHBsWmvdIPm9-HsQk_0', name: 'get_weather' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":"Paris","unit":"celsius"}' },
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_start', index: 1, id: 'call_k2tSaOjHBsWmvdIPm9-HsQk_1', name: 'get_weather' },
      { type: 'tool_call_delta', index: 1, argumentsDelta: '{"city":"Oslo","unit":"celsius"}' },
      { type: 'tool_call_end', index: 1 },
      { type: 'usage', usage: { inputTokens: 61, outputTokens: 160, reasoningTokens: 122 } },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'STOP' } },
    ]);
    expect(done).toBe(true);
  });

  it('names calls the same when the same stream is decoded again', () => {
    const ids = () =>
      decodeAll(fixture('parallel-function-calls-stream.sse'))
        .events.filter((event) => event.type === 'tool_call_start')
        .map((event) => (event.type === 'tool_call_start' ? event.id : ''));
    expect(ids()).toEqual(ids());
  });

  it("keeps a call's own id when Gemini gives one", () => {
    const events = createGeminiStreamDecoder().decode(
      chunk({
        candidates: [
          { content: { role: 'model', parts: [{ functionCall: { id: 'fc-7', name: 'f', args: {} } }] } },
        ],
      }),
    );
    expect(events).toContainEqual({ type: 'tool_call_start', index: 0, id: 'fc-7', name: 'f' });
  });

  it('ends a blocked prompt with content_filter at once', () => {
    const { events, done } = decodeAll(fixture('blocked-prompt-stream.sse'));
    expect(withoutStart(events)).toEqual([
      { type: 'usage', usage: { inputTokens: 7, outputTokens: 0 } },
      { type: 'finish', finishReason: { unified: 'content_filter', raw: 'PROHIBITED_CONTENT' } },
    ]);
    expect(done).toBe(true);
  });

  it.each([
    ['SAFETY', 'content_filter'],
    ['RECITATION', 'content_filter'],
    ['MAX_TOKENS', 'length'],
    ['MALFORMED_FUNCTION_CALL', 'error'],
    ['OTHER', 'other'],
  ])('finishes with %s as %s, after the usage of the same chunk', (raw, unified) => {
    const decoder = createGeminiStreamDecoder();
    const events = decoder.decode(
      chunk({
        candidates: [{ content: { role: 'model', parts: [{ text: 'x' }] }, finishReason: raw }],
        usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1, totalTokenCount: 4 },
      }),
    );
    expect(withoutStart(events)).toEqual([
      { type: 'text_delta', text: 'x' },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } },
      { type: 'finish', finishReason: { unified, raw } },
    ]);
    expect(decoder.done).toBe(true);
  });

  it('turns an error chunk after content into an overloaded error event and is not done', () => {
    const { events, done } = decodeAll(fixture('error-after-text-stream.sse'));
    expect(events.map((event) => event.type)).toEqual(['start', 'text_delta', 'usage', 'error']);
    expect(events[3]).toEqual({
      type: 'error',
      error: {
        code: 'upstream_overloaded',
        failureClass: 'overloaded',
        status: 503,
        message: 'UNAVAILABLE: The model is overloaded. Please try again later.',
      },
    });
    expect(done).toBe(false);
  });

  it('is never done for a stream that ends without a finish reason', () => {
    const { events, done, doneAfter } = decodeAll(fixture('unfinished-stream.sse'));
    expect(events.some((event) => event.type === 'finish')).toBe(false);
    expect(doneAfter).toEqual([false, false]);
    expect(done).toBe(false);
  });

  it('starts once, with the response id and model of the first chunk', () => {
    const decoder = createGeminiStreamDecoder();
    const first = decoder.decode(chunk({ candidates: [{ content: { parts: [{ text: 'a' }] } }] }));
    const second = decoder.decode(chunk({ candidates: [{ content: { parts: [{ text: 'b' }] } }] }));
    expect(first[0]).toMatchObject({ type: 'start', id: 'r1', model: 'gemini-2.5-flash' });
    expect(second.some((event) => event.type === 'start')).toBe(false);
  });

  it("reads Vertex's createTime as the start time", () => {
    const [start] = createGeminiStreamDecoder().decode(
      chunk({ createTime: '2025-06-18T09:12:44.103472Z', candidates: [{ content: { parts: [] } }] }),
    );
    expect(start).toMatchObject({ type: 'start', created: 1750237964 });
  });

  it('throws bad_response for a chunk that is not JSON or not an object, and ignores an empty one', () => {
    const decoder = createGeminiStreamDecoder();
    expect(decoder.decode({ data: '' })).toEqual([]);
    for (const data of ['{"candidates":', '[1]']) {
      let caught: unknown;
      try {
        decoder.decode({ data });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DetourError);
      expect((caught as DetourError).failureClass).toBe('bad_response');
    }
  });

  it('starts with empty id and model when the chunk has neither', () => {
    const [start] = createGeminiStreamDecoder().decode({
      data: JSON.stringify({ candidates: [{ content: { parts: [] } }] }),
    });
    expect(start).toStrictEqual({ type: 'start', id: '', model: '', created: expect.any(Number) });
  });
});

describe('isPlainGeminiDelta', () => {
  it('never judges a chunk plain', () => {
    expect(isPlainGeminiDelta({ data: '{"candidates":[{"content":{"parts":[{"text":"a"}]}}]}' })).toBe(false);
  });
});
