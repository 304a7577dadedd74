import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradeCasing } from './grade-casing.js';

describe('gradeCasing', () => {
  it('passes all upper, all lower, and the exact string', () => {
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('QUIET HARBOR'))).toEqual({
      pass: true,
      detail: 'upper case',
    });
    expect(gradeCasing({ kind: 'casing', casing: 'lower' }, textAnswer('quiet harbor', true)).pass).toBe(
      true,
    );
    expect(
      gradeCasing({ kind: 'casing', casing: 'exact', expected: 'iPhone' }, textAnswer('iPhone')).pass,
    ).toBe(true);
  });

  it('fails mixed case, other words, no letters and an empty answer', () => {
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('QUIET harbor')).pass).toBe(false);
    expect(gradeCasing({ kind: 'casing', casing: 'lower' }, textAnswer('Quiet harbor')).pass).toBe(false);
    expect(
      gradeCasing({ kind: 'casing', casing: 'exact', expected: 'iPhone' }, textAnswer('IPhone')).pass,
    ).toBe(false);
    expect(gradeCasing({ kind: 'casing', casing: 'upper', expected: 'QUIET' }, textAnswer('LOUD')).pass).toBe(
      false,
    );
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('123')).pass).toBe(false);
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('')).detail).toBe('empty answer');
  });
});
