import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeRetrieval } from './grade-retrieval.js';

describe('gradeRetrieval', () => {
  const spec = { kind: 'retrieval', needle: 'K7-RIVER-42' } as const;

  it('passes an answer that contains the needle, in any case', () => {
    expect(gradeRetrieval(spec, textAnswer('The code is k7-river-42.', true)).pass).toBe(true);
  });

  it('fails an answer without it, and an empty answer', () => {
    expect(gradeRetrieval(spec, textAnswer('K7-RIVER-41'))).toEqual({
      pass: false,
      detail: 'expected "K7-RIVER-42", got "K7-RIVER-41"',
    });
    expect(gradeRetrieval(spec, textAnswer('')).detail).toBe('empty answer');
  });
});

describe('gradeRetrieval details', () => {
  it('finds a lower-case needle in upper-case text, and says so', () => {
    expect(
      gradeRetrieval({ kind: 'retrieval', needle: 'k7-river-42' }, textAnswer('CODE K7-RIVER-42')),
    ).toStrictEqual({
      pass: true,
      detail: 'found the planted fact',
    });
  });
});
