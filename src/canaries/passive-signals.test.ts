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

describe('PassiveSignals snapshots', () => {
  it('gives every field of a deployment with no JSON, tools or baseline yet', () => {
    const signals = new PassiveSignals({ window: 4 });
    signals.observe('a', request(), response('one', 'stop', 3));
    signals.observe('a', request(), response('two', 'stop', 8));
    expect(signals.snapshot('a')).toStrictEqual({
      deployment: 'a',
      answers: 2,
      lengthShare: 0,
      contentFilterShare: 0,
      emptyShare: 0,
      jsonAnswers: 0,
      jsonInvalidShare: 0,
      toolCalls: 0,
      toolInvalidShare: 0,
      outputTokens: {
        recentMean: 5.5,
        recentMedian: 5.5,
        baselineMean: null,
        baselineMedian: null,
        medianRatio: null,
      },
    });
  });

  it('takes whitespace for an empty answer, but not a tool call without text', () => {
    const signals = new PassiveSignals();
    signals.observe('a', request(), response('  \n '));
    signals.observe('a', weather, {
      text: '',
      toolCalls: [{ name: 'weather', arguments: '{"city":"Oslo"}' }],
    });
    signals.observe('a', request(), { text: 'x', toolCalls: [] });
    expect(signals.snapshot('a')).toMatchObject({
      answers: 3,
      emptyShare: 1 / 3,
      toolCalls: 1,
      toolInvalidShare: 0,
    });
    // A summary without a token count counts 0.
    expect(signals.snapshot('a')?.outputTokens.recentMedian).toBe(0);
    expect(signals.snapshot('a')?.outputTokens.recentMean).toBeCloseTo(10 / 3, 12);
  });

  it('counts JSON answers only when JSON was asked for and no tool was called, against the schema given', () => {
    const signals = new PassiveSignals();
    const schema = request({
      responseFormat: { type: 'json_schema', name: 'n', schema: { type: 'object', required: ['n'] } },
    });
    signals.observe('a', request({ responseFormat: { type: 'text' } }), response('not json'));
    signals.observe('a', schema, response('{"n":1}'));
    signals.observe('a', schema, response('{"m":1}'));
    signals.observe('a', schema, { text: '', toolCalls: [{ name: 'weather', arguments: '{}' }] });
    expect(signals.snapshot('a')).toMatchObject({ answers: 4, jsonAnswers: 2, jsonInvalidShare: 0.5 });
  });

  it('reads a whole response: its text parts joined, its tool calls, its finish and its output tokens', () => {
    const signals = new PassiveSignals();
    const answer: ChatResponse = {
      ...response('', 'length', 7),
      content: [
        { type: 'reasoning', text: 'thinking' },
        { type: 'text', text: '{"city":' },
        { type: 'tool_call', id: 'c1', name: 'weather', arguments: '{"city":"Oslo"}' },
        { type: 'text', text: '"Oslo"}' },
      ],
    };
    signals.observe('a', request({ responseFormat: { type: 'json' }, tools: weather.tools }), answer);
    expect(signals.snapshot('a')).toMatchObject({
      lengthShare: 1,
      emptyShare: 0,
      // A tool was called: the answer is not graded as JSON.
      jsonAnswers: 0,
      toolCalls: 1,
      toolInvalidShare: 0,
      outputTokens: { recentMedian: 7 },
    });
    const reasoningOnly = new PassiveSignals();
    reasoningOnly.observe('a', request(), {
      ...answer,
      content: [{ type: 'reasoning' as const, text: 'hm' }],
    });
    expect(reasoningOnly.snapshot('a')).toMatchObject({ emptyShare: 1, toolCalls: 0 });
    const text = new PassiveSignals();
    text.observe('a', request({ responseFormat: { type: 'json' } }), {
      ...answer,
      content: answer.content.filter((part) => part.type === 'text'),
    });
    expect(text.snapshot('a')).toMatchObject({ jsonAnswers: 1, jsonInvalidShare: 0 });
  });

  it('keeps two windows in a ring: the recent one and the one before, older answers forgotten', () => {
    const signals = new PassiveSignals({ window: 2 });
    for (const tokens of [1000, 1, 2, 3, 4]) signals.observe('a', request(), response('x', 'stop', tokens));
    expect(signals.snapshot('a')?.outputTokens).toStrictEqual({
      recentMean: 3.5,
      recentMedian: 3.5,
      baselineMean: 1.5,
      baselineMedian: 1.5,
      medianRatio: 3.5 / 1.5,
    });
    // One answer into the baseline: three answers, an odd median.
    const three = new PassiveSignals({ window: 2 });
    for (const tokens of [9, 1, 5]) three.observe('a', request(), response('x', 'stop', tokens));
    expect(three.snapshot('a')?.outputTokens).toStrictEqual({
      recentMean: 3,
      recentMedian: 3,
      baselineMean: 9,
      baselineMedian: 9,
      medianRatio: 3 / 9,
    });
    const odd = new PassiveSignals({ window: 3 });
    for (const tokens of [30, 10, 20]) odd.observe('a', request(), response('x', 'stop', tokens));
    expect(odd.snapshot('a')?.outputTokens.recentMedian).toBe(20);
  });

  it('has no median ratio when the baseline median is 0', () => {
    const signals = new PassiveSignals({ window: 1 });
    signals.observe('a', request(), response('x', 'stop', 0));
    signals.observe('a', request(), response('x', 'stop', 5));
    expect(signals.snapshot('a')?.outputTokens).toStrictEqual({
      recentMean: 5,
      recentMedian: 5,
      baselineMean: 0,
      baselineMedian: 0,
      medianRatio: null,
    });
  });

  it('uses windows of at least one whole answer, 500 by default', () => {
    const none = new PassiveSignals({ window: 0 });
    const fractional = new PassiveSignals({ window: 2.7 });
    const standard = new PassiveSignals();
    for (let index = 0; index < 1_001; index += 1) {
      none.observe('a', request(), response('x'));
      fractional.observe('a', request(), response('x'));
      standard.observe('a', request(), response('x', 'stop', index < 502 ? 1 : 3));
    }
    expect(none.snapshot('a')?.answers).toBe(1);
    expect(fractional.snapshot('a')?.answers).toBe(2);
    expect(standard.snapshot('a')?.answers).toBe(500);
    // Answers 501–1000 are recent (501 the only one of 1 token), 1–500 the baseline.
    expect(standard.snapshot('a')?.outputTokens.recentMean).toBeCloseTo((499 * 3 + 1) / 500, 12);
    expect(standard.snapshot('a')?.outputTokens.baselineMean).toBe(1);
  });

  it('takes empty tool arguments for {}', () => {
    const signals = new PassiveSignals();
    const ping = request({ tools: [{ name: 'ping', parameters: { type: 'object' } }] });
    signals.observe('a', ping, { text: '', toolCalls: [{ name: 'ping', arguments: '' }] });
    expect(signals.snapshot('a')).toMatchObject({ toolCalls: 1, toolInvalidShare: 0 });
  });

  it('forgets a deployment', () => {
    const signals = new PassiveSignals();
    signals.observe('a', request(), response('x'));
    signals.forget('a');
    expect(signals.snapshot('a')).toBeUndefined();
  });
});

