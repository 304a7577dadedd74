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

describe('gradeCasing details', () => {
  it('says which casing failed, and passes each casing with its name', () => {
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('QUIET harbor'))).toStrictEqual({
      pass: false,
      detail: 'not all upper case: "QUIET harbor"',
    });
    expect(gradeCasing({ kind: 'casing', casing: 'lower' }, textAnswer('Quiet'))).toStrictEqual({
      pass: false,
      detail: 'not all lower case: "Quiet"',
    });
    expect(gradeCasing({ kind: 'casing', casing: 'lower' }, textAnswer('quiet'))).toStrictEqual({
      pass: true,
      detail: 'lower case',
    });
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('QUIET'))).toStrictEqual({
      pass: true,
      detail: 'upper case',
    });
    expect(
      gradeCasing({ kind: 'casing', casing: 'exact', expected: 'iPhone' }, textAnswer('"iPhone."')),
    ).toStrictEqual({ pass: true, detail: 'exact case' });
  });

  it('fails text without letters for upper and lower, but not for an exact string', () => {
    expect(gradeCasing({ kind: 'casing', casing: 'upper' }, textAnswer('123'))).toStrictEqual({
      pass: false,
      detail: 'no letters',
    });
    expect(gradeCasing({ kind: 'casing', casing: 'lower' }, textAnswer('4 2'))).toStrictEqual({
      pass: false,
      detail: 'no letters',
    });
    expect(
      gradeCasing({ kind: 'casing', casing: 'exact', expected: '1234' }, textAnswer('1234')),
    ).toStrictEqual({ pass: true, detail: 'exact case' });
  });

  it('names the expected string and the answer, and refuses exact casing without one', () => {
    expect(
      gradeCasing({ kind: 'casing', casing: 'upper', expected: 'QUIET' }, textAnswer('LOUD')),
    ).toStrictEqual({ pass: false, detail: 'expected "QUIET", got "LOUD"' });
    expect(
      gradeCasing({ kind: 'casing', casing: 'exact', expected: 'iPhone' }, textAnswer('IPHONE')),
    ).toStrictEqual({ pass: false, detail: 'expected "iPhone", got "IPHONE"' });
    expect(gradeCasing({ kind: 'casing', casing: 'exact' }, textAnswer('iPhone'))).toStrictEqual({
      pass: false,
      detail: 'exact casing needs `expected`',
    });
  });
});
