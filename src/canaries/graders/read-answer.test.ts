import { describe, expect, it } from 'vitest';
import { answerOf } from './__fixtures__/answer.js';
import { answerText, EMPTY_ANSWER, excerpt, fail, normalise, pass, toolCallsOf } from './read-answer.js';

describe('answerText', () => {
  it('joins the text parts, trimmed, and leaves tool calls and reasoning out', () => {
    const answer = answerOf(
      { type: 'text', text: '  one ' },
      { type: 'tool_call', id: 'c', name: 'look', arguments: '{}' },
      { type: 'text', text: 'two  ' },
    );
    expect(answerText(answer)).toBe('one two');
  });
});

describe('toolCallsOf', () => {
  it('keeps only the tool calls, in order', () => {
    const first = { type: 'tool_call', id: 'a', name: 'first', arguments: '{}' } as const;
    const second = { type: 'tool_call', id: 'b', name: 'second', arguments: '' } as const;
    expect(toolCallsOf(answerOf({ type: 'text', text: 'x' }, first, second))).toStrictEqual([first, second]);
  });
});

describe('pass, fail and EMPTY_ANSWER', () => {
  it('are grades with their detail', () => {
    expect(pass('fine')).toStrictEqual({ pass: true, detail: 'fine' });
    expect(fail('bad')).toStrictEqual({ pass: false, detail: 'bad' });
    expect(EMPTY_ANSWER).toStrictEqual({ pass: false, detail: 'empty answer' });
  });
});

describe('excerpt', () => {
  it('quotes the text with its whitespace flattened, cut after 40 characters', () => {
    expect(excerpt('a \n\t b')).toBe('"a b"');
    expect(excerpt('x'.repeat(40))).toBe(`"${'x'.repeat(40)}"`);
    expect(excerpt('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…"`);
    expect(excerpt('abcdef', 3)).toBe('"abc…"');
    expect(excerpt('abc', 3)).toBe('"abc"');
  });
});

describe('normalise', () => {
  it('drops surrounding quotes and backticks, one final full stop or bang, and folds whitespace', () => {
    expect(normalise('  "quiet   harbor."  ')).toBe('quiet harbor');
    expect(normalise("'quiet harbor'")).toBe('quiet harbor');
    expect(normalise('``quiet harbor``')).toBe('quiet harbor');
    expect(normalise('quiet harbor!')).toBe('quiet harbor');
    expect(normalise('quiet harbor..')).toBe('quiet harbor.');
    expect(normalise('.quiet harbor')).toBe('.quiet harbor');
    expect(normalise('quiet\n\tharbor')).toBe('quiet harbor');
    expect(normalise('it"s ok')).toBe('it"s ok');
    expect(normalise('harbor. ')).toBe('harbor');
    expect(normalise('"harbor ."')).toBe('harbor');
  });
});
