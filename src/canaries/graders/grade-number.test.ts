import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeNumber } from './grade-number.js';

describe('gradeNumber', () => {
  const spec = { kind: 'number', expected: 1517 } as const;

  it('passes the single number, bare, in a sentence or with thousands separators', () => {
    expect(gradeNumber(spec, textAnswer('1517'))).toEqual({ pass: true, detail: 'got 1517' });
    expect(gradeNumber(spec, textAnswer('The answer is 1,517.', true)).pass).toBe(true);
    expect(gradeNumber({ kind: 'number', expected: -42 }, textAnswer('-42')).pass).toBe(true);
  });

  it('fails a wrong number, several numbers, no number and an empty answer', () => {
    expect(gradeNumber(spec, textAnswer('1518'))).toEqual({ pass: false, detail: 'expected 1517, got 1518' });
    expect(gradeNumber(spec, textAnswer('37 * 41 = 1517')).pass).toBe(false);
    expect(gradeNumber(spec, textAnswer('fifteen hundred')).pass).toBe(false);
    expect(gradeNumber(spec, textAnswer('')).detail).toBe('empty answer');
  });

  it('allows the tolerance given', () => {
    expect(gradeNumber({ kind: 'number', expected: 3.14, tolerance: 0.01 }, textAnswer('3.141')).pass).toBe(
      true,
    );
    expect(gradeNumber({ kind: 'number', expected: 3.14, tolerance: 0.01 }, textAnswer('3.2')).pass).toBe(
      false,
    );
  });
});

describe('gradeNumber edges', () => {
  it('counts every number in the detail', () => {
    expect(gradeNumber({ kind: 'number', expected: 1517 }, textAnswer('37 * 41 = 1517'))).toStrictEqual({
      pass: false,
      detail: 'expected one number, found 3 in "37 * 41 = 1517"',
    });
    expect(gradeNumber({ kind: 'number', expected: 1 }, textAnswer('none'))).toStrictEqual({
      pass: false,
      detail: 'expected one number, found 0 in "none"',
    });
  });

  it('passes a difference of exactly the tolerance, on either side, and no more', () => {
    const spec = { kind: 'number', expected: 10, tolerance: 0.5 } as const;
    expect(gradeNumber(spec, textAnswer('10.5'))).toStrictEqual({ pass: true, detail: 'got 10' });
    expect(gradeNumber(spec, textAnswer('9.5')).pass).toBe(true);
    expect(gradeNumber(spec, textAnswer('9'))).toStrictEqual({ pass: false, detail: 'expected 10, got 9' });
    expect(gradeNumber(spec, textAnswer('11')).pass).toBe(false);
    expect(gradeNumber({ kind: 'number', expected: 10 }, textAnswer('9')).pass).toBe(false);
  });
});
