import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { gradePrime, isPrime } from './grade-prime.js';

describe('isPrime', () => {
  it('knows the primes below 30 and a few larger numbers', () => {
    const primes = Array.from({ length: 30 }, (_, value) => value).filter(isPrime);
    expect(primes).toEqual([2, 3, 5, 7, 11, 13, 17, 19, 23, 29]);
    expect(isPrime(7919)).toBe(true);
    expect(isPrime(7917)).toBe(false);
    expect(isPrime(1_000_003 * 1)).toBe(true);
    expect(isPrime(1009 * 1013)).toBe(false);
  });
});

describe('gradePrime', () => {
  it('passes the true yes or no, whatever its case and punctuation', () => {
    expect(gradePrime({ kind: 'prime', n: 97 }, textAnswer('Yes.'))).toEqual({
      pass: true,
      detail: '97 is prime',
    });
    expect(gradePrime({ kind: 'prime', n: 91 }, textAnswer('no', true)).pass).toBe(true);
  });

  it('fails the false answer, both or neither word, and an empty answer', () => {
    expect(gradePrime({ kind: 'prime', n: 91 }, textAnswer('yes'))).toEqual({
      pass: false,
      detail: '91 is not prime, answered yes',
    });
    expect(gradePrime({ kind: 'prime', n: 97 }, textAnswer('yes and no')).pass).toBe(false);
    expect(gradePrime({ kind: 'prime', n: 97 }, textAnswer('prime')).pass).toBe(false);
    expect(gradePrime({ kind: 'prime', n: 97 }, textAnswer('')).detail).toBe('empty answer');
  });
});

describe('gradePrime details', () => {
  it('names the truth and the answer either way', () => {
    expect(gradePrime({ kind: 'prime', n: 91 }, textAnswer('No'))).toStrictEqual({
      pass: true,
      detail: '91 is not prime',
    });
    expect(gradePrime({ kind: 'prime', n: 97 }, textAnswer('NO.'))).toStrictEqual({
      pass: false,
      detail: '97 is prime, answered no',
    });
    expect(gradePrime({ kind: 'prime', n: 97 }, textAnswer('42'))).toStrictEqual({
      pass: false,
      detail: 'expected yes or no, got "42"',
    });
    expect(gradePrime({ kind: 'prime', n: 2 }, textAnswer('YES'))).toStrictEqual({
      pass: true,
      detail: '2 is prime',
    });
  });

  it('knows 0, 1, 4 and the squares of odd primes are not prime', () => {
    expect([0, 1, 4, 9, 25, 49, 121, 169].filter(isPrime)).toEqual([]);
    expect([2, 3, 5, 7].every(isPrime)).toBe(true);
  });
});
