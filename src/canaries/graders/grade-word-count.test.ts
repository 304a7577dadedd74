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
