import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeWordCount } from './grade-word-count.js';

describe('gradeWordCount', () => {
  const spec = { kind: 'word_count', words: 5 } as const;

  it('passes exactly N words, punctuation and contractions not counted apart', () => {
    expect(gradeWordCount(spec, textAnswer('Rivers run to the sea.'))).toEqual({
      pass: true,
      detail: '5 words',
    });
    expect(gradeWordCount(spec, textAnswer("Don't stop, well-known café rules!", true)).pass).toBe(true);
  });

  it('fails more, fewer and no words', () => {
    expect(gradeWordCount(spec, textAnswer('Rivers run to the open sea.'))).toEqual({
      pass: false,
      detail: 'expected 5 words, got 6',
    });
    expect(gradeWordCount(spec, textAnswer('Rivers run.')).pass).toBe(false);
    expect(gradeWordCount(spec, textAnswer('')).detail).toBe('empty answer');
  });
});

describe('gradeWordCount edges', () => {
  it('counts digits, curly apostrophes and chained hyphens as parts of one word', () => {
    const count = (text: string, words: number) =>
      gradeWordCount({ kind: 'word_count', words }, textAnswer(text));
    expect(count('I have 3 cats', 4)).toStrictEqual({ pass: true, detail: '4 words' });
    expect(count('It’s state-of-the-art', 2)).toStrictEqual({ pass: true, detail: '2 words' });
    expect(count("rock 'n' roll", 3).pass).toBe(true);
    expect(count('a - b', 2).pass).toBe(true);
    expect(count('42', 1).pass).toBe(true);
    expect(count('élan vital', 2).pass).toBe(true);
    expect(count('...', 1)).toStrictEqual({ pass: false, detail: 'expected 1 words, got 0' });
  });
});
