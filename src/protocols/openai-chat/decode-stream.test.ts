import { readFileSync } from 'node:fs';
import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { DetourError, type StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { createOpenaiStreamDecoder, isPlainOpenaiDelta } from './decode-stream.js';

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
  const decoder = createOpenaiStreamDecoder();
  const events: StreamEvent[] = [];
  for (const message of messages) events.push(...decoder.decode(message));
  return { events, done: decoder.done };
}

function chunk(fields: Record<string, unknown>): SseMessage {
  return {
    data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', ...fields }),
  };
}

describe('createOpenaiStreamDecoder', () => {
  it('decodes a text stream with a usage chunk into the exact event sequence', () => {
    const { events, done } = decodeAll(fixture('text-stream-with-usage.sse'));
    expect(events).toEqual([
      {
        type: 'start',
        id: 'chatcmpl-BHdQJ1yb6JmLvTqTn8Dx0aZkVR6cE',
        model: 'gpt-4.1-mini-2025-04-14',
        created: 1743856951,
      },
      { type: 'text_delta', text: 'Hello' },
      { type: 'text_delta', text: '!' },
      { type: 'text_delta', text: ' How' },
      { type: 'text_delta', text: ' can' },
      { type: 'text_delta', text: ' I' },
      { type: 'text_delta', text: ' help' },
      { type: 'text_delta', text: '?' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
      { type: 'usage', usage: { inputTokens: 19, outputTokens: 8, cacheReadTokens: 0, reasoningTokens: 0 } },
    ]);
    expect(done).toBe(true);
  });

  it('decodes parallel tool calls by index, with argument deltas and ends before the finish', () => {
    const { events, done } = decodeAll(fixture('parallel-tool-calls.sse'));
    const call0 = ['{"lo', 'cation', '": "Pa', 'ris, F', 'rance"}'];
    const call1 = ['{"lo', 'cation', '": "Bog', 'otá, C', 'olombia"}'];
    expect(events).toEqual([
      {
        type: 'start',
        id: 'chatcmpl-BHdRa2Ck7XWb9pN4vQeLz3mFtUs8Y',
        model: 'gpt-4.1-2025-04-14',
        created: 1743857030,
      },
      { type: 'tool_call_start', index: 0, id: 'call_Qx4Fm8oZ2pLk3VcJ9rT1sEaB', name: 'get_weather' },
      ...call0.map((argumentsDelta) => ({ type: 'tool_call_delta', index: 0, argumentsDelta })),
      { type: 'tool_call_start', index: 1, id: 'call_Wd7Hn2yK5sMb8QxP4gLc6VtR', name: 'get_weather' },
      ...call1.map((argumentsDelta) => ({ type: 'tool_call_delta', index: 1, argumentsDelta })),
      { type: 'tool_call_end', index: 0 },
      { type: 'tool_call_end', index: 1 },
      { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } },
    ]);
    expect(done).toBe(true);
  });

  it('turns an error chunk into a server_error event and is not done', () => {
    const { events, done } = decodeAll(fixture('error-chunk.sse'));
    expect(events.map((event) => event.type)).toEqual(['start', 'text_delta', 'error']);
    expect(events[2]).toEqual({
      type: 'error',
      error: {
        code: 'upstream_server_error',
        failureClass: 'server_error',
        status: 502,
        message: 'The server had an error while processing your request. Sorry about that!',
      },
    });
    expect(done).toBe(false);
  });

  it.each([
    [
      { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached' },
      'rate_limited',
      'upstream_rate_limited',
    ],
    [
      { type: 'insufficient_quota', code: 'insufficient_quota', message: 'quota' },
      'quota',
      'upstream_quota_exceeded',
    ],
    [{ type: 'invalid_request_error', code: null, message: 'odd' }, 'server_error', 'upstream_server_error'],
  ])('classifies error chunk %o', (error, failureClass, code) => {
    const events = createOpenaiStreamDecoder().decode({ data: JSON.stringify({ error }) });
    expect(events).toEqual([{ type: 'error', error: expect.objectContaining({ failureClass, code }) }]);
  });

  it('emits start then delta when arguments arrive with the call start', () => {
    const decoder = createOpenaiStreamDecoder();
    const events = decoder.decode(
      chunk({
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                { index: 0, id: 'call_x', type: 'function', function: { name: 'f', arguments: '{}' } },
              ],
            },
            finish_reason: null,
          },
        ],
      }),
    );
    expect(events).toEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'tool_call_start', index: 0, id: 'call_x', name: 'f' },
      { type: 'tool_call_delta', index: 0, argumentsDelta: '{}' },
    ]);
  });

  it('reads reasoning_content as reasoning deltas and puts usage before finish when they share a chunk', () => {
    const decoder = createOpenaiStreamDecoder();
    const events = [
      ...decoder.decode(
        chunk({ choices: [{ index: 0, delta: { reasoning_content: 'hmm' }, finish_reason: null }] }),
      ),
      ...decoder.decode(
        chunk({
          choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: 'length' }],
          usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
        }),
      ),
    ];
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'reasoning_delta',
      'text_delta',
      'usage',
      'finish',
    ]);
    expect(events[1]).toEqual({ type: 'reasoning_delta', text: 'hmm' });
    expect(events[4]).toEqual({ type: 'finish', finishReason: { unified: 'length', raw: 'length' } });
  });

  it('waits for a chunk with choices before starting (Azure prompt-filter chunk)', () => {
    const decoder = createOpenaiStreamDecoder();
    expect(
      decoder.decode({
        data: '{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}',
      }),
    ).toEqual([]);
    expect(
      decoder.decode(chunk({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] })),
    ).toEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'text_delta', text: 'a' },
    ]);
  });

  it.each([['not json'], ['[1,2]'], ['"text"']])('throws bad_response for the chunk %s', (data) => {
    let caught: unknown;
    try {
      createOpenaiStreamDecoder().decode({ data });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DetourError);
    expect((caught as DetourError).code).toBe('upstream_bad_response');
  });

  it('keeps the parse failure as the cause of a chunk that is not JSON', () => {
    let caught: unknown;
    try {
      createOpenaiStreamDecoder().decode({ data: '{"choices":' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DetourError);
    expect((caught as DetourError).message).toBe('upstream stream chunk is not JSON');
    expect((caught as DetourError).cause).toBeInstanceOf(SyntaxError);
  });

  it('says which way a chunk that parses is wrong', () => {
    expect(() => createOpenaiStreamDecoder().decode({ data: '[1]' })).toThrow(
      'upstream stream chunk is not a JSON object',
    );
  });

  it('ignores empty data and reads the terminator with surrounding whitespace', () => {
    const decoder = createOpenaiStreamDecoder();
    expect(decoder.decode({ data: '' })).toStrictEqual([]);
    expect(decoder.decode({ data: '  ' })).toStrictEqual([]);
    expect(decoder.done).toBe(false);
    expect(decoder.decode({ data: ' [DONE]\n' })).toStrictEqual([]);
    expect(decoder.done).toBe(true);
  });

  it('reads a chunk with error null as an ordinary chunk', () => {
    const events = createOpenaiStreamDecoder().decode(
      chunk({ error: null, choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] }),
    );
    expect(events).toStrictEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'text_delta', text: 'a' },
    ]);
  });

  it('does not start on a first chunk with no choices field and no usage', () => {
    const decoder = createOpenaiStreamDecoder();
    expect(decoder.decode({ data: '{"id":"c","object":"chat.completion.chunk"}' })).toStrictEqual([]);
  });

  it('starts with empty id, empty model and time 0 when the host leaves them out', () => {
    const events = createOpenaiStreamDecoder().decode({
      data: JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] }),
    });
    expect(events).toStrictEqual([
      { type: 'start', id: '', model: '', created: 0 },
      { type: 'text_delta', text: 'a' },
    ]);
  });

  it('relays choice 0 when another choice comes first', () => {
    const events = createOpenaiStreamDecoder().decode(
      chunk({
        choices: [
          { index: 1, delta: { content: 'second' }, finish_reason: null },
          { index: 0, delta: { content: 'first' }, finish_reason: null },
        ],
      }),
    );
    expect(events).toStrictEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'text_delta', text: 'first' },
    ]);
  });

  it('relays a refusal delta as text and skips empty and null pieces', () => {
    const decoder = createOpenaiStreamDecoder();
    const events = [
      ...decoder.decode(
        chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null } }] }),
      ),
      ...decoder.decode(chunk({ choices: [{ index: 0, delta: { refusal: "I can't help" } }] })),
      ...decoder.decode(chunk({ choices: [{ index: 0, delta: { refusal: '' } }] })),
      ...decoder.decode(chunk({ choices: [{ index: 0, delta: { refusal: ' with that.' } }] })),
      ...decoder.decode(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })),
    ];
    expect(events).toStrictEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'text_delta', text: "I can't help" },
      { type: 'text_delta', text: ' with that.' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
    ]);
  });

  it('gives a tool call without id a new call id and one without name an empty name', () => {
    const events = createOpenaiStreamDecoder().decode(
      chunk({ choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '' } }] } }] }),
    );
    expect(events).toStrictEqual([
      { type: 'start', id: 'c', model: 'm', created: 1 },
      { type: 'tool_call_start', index: 0, id: expect.stringMatching(/^call-[0-9a-f]+$/), name: '' },
    ]);
  });
});

