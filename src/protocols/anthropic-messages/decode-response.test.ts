import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DetourError } from '../../core/index.js';
import { decodeAnthropicResponse, unwrapJsonModeStop } from './decode-response.js';
import { JSON_MODE_TOOL_NAME } from './json-mode-tool.js';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

/** 2025-06-15T12:00:00.750Z: `created` is the time the response was read, in whole seconds. */
const NOW_MS = 1_749_988_800_750;
const NOW_SECONDS = 1_749_988_800;

function message(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'msg_01',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5',
    content: [],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5 },
    ...fields,
  };
}

function expectBadResponse(body: unknown, text: string): void {
  let caught: unknown;
  try {
    decodeAnthropicResponse(body);
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

describe('decodeAnthropicResponse', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: NOW_MS });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads id, model, text, a tool call, the tool_use stop and usage with cache reads', () => {
    expect(decodeAnthropicResponse(fixture('response-tool-use.json'))).toStrictEqual({
      id: 'msg_01Hq7Zx3vK2pYbN8cR4tW6mL',
      model: 'claude-sonnet-4-5-20250929',
      created: NOW_SECONDS,
      content: [
        { type: 'text', text: "I'll look up the weather in Paris." },
        {
          type: 'tool_call',
          id: 'toolu_01Dk4Rf8sT2nQw6yHb9cXv3E',
          name: 'get_weather',
          arguments: '{"location":"Paris, France","unit":"celsius"}',
        },
      ],
      finishReason: { unified: 'tool_calls', raw: 'tool_use' },
      usage: { inputTokens: 1948, outputTokens: 71, cacheReadTokens: 1536, cacheWriteTokens: 0 },
    });
  });

  it('reads signed thinking and redacted thinking as reasoning, in order', () => {
    expect(decodeAnthropicResponse(fixture('response-thinking.json'))).toStrictEqual({
      id: 'msg_01Tb6Pq2wE9sVz3kM8nJ4hRy',
      model: 'claude-sonnet-4-5-20250929',
      created: NOW_SECONDS,
      content: [
        {
          type: 'reasoning',
          text: 'The user wants 27 * 453. 27 * 450 = 12150, plus 27 * 3 = 81, so 12231.',
          signature: 'EuYBCkQYAiJAgCs1le6/Pol5Z4/JMomVOouGrWdhYNsH3ukzUECbB6iWrSQtsQuRHJID6lWV',
        },
        {
          type: 'reasoning',
          text: '',
          redactedData:
            'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB6',
        },
        { type: 'text', text: '27 × 453 = 12,231.' },
      ],
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 46, outputTokens: 168, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('leaves out the signature of thinking that has none', () => {
    const body = message({ content: [{ type: 'thinking', thinking: 'Hmm.' }] });
    expect(decodeAnthropicResponse(body).content).toStrictEqual([{ type: 'reasoning', text: 'Hmm.' }]);
  });

  it('reads missing text, thinking and redacted data as empty strings', () => {
    const body = message({
      content: [{ type: 'text' }, { type: 'thinking', signature: 'sig' }, { type: 'redacted_thinking' }],
    });
    expect(decodeAnthropicResponse(body).content).toStrictEqual([
      { type: 'text', text: '' },
      { type: 'reasoning', text: '', signature: 'sig' },
      { type: 'reasoning', text: '', redactedData: '' },
    ]);
  });

  it('reads a tool call without id, name or input as empty strings and an empty object', () => {
    const body = message({ content: [{ type: 'tool_use' }], stop_reason: 'tool_use' });
    expect(decodeAnthropicResponse(body).content).toStrictEqual([
      { type: 'tool_call', id: '', name: '', arguments: '{}' },
    ]);
  });

  it("turns the emulated JSON mode's tool call into text and its tool_use stop into a normal stop", () => {
    const body = message({
      content: [
        {
          type: 'tool_use',
          id: 'toolu_01',
          name: JSON_MODE_TOOL_NAME,
          input: { city: 'Paris', temperature: 21 },
        },
      ],
      stop_reason: 'tool_use',
    });
    expect(decodeAnthropicResponse(body)).toStrictEqual({
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      created: NOW_SECONDS,
      content: [{ type: 'text', text: '{"city":"Paris","temperature":21}' }],
      finishReason: { unified: 'stop', raw: 'tool_use' },
      usage: { inputTokens: 10, outputTokens: 5 },
    });
  });

  it('keeps the JSON-mode answer cut short by max_tokens as a length stop', () => {
    const body = message({
      content: [{ type: 'tool_use', id: 'toolu_01', name: JSON_MODE_TOOL_NAME, input: {} }],
      stop_reason: 'max_tokens',
    });
    expect(decodeAnthropicResponse(body).finishReason).toStrictEqual({
      unified: 'length',
      raw: 'max_tokens',
    });
  });

  it('drops server-tool blocks and blocks that are not objects', () => {
    const body = message({
      content: [
        { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'weather' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
        null,
        'text',
        { type: 'text', text: 'Sunny.' },
      ],
    });
    expect(decodeAnthropicResponse(body).content).toStrictEqual([{ type: 'text', text: 'Sunny.' }]);
  });

  it('defaults a missing id, model, stop_reason and usage', () => {
    expect(decodeAnthropicResponse({ content: [{ type: 'text', text: 'hi' }] })).toStrictEqual({
      id: '',
      model: '',
      created: NOW_SECONDS,
      content: [{ type: 'text', text: 'hi' }],
      finishReason: { unified: 'stop', raw: 'end_turn' },
      usage: { inputTokens: 0, outputTokens: 0 },
    });
  });

  it('reads the stop sequence that matched', () => {
    const body = message({
      content: [{ type: 'text', text: 'one, two' }],
      stop_reason: 'stop_sequence',
      stop_sequence: ', three',
    });
    expect(decodeAnthropicResponse(body)).toStrictEqual({
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      created: NOW_SECONDS,
      content: [{ type: 'text', text: 'one, two' }],
      finishReason: { unified: 'stop', raw: 'stop_sequence' },
      stopSequence: ', three',
      usage: { inputTokens: 10, outputTokens: 5 },
    });
  });

  it('maps pause_turn and refusal', () => {
    expect(decodeAnthropicResponse(message({ stop_reason: 'pause_turn' })).finishReason).toStrictEqual({
      unified: 'other',
      raw: 'pause_turn',
    });
    expect(decodeAnthropicResponse(message({ stop_reason: 'refusal' })).finishReason).toStrictEqual({
      unified: 'content_filter',
      raw: 'refusal',
    });
  });

  it('throws bad_response for a body that is not an object', () => {
    expectBadResponse('<html>502 Bad Gateway</html>', 'upstream response is not a JSON object');
    expectBadResponse(null, 'upstream response is not a JSON object');
    expectBadResponse([message({})], 'upstream response is not a JSON object');
  });

  it('throws bad_response for a body without a content array', () => {
    expectBadResponse({ type: 'message', id: 'msg_01' }, 'upstream response has no content');
    expectBadResponse(message({ content: 'hello' }), 'upstream response has no content');
  });
});

describe('unwrapJsonModeStop', () => {
  it('turns tool_calls into stop only in JSON mode, keeping the raw value', () => {
    expect(unwrapJsonModeStop({ unified: 'tool_calls', raw: 'tool_use' }, true)).toStrictEqual({
      unified: 'stop',
      raw: 'tool_use',
    });
    expect(unwrapJsonModeStop({ unified: 'tool_calls', raw: 'tool_use' }, false)).toStrictEqual({
      unified: 'tool_calls',
      raw: 'tool_use',
    });
    expect(unwrapJsonModeStop({ unified: 'length', raw: 'max_tokens' }, true)).toStrictEqual({
      unified: 'length',
      raw: 'max_tokens',
    });
  });
});