describe('fitsJson types', () => {
  it('checks each JSON type of a property, and a list of types', () => {
    const fits = (value: unknown, type: unknown) =>
      fitsJson(JSON.stringify({ v: value }), { type: 'object', properties: { v: { type } } });
    expect([fits('s', 'string'), fits(1, 'string')]).toEqual([true, false]);
    expect([fits(1.5, 'number'), fits('1', 'number')]).toEqual([true, false]);
    expect([fits(2, 'integer'), fits(2.5, 'integer')]).toEqual([true, false]);
    expect([fits(true, 'boolean'), fits(0, 'boolean')]).toEqual([true, false]);
    expect([fits([], 'array'), fits({}, 'array')]).toEqual([true, false]);
    expect([fits({}, 'object'), fits([], 'object'), fits(null, 'object')]).toEqual([true, false, false]);
    expect([fits(null, 'null'), fits(0, 'null')]).toEqual([true, false]);
    expect([fits(null, ['string', 'null']), fits(1, ['string', 'null'])]).toEqual([true, false]);
    expect([fits(1, 'date'), fits(1, undefined)]).toEqual([true, true]);
  });

  it('checks the top-level type, ignores odd required entries and property schemas, and reads empty tool arguments as {}', () => {
    expect(fitsJson('[1]', { type: 'object' })).toBe(false);
    expect(fitsJson('"x"', { type: 'string', required: ['a'] })).toBe(true);
    expect(fitsJson('{}', { type: 'object', required: [5], properties: 'nope' })).toBe(true);
    expect(fitsJson('{"a":1}', { properties: { a: 'string' } })).toBe(true);
    expect(fitsJson('{"b":1}', { properties: { a: { type: 'string' } } })).toBe(true);
    expect(fitsJson('{}', { required: 'a' })).toBe(true);
    expect(fitsJson('', undefined, true)).toBe(true);
    expect(fitsJson('', { type: 'object', required: ['a'] }, true)).toBe(false);
    expect(fitsJson('', undefined)).toBe(false);
    expect(fitsJson('{}', undefined, true)).toBe(true);
    expect(fitsJson('null', undefined, true)).toBe(false);
  });
});
