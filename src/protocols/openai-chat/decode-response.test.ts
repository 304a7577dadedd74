import { describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import { decodeOpenaiResponse } from './decode-response.js';
import { encodeOpenaiResponse } from './encode-response.js';
import { readOpenaiUsage } from './map-usage.js';

const completion = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'The image shows a wooden boardwalk.',
        refusal: null,
        annotations: [],
      },
      logprobs: null,
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 1117,
    completion_tokens: 46,
    total_tokens: 1163,
    prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  },
  service_tier: 'default',
  system_fingerprint: 'fp_fc9f1d7035',
};

function withMessage(message: Record<string, unknown>, finishReason: string | null = 'stop') {
  return { ...completion, choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }] };
}

describe('decodeOpenaiResponse', () => {
  it('reads id, model, created, text, finish reason and detailed usage', () => {
    expect(decodeOpenaiResponse(completion)).toEqual({
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      model: 'gpt-4o-2024-08-06',
      created: 1741570283,
      content: [{ type: 'text', text: 'The image shows a wooden boardwalk.' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: 1117, outputTokens: 46, cacheReadTokens: 1024, reasoningTokens: 0 },
    });
  });

  it('reads tool calls after any text, with content null', () => {
    const response = decodeOpenaiResponse(
      withMessage(
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_a',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Oslo"}' },
            },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          ],
        },
        'tool_calls',
      ),
    );
    expect(response.content).toEqual([
      { type: 'tool_call', id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { type: 'tool_call', id: 'call_b', name: 'get_time', arguments: '{}' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_calls' });
  });

  it('keeps a refusal as text without changing the finish reason', () => {
    const response = decodeOpenaiResponse(
      withMessage({ role: 'assistant', content: null, refusal: "I can't help." }),
    );
    expect(response.content).toEqual([{ type: 'text', text: "I can't help." }]);
    expect(response.finishReason.unified).toBe('stop');
  });

  it('reads reasoning_content from compatible hosts as a reasoning part first', () => {
    const response = decodeOpenaiResponse(
      withMessage({ role: 'assistant', content: '42', reasoning_content: 'six times seven' }),
    );
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'six times seven' },
      { type: 'text', text: '42' },
    ]);
  });

  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['function_call', 'tool_calls'],
    ['eos', 'other'],
  ])('maps finish_reason %s to %s and keeps the raw value', (raw, unified) => {
    expect(decodeOpenaiResponse(withMessage({ content: 'x' }, raw)).finishReason).toEqual({ unified, raw });
  });

  it('tolerates nulls and missing optional fields', () => {
    const response = decodeOpenaiResponse({
      id: 'x',
      choices: [
        { index: 0, message: { content: 'hi', tool_calls: null, refusal: null }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 1, prompt_tokens_details: null },
    });
    expect(response.content).toEqual([{ type: 'text', text: 'hi' }]);
    expect(response.usage).toEqual({ inputTokens: 3, outputTokens: 1 });
    expect(response.model).toBe('');
  });

  it.each([
    ['a non-object body', 'oops'],
    ['null', null],
    ['a body without choices', { id: 'x', object: 'chat.completion' }],
    ['an empty choices array', { id: 'x', choices: [] }],
  ])('throws bad_response for %s', (_name, body) => {
    let caught: unknown;
    try {
      decodeOpenaiResponse(body);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DetourError);
    expect((caught as DetourError).code).toBe('upstream_bad_response');
    expect((caught as DetourError).failureClass).toBe('bad_response');
  });

  it('reads choice 0 when another choice comes first', () => {
    const response = decodeOpenaiResponse({
      ...completion,
      choices: [
        { index: 1, message: { content: 'second' }, finish_reason: 'length' },
        { index: 0, message: { content: 'first' }, finish_reason: 'stop' },
      ],
    });
    expect(response.content).toStrictEqual([{ type: 'text', text: 'first' }]);
    expect(response.finishReason).toStrictEqual({ unified: 'stop', raw: 'stop' });
  });

  it('leaves out empty reasoning, text and refusal', () => {
    const response = decodeOpenaiResponse(
      withMessage({ reasoning_content: '', content: '', refusal: '', tool_calls: [] }),
    );
    expect(response.content).toStrictEqual([]);
  });

  it('fills a missing id, model, created, tool call id and arguments, and reads no finish reason as stop', () => {
    const response = decodeOpenaiResponse({
      choices: [{ message: { tool_calls: [{ type: 'function', function: { name: 'f' } }] } }],
    });
    expect(response).toStrictEqual({
      id: '',
      model: '',
      created: 0,
      content: [{ type: 'tool_call', id: '', name: 'f', arguments: '' }],
      finishReason: { unified: 'stop', raw: 'stop' },
      usage: { inputTokens: 0, outputTokens: 0 },
    });
  });

  it('says what is wrong with a body it cannot read', () => {
    expect(() => decodeOpenaiResponse('oops')).toThrow('upstream response is not a JSON object');
    expect(() => decodeOpenaiResponse({ id: 'x' })).toThrow('upstream response has no choices');
    expect(() => decodeOpenaiResponse({ id: 'x', choices: [] })).toThrow('upstream response has no choices');
    expect(() => decodeOpenaiResponse({ id: 'x', choices: ['x'] })).toThrow(
      'upstream response has no choices',
    );
  });
});

