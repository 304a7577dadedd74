import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeExact } from './grade-exact.js';

describe('gradeExact', () => {
  const spec = { kind: 'exact', expected: 'quiet harbor' } as const;

  it('passes the expected text, trimmed, quoted or with a full stop, in any case', () => {
    expect(gradeExact(spec, textAnswer('quiet harbor')).pass).toBe(true);
    expect(gradeExact(spec, textAnswer('  "Quiet  Harbor." ', true)).pass).toBe(true);
  });

  it('fails other text, other case when case-sensitive, and an empty answer', () => {
    expect(gradeExact(spec, textAnswer('harbor quiet'))).toEqual({
      pass: false,
      detail: 'expected "quiet harbor", got "harbor quiet"',
    });
    expect(gradeExact({ ...spec, caseSensitive: true }, textAnswer('Quiet harbor')).pass).toBe(false);
    expect(gradeExact(spec, textAnswer('   '))).toEqual({ pass: false, detail: 'empty answer' });
  });
});

const spec0 = { kind: 'exact', expected: 'Quiet Harbor' } as const;

describe('gradeExact details', () => {
  it('passes with "exact match", also case-sensitively', () => {
    expect(gradeExact(spec0, textAnswer('Quiet Harbor'))).toStrictEqual({
      pass: true,
      detail: 'exact match',
    });
    expect(gradeExact({ ...spec0, caseSensitive: true }, textAnswer("'Quiet Harbor.'"))).toStrictEqual({
      pass: true,
      detail: 'exact match',
    });
    expect(gradeExact({ ...spec0, caseSensitive: false }, textAnswer('quiet harbor')).pass).toBe(true);
  });
});
