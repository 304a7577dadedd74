import { describe, expect, it } from 'vitest';
import { answerOf, textAnswer, toolAnswer } from './__fixtures__/answer.js';
import { gradeToolCall } from './grade-tool-call.js';

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
  required: ['city', 'unit'],
};
const spec = { kind: 'tool_call', name: 'get_weather', schema, arguments: { unit: 'celsius' } } as const;

describe('gradeToolCall', () => {
  it('passes a call to the tool whose arguments fit the schema and hold the values asked for', () => {
    expect(gradeToolCall(spec, toolAnswer('get_weather', '{"city":"Paris","unit":"celsius"}'))).toEqual({
      pass: true,
      detail: 'called get_weather',
    });
    const twoCalls = answerOf(
      { type: 'tool_call', id: 'a', name: 'search', arguments: '{}' },
      { type: 'tool_call', id: 'b', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    );
    expect(gradeToolCall(spec, twoCalls).pass).toBe(true);
  });

  it('fails another tool, arguments that are not JSON, break the schema or hold other values', () => {
    expect(gradeToolCall(spec, toolAnswer('search', '{}')).detail).toBe(
      'expected a call to get_weather, got search',
    );
    expect(gradeToolCall(spec, toolAnswer('get_weather', '{"city":')).detail).toBe(
      'get_weather: arguments are not JSON',
    );
    expect(gradeToolCall(spec, toolAnswer('get_weather', '{"city":5,"unit":"celsius"}')).detail).toMatch(
      /^get_weather: city: /,
    );
    expect(
      gradeToolCall(spec, toolAnswer('get_weather', '{"city":"Paris","unit":"fahrenheit"}')).detail,
    ).toBe('get_weather: unit: expected "celsius", got "fahrenheit"');
  });

  it('fails an answer without a tool call, and an empty one', () => {
    expect(gradeToolCall(spec, textAnswer('It is sunny.')).detail).toBe('no tool call');
    expect(gradeToolCall(spec, textAnswer('')).detail).toBe('empty answer');
  });
});

describe('gradeToolCall edges', () => {
  it('takes empty arguments as {}, and passes without a schema or values to check', () => {
    expect(gradeToolCall({ kind: 'tool_call', name: 'ping' }, toolAnswer('ping', ''))).toStrictEqual({
      pass: true,
      detail: 'called ping',
    });
    expect(gradeToolCall({ kind: 'tool_call', name: 'ping' }, toolAnswer('ping', '[1]'))).toStrictEqual({
      pass: true,
      detail: 'called ping',
    });
    expect(
      gradeToolCall({ kind: 'tool_call', name: 'ping', arguments: { n: 1 } }, toolAnswer('ping', '')),
    ).toStrictEqual({ pass: false, detail: 'ping: n: expected 1, got nothing' });
  });

  it('names every tool called when none is the one asked for', () => {
    const answer = answerOf(
      { type: 'tool_call', id: 'a', name: 'search', arguments: '{}' },
      { type: 'tool_call', id: 'b', name: 'lookup', arguments: '{}' },
    );
    expect(gradeToolCall(spec, answer)).toStrictEqual({
      pass: false,
      detail: 'expected a call to get_weather, got search, lookup',
    });
  });

  it('gives the schema problem with the tool name', () => {
    expect(gradeToolCall(spec, toolAnswer('get_weather', '{"unit":"celsius"}'))).toStrictEqual({
      pass: false,
      detail: 'get_weather: city: Invalid input: expected string, received undefined',
    });
  });
});
