import { createParser } from 'eventsource-parser';
import { describe, expect, it } from 'vitest';
import { DetourError, type StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { createOpenaiStreamDecoder } from './decode-stream.js';
import { createOpenaiStreamEncoder } from './encode-stream.js';

function parseSse(text: string): SseMessage[] {
  const messages: SseMessage[] = [];
  const parser = createParser({ onEvent: (event) => messages.push({ data: event.data }) });
  parser.feed(text);
  return messages;
}

function encodeAll(events: StreamEvent[], includeUsage: boolean): string {
  const encoder = createOpenaiStreamEncoder({ includeUsage });
  return events.map((event) => encoder.encode(event)).join('') + encoder.end();
}

const textEvents: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-1', model: 'gpt-x', created: 1700000000 },
  { type: 'text_delta', text: 'Hel' },
  { type: 'text_delta', text: 'lo' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
  { type: 'usage', usage: { inputTokens: 4, outputTokens: 2, cacheReadTokens: 1 } },
];

const toolEvents: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-2', model: 'gpt-x', created: 1700000001 },
  { type: 'reasoning_delta', text: 'Two cities.' },
  { type: 'tool_call_start', index: 0, id: 'call_a', name: 'weather' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call_start', index: 1, id: 'call_b', name: 'weather' },
  { type: 'tool_call_delta', index: 1, argumentsDelta: '{"city":"Rome"}' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '"Oslo"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_end', index: 1 },
  { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } },
  { type: 'usage', usage: { inputTokens: 10, outputTokens: 20, reasoningTokens: 5 } },
];

describe('createOpenaiStreamEncoder', () => {
  it('writes chunks exactly as OpenAI sends them, with usage null on each and a final usage chunk', () => {
    const messages = parseSse(encodeAll(textEvents, true));
    const envelope = {
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1700000000,
      model: 'gpt-x',
    };
    const choice = (delta: unknown, finish: string | null = null) => ({
      ...envelope,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
    });
    expect(messages.map((message) => message.data)).toEqual([
      JSON.stringify(choice({ role: 'assistant', content: '' })),
      JSON.stringify(choice({ content: 'Hel' })),
      JSON.stringify(choice({ content: 'lo' })),
      JSON.stringify(choice({}, 'stop')),
      JSON.stringify({
        ...envelope,
        choices: [],
        usage: {
          prompt_tokens: 4,
          completion_tokens: 2,
          total_tokens: 6,
          prompt_tokens_details: { cached_tokens: 1 },
        },
      }),
      '[DONE]',
    ]);
  });

  it('omits usage entirely without includeUsage and ends with [DONE]', () => {
    const text = encodeAll(textEvents, false);
    expect(text).not.toContain('usage');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(createOpenaiStreamEncoder({ includeUsage: false }).end()).toBe('data: [DONE]\n\n');
  });

  it('writes a tool call start with empty arguments, then argument pieces by index', () => {
    const deltas = parseSse(encodeAll(toolEvents, false))
      .filter((message) => message.data !== '[DONE]')
      .map((message) => JSON.parse(message.data).choices[0].delta);
    expect(deltas).toEqual([
      { role: 'assistant', content: '' },
      { reasoning_content: 'Two cities.' },
      {
        tool_calls: [
          { index: 0, id: 'call_a', type: 'function', function: { name: 'weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] },
      {
        tool_calls: [
          { index: 1, id: 'call_b', type: 'function', function: { name: 'weather', arguments: '' } },
        ],
      },
      { tool_calls: [{ index: 1, function: { arguments: '{"city":"Rome"}' } }] },
      { tool_calls: [{ index: 0, function: { arguments: '"Oslo"}' } }] },
      {},
    ]);
  });

  it.each([
    ['a text stream', textEvents],
    ['a parallel tool-call stream with reasoning', toolEvents],
  ])('gives back the same events when its output is decoded: %s', (_name, events) => {
    const decoder = createOpenaiStreamDecoder();
    const decoded = parseSse(encodeAll(events, true)).flatMap((message) => decoder.decode(message));
    expect(decoded).toEqual(events);
    expect(decoder.done).toBe(true);
  });

  it('opens the stream with a role chunk even without a start event', () => {
    const encoder = createOpenaiStreamEncoder({ includeUsage: false });
    const messages = parseSse(encoder.encode({ type: 'text_delta', text: 'x' }));
    expect(messages.map((message) => JSON.parse(message.data).choices[0].delta)).toEqual([
      { role: 'assistant', content: '' },
      { content: 'x' },
    ]);
    expect(JSON.parse(messages[0]!.data).id).toMatch(/^chatcmpl-/);
  });

  it('writes an error event as an OpenAI error chunk', () => {
    const error = new DetourError('upstream_overloaded', 'overloaded', 'upstream is overloaded').toJSON();
    const text = createOpenaiStreamEncoder({ includeUsage: false }).encode({ type: 'error', error });
    expect(parseSse(text).map((message) => JSON.parse(message.data))).toEqual([
      {
        error: {
          message: 'upstream is overloaded',
          type: 'server_error',
          param: null,
          code: 'upstream_overloaded',
        },
      },
    ]);
  });

  it('writes nothing for empty text, reasoning and argument pieces', () => {
    const encoder = createOpenaiStreamEncoder({ includeUsage: false });
    encoder.encode({ type: 'start', id: 'chatcmpl-3', model: 'gpt-x', created: 1 });
    expect(encoder.encode({ type: 'text_delta', text: '' })).toBe('');
    expect(encoder.encode({ type: 'reasoning_delta', text: '' })).toBe('');
    expect(encoder.encode({ type: 'tool_call_delta', index: 0, argumentsDelta: '' })).toBe('');
  });

  it('writes no second role chunk when it resumes a stream another host began', () => {
    const encoder = createOpenaiStreamEncoder({ includeUsage: false, resume: true });
    const messages = parseSse(encoder.encode({ type: 'text_delta', text: 'x' }));
    expect(messages.map((message) => JSON.parse(message.data).choices[0].delta)).toStrictEqual([
      { content: 'x' },
    ]);
  });
});