describe('readOpenaiUsage', () => {
  it('reads only the usage', () => {
    expect(readOpenaiUsage(completion)).toEqual({
      inputTokens: 1117,
      outputTokens: 46,
      cacheReadTokens: 1024,
      reasoningTokens: 0,
    });
  });

  it('is undefined when there is no usage', () => {
    expect(readOpenaiUsage({ choices: [] })).toBeUndefined();
    expect(readOpenaiUsage('nope')).toBeUndefined();
  });

  it('reads a usage with only one of the two counts, and none without either', () => {
    expect(readOpenaiUsage({ usage: { completion_tokens: 5 } })).toStrictEqual({
      inputTokens: 0,
      outputTokens: 5,
    });
    expect(readOpenaiUsage({ usage: { prompt_tokens: 7 } })).toStrictEqual({
      inputTokens: 7,
      outputTokens: 0,
    });
    expect(readOpenaiUsage({ usage: { total_tokens: 12 } })).toBeUndefined();
  });
});

describe('encodeOpenaiResponse', () => {
  it('writes a chat.completion with joined text, tool calls and usage details', () => {
    expect(
      encodeOpenaiResponse({
        id: 'msg_01',
        model: 'claude-opus-4-7',
        created: 1750000000,
        content: [
          { type: 'reasoning', text: 'hidden', signature: 's' },
          { type: 'text', text: 'Checking ' },
          { type: 'text', text: 'now.' },
          { type: 'tool_call', id: 'toolu_1', name: 'lookup', arguments: '{"id":7}' },
        ],
        finishReason: { unified: 'tool_calls', raw: 'tool_use' },
        usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 4, reasoningTokens: 2 },
      }),
    ).toEqual({
      id: 'msg_01',
      object: 'chat.completion',
      created: 1750000000,
      model: 'claude-opus-4-7',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'Checking now.',
            refusal: null,
            tool_calls: [
              { id: 'toolu_1', type: 'function', function: { name: 'lookup', arguments: '{"id":7}' } },
            ],
          },
          logprobs: null,
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        prompt_tokens_details: { cached_tokens: 4 },
        completion_tokens_details: { reasoning_tokens: 2 },
      },
    });
  });

  it('writes content null and no tool_calls key when there is neither text nor calls, and maps other reasons to stop', () => {
    const encoded = encodeOpenaiResponse({
      id: 'x',
      model: 'm',
      created: 1,
      content: [],
      finishReason: { unified: 'other', raw: 'pause_turn' },
      usage: { inputTokens: 1, outputTokens: 0 },
    });
    expect(encoded.choices[0]?.message).toEqual({ role: 'assistant', content: null, refusal: null });
    expect(encoded.choices[0]?.finish_reason).toBe('stop');
    expect(encoded.usage).toEqual({ prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 });
  });

  it('round-trips through decodeOpenaiResponse', () => {
    const decoded = decodeOpenaiResponse(completion);
    expect(decodeOpenaiResponse(encodeOpenaiResponse(decoded))).toEqual(decoded);
  });
});
