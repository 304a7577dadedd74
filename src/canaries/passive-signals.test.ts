import { describe, expect, it } from 'vitest';
import type { ChatRequest, ChatResponse } from '../core/index.js';
import { fitsJson, PassiveSignals } from './passive-signals.js';

function request(changes: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'm',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    stream: false,
    metadata: {},
    vendorOptions: {},
    ...changes,
  };
}

function response(
  text: string,
  finish: ChatResponse['finishReason']['unified'] = 'stop',
  outputTokens = 10,
): ChatResponse {
  return {
    id: 'r',
    model: 'up-m',
    created: 0,
    content: text === '' ? [] : [{ type: 'text', text }],
    finishReason: { unified: finish, raw: finish },
    usage: { inputTokens: 5, outputTokens },
  };
}

const weather = request({
  tools: [
    {
      name: 'weather',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string' }, days: { type: 'integer' } },
        required: ['city'],
      },
    },
  ],
});

describe('PassiveSignals', () => {
  it('counts length and content-filter finishes, empty answers and unparsable JSON answers per deployment', () => {
    const signals = new PassiveSignals({ window: 100 });
    const json = request({ responseFormat: { type: 'json' } });
    signals.observe('a', request(), response('fine'));
    signals.observe('a', request(), response('cut', 'length'));
    signals.observe('a', request(), response('', 'content_filter'));
    signals.observe('a', json, response('{"ok":true}'));
    signals.observe('a', json, response('{"ok":'));
    signals.observe('b', request(), response('fine'));
    const a = signals.snapshot('a');
    expect(a).toMatchObject({
      answers: 5,
      lengthShare: 1 / 5,
      contentFilterShare: 1 / 5,
      emptyShare: 1 / 5,
      jsonAnswers: 2,
      jsonInvalidShare: 1 / 2,
      toolCalls: 0,
    });
    expect(signals.snapshot('b')).toMatchObject({
      answers: 1,
      lengthShare: 0,
      emptyShare: 0,
      jsonAnswers: 0,
    });
    expect(signals.snapshot('none')).toBeUndefined();
  });

  it("counts tool calls whose arguments do not parse or miss their tool's required properties or types", () => {
    const signals = new PassiveSignals();
    const call = (name: string, args: string) => ({
      finishReason: 'tool_calls' as const,
      text: '',
      toolCalls: [{ name, arguments: args }],
      outputTokens: 8,
    });
    signals.observe('a', weather, call('weather', '{"city":"Oslo","days":3}'));
    signals.observe('a', weather, call('weather', '{"days":3}'));
    signals.observe('a', weather, call('weather', '{"city":"Oslo","days":"three"}'));
    signals.observe('a', weather, call('weather', '{"city":'));
    signals.observe('a', weather, call('unknown_tool', '{}'));
    expect(signals.snapshot('a')).toMatchObject({ toolCalls: 5, toolInvalidShare: 4 / 5, emptyShare: 0 });
  });

  it('compares output length of the recent window with the window before it, forgetting older answers', () => {
    const signals = new PassiveSignals({ window: 4 });
    for (const tokens of [999, 999, 100, 100, 100, 100])
      signals.observe('a', request(), response('x', 'stop', tokens));
    for (const tokens of [30, 30, 30, 50]) signals.observe('a', request(), response('x', 'stop', tokens));
    expect(signals.snapshot('a')?.outputTokens).toEqual({
      recentMean: 35,
      recentMedian: 30,
      baselineMean: 100,
      baselineMedian: 100,
      medianRatio: 0.3,
    });
    expect(signals.snapshot('a')?.answers).toBe(4);
  });
});

describe('fitsJson', () => {
  it('accepts JSON that fits a schema lightly and refuses what does not parse or fit', () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    expect(fitsJson('{"n":1}', schema)).toBe(true);
    expect(fitsJson('{"n":"1"}', schema)).toBe(false);
    expect(fitsJson('{}', schema)).toBe(false);
    expect(fitsJson('[1]', undefined)).toBe(true);
    expect(fitsJson('[1]', undefined, true)).toBe(false);
    expect(fitsJson('nope', undefined)).toBe(false);
  });
});
