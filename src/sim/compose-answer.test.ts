import { describe, expect, it } from 'vitest';
import { composeAnswer, continuePrefill } from './compose-answer.js';
import type { SimPrefill, SimPrompt } from './sim-prompt.js';

function prompt(lastUserText: string, extra: Partial<SimPrompt> = {}): SimPrompt {
  return {
    model: 'm',
    stream: false,
    includeUsage: false,
    lastUserText,
    tools: [],
    toolChoice: { type: 'auto' },
    parallelToolCalls: true,
    stop: [],
    thinking: false,
    promptChars: 40,
    ...extra,
  };
}

function prefill(text: string): SimPrefill {
  return { text, via: 'trailing_assistant', index: 1 };
}

describe('continuePrefill', () => {
  it('answers the rest of the full answer, its leading whitespace kept', () => {
    expect(continuePrefill('one two three four', prefill('one two'))).toBe(' three four');
    expect(continuePrefill('one two three four', prefill('one tw'))).toBe('o three four');
    expect(continuePrefill('one two', prefill('one two'))).toBe('');
  });

  it('answers nothing when there is no prefill or the full answer does not start with it', () => {
    expect(continuePrefill('one two', undefined)).toBeUndefined();
    expect(continuePrefill('one two', prefill('two'))).toBeUndefined();
    expect(continuePrefill('one two', prefill('one two three'))).toBeUndefined();
  });
});

describe('composeAnswer with a prefill', () => {
  it('answers only the continuation, counted alone in the output tokens', () => {
    const answer = composeAnswer(prompt('echo: one two three four', { prefill: prefill('one two') }), 1);
    expect(answer).toMatchObject({
      tokens: [' three', ' four'],
      finish: 'end',
      outputTokens: 2,
      inputTokens: 10,
    });
  });

  it('gives the full answer when the prefill is not how it starts', () => {
    const answer = composeAnswer(prompt('echo: one two three four', { prefill: prefill('five') }), 1);
    expect(answer.tokens.join('')).toBe('one two three four');
    expect(answer.outputTokens).toBe(4);
  });

  it('continues an invented answer the same way on every host of a seed', () => {
    const full = composeAnswer(prompt('Tell me a story'), 7).tokens.join('');
    const head = full.slice(0, 20);
    const rest = composeAnswer(prompt('Tell me a story', { prefill: prefill(head) }), 7).tokens.join('');
    expect(head + rest).toBe(full);
  });

  it('applies stop sequences and max tokens to the generated text only', () => {
    const stopped = composeAnswer(
      prompt('echo: one two three two four', { prefill: prefill('one two'), stop: ['two'] }),
      1,
    );
    expect(stopped).toMatchObject({ tokens: [' three', ' '], finish: 'stop_sequence', stopSequence: 'two' });
    const limited = composeAnswer(
      prompt('echo: one two three four', { prefill: prefill('one'), maxTokens: 2 }),
      1,
    );
    expect(limited).toMatchObject({ tokens: [' two', ' three'], finish: 'length', outputTokens: 2 });
  });

  it('has no reasoning when it continues (the prefilled turn did the thinking), and keeps it otherwise', () => {
    const continued = composeAnswer(prompt('echo: one two', { thinking: true, prefill: prefill('one') }), 1);
    expect(continued.reasoning).toBeUndefined();
    expect(continued.outputTokens).toBe(1);
    const ignored = composeAnswer(prompt('echo: one two', { thinking: true, prefill: prefill('x') }), 1);
    expect(ignored.reasoning?.text).toBe('Let me think this through.');
    expect(ignored.outputTokens).toBe(2 + 5);
  });

  it('still calls the offered tool: a text prefill does not start a tool call', () => {
    const answer = composeAnswer(
      prompt('Weather?', {
        tools: [{ name: 'get_weather', schema: { type: 'object', properties: {} } }],
        prefill: prefill('It is'),
      }),
      1,
    );
    expect(answer.finish).toBe('tool_calls');
    expect(answer.toolCalls.map((call) => call.name)).toEqual(['get_weather']);
  });
});

describe('composeAnswer with the wrong_answer fault', () => {
  const schema = { type: 'object', properties: { city: { type: 'string' }, unit: { enum: ['c', 'f'] } } };

  it('fills a JSON schema with values of the right types, and of other types when wrong', () => {
    const json = { json: { schema } };
    const right = JSON.parse(composeAnswer(prompt('Describe a city', json), 1).tokens.join(''));
    const wrong = JSON.parse(composeAnswer(prompt('Describe a city', json), 1, true).tokens.join(''));
    expect(right).toMatchObject({ city: expect.any(String), unit: 'c' });
    expect(wrong).toMatchObject({ city: expect.any(Number), unit: 1 });
  });

  it('calls the tool with arguments of the right types, and of other types when wrong', () => {
    const tools = { tools: [{ name: 'weather', schema }] };
    const right = composeAnswer(prompt('Weather?', tools), 1).toolCalls[0];
    const wrong = composeAnswer(prompt('Weather?', tools), 1, true).toolCalls[0];
    expect(right?.name).toBe('weather');
    expect(JSON.parse(right?.arguments ?? '')).toMatchObject({ city: expect.any(String), unit: 'c' });
    expect(wrong?.name).toBe('weather');
    expect(JSON.parse(wrong?.arguments ?? '')).toMatchObject({ city: expect.any(Number), unit: 1 });
  });

  it('solves a canary task, and gets it wrong under the fault', () => {
    expect(composeAnswer(prompt('What is 6 * 7? Answer with the number only.'), 1).tokens.join('')).toBe(
      '42',
    );
    expect(
      composeAnswer(prompt('What is 6 * 7? Answer with the number only.'), 1, true).tokens.join(''),
    ).toBe('43');
  });
});