describe('isPlainOpenaiDelta', () => {
  const chunk = (body: unknown) => ({ data: JSON.stringify(body) });
  it('passes a content delta, also one whose text spells the keys it looks for', () => {
    expect(
      isPlainOpenaiDelta(chunk({ choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] })),
    ).toBe(true);
    const tricky = 'an "error" and "usage":{ and "finish_reason":"stop" in the text';
    expect(
      isPlainOpenaiDelta(chunk({ choices: [{ index: 0, delta: { content: tricky }, finish_reason: null }] })),
    ).toBe(true);
  });

  it('stops at errors, finishes, usage and the terminator', () => {
    expect(isPlainOpenaiDelta(chunk({ error: { message: 'boom' } }))).toBe(false);
    expect(isPlainOpenaiDelta(chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }))).toBe(
      false,
    );
    expect(
      isPlainOpenaiDelta(chunk({ choices: [], usage: { prompt_tokens: 1, completion_tokens: 2 } })),
    ).toBe(false);
    expect(isPlainOpenaiDelta({ data: '[DONE]' })).toBe(false);
  });

  it('reads JSON written with spaces, as Python hosts write it', () => {
    const spaced = (body: unknown) => ({ data: JSON.stringify(body, null, 1).replaceAll('\n', ' ') });
    expect(isPlainOpenaiDelta(spaced({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }))).toBe(
      false,
    );
    expect(isPlainOpenaiDelta(spaced({ choices: [], usage: { prompt_tokens: 1 } }))).toBe(false);
    expect(
      isPlainOpenaiDelta(spaced({ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] })),
    ).toBe(true);
  });
});
