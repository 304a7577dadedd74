import { describe, expect, it } from 'vitest';
import { textAnswer } from './__fixtures__/answer.js';
import { type CharsetSpec, gradeCharset, longestRepeat } from './grade-charset.js';

describe('gradeCharset', () => {
  const spec: CharsetSpec = { kind: 'charset', contains: ['café', '東京'] };

  it('passes clean non-ASCII text holding the strings asked for, however it is normalised', () => {
    expect(gradeCharset(spec, textAnswer('Un café à 東京 — naïve ’quotes’', true))).toEqual({
      pass: true,
      detail: 'clean text',
    });
    expect(gradeCharset(spec, textAnswer('cafe\u0301 東京')).pass).toBe(true);
  });

  it('fails mojibake, U+FFFD, control characters and missing strings', () => {
    expect(gradeCharset(spec, textAnswer('cafÃ© 東京')).detail).toBe('mojibake "Ã©"');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('it’s â€™ here')).detail).toBe('mojibake "â€"');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('caf\ufffd')).pass).toBe(false);
    expect(gradeCharset({ kind: 'charset' }, textAnswer('bell\u0007')).detail).toBe(
      'control character U+0007',
    );
    expect(gradeCharset({ kind: 'charset' }, textAnswer('c1\u0085')).pass).toBe(false);
    expect(gradeCharset(spec, textAnswer('cafe 東京')).detail).toMatch(/^missing "café"/);
  });

  it('fails a generation loop and an empty answer, but not a few repeats', () => {
    const loop = `Sure. ${'the river the river '.repeat(4)}end`;
    expect(gradeCharset({ kind: 'charset' }, textAnswer(loop)).detail).toBe('loop: "the river" ×8');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('no no no, not that')).pass).toBe(true);
    expect(gradeCharset({ kind: 'charset' }, textAnswer('')).detail).toBe('empty answer');
  });
});

describe('longestRepeat', () => {
  it('finds the longest back-to-back run of an n-gram', () => {
    expect(longestRepeat('a b c a b c a b c d')).toEqual({ ngram: 'a b c', times: 3 });
  });
});

describe('gradeCharset edges', () => {
  it('allows tabs, newlines and carriage returns, and refuses DEL and C1 controls at both ends', () => {
    expect(gradeCharset({ kind: 'charset' }, textAnswer('a\tb\nc\r\nd'))).toStrictEqual({
      pass: true,
      detail: 'clean text',
    });
    expect(gradeCharset({ kind: 'charset' }, textAnswer('a\u007fb')).detail).toBe('control character U+007f');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('a\u009fb')).detail).toBe('control character U+009f');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('a\u001fb')).detail).toBe('control character U+001f');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('a\u0000b')).detail).toBe('control character U+0000');
    expect(gradeCharset({ kind: 'charset' }, textAnswer('tilde~ and\u00a0no-break')).pass).toBe(true);
  });

  it('fails a run of six by default, not of five, and honours maxRepeats', () => {
    expect(gradeCharset({ kind: 'charset' }, textAnswer('go go go go go'))).toStrictEqual({
      pass: true,
      detail: 'clean text',
    });
    expect(gradeCharset({ kind: 'charset' }, textAnswer('go go go go go go'))).toStrictEqual({
      pass: false,
      detail: 'loop: "go" ×6',
    });
    expect(gradeCharset({ kind: 'charset', maxRepeats: 2 }, textAnswer('no no'))).toStrictEqual({
      pass: false,
      detail: 'loop: "no" ×2',
    });
    expect(gradeCharset({ kind: 'charset', maxRepeats: 3 }, textAnswer('no no')).pass).toBe(true);
  });

  it('cuts a long looping n-gram to 20 characters in the detail', () => {
    const loop = 'abcdefghijklmnopqrstuvwxyz '.repeat(6);
    expect(gradeCharset({ kind: 'charset' }, textAnswer(loop)).detail).toBe(
      'loop: "abcdefghijklmnopqrst…" ×6',
    );
  });

  it('finds a composed string asked for in decomposed form, and names what is missing', () => {
    expect(gradeCharset({ kind: 'charset', contains: ['cafe\u0301'] }, textAnswer('un café')).pass).toBe(
      true,
    );
    expect(
      gradeCharset({ kind: 'charset', contains: ['東京', 'naïve'] }, textAnswer('東京 naive')),
    ).toStrictEqual({
      pass: false,
      detail: 'missing "naïve" in "東京 naive"',
    });
  });
});

describe('longestRepeat edges', () => {
  it('counts a run that ends the text, keeps the first of equal runs, and ignores edge whitespace', () => {
    expect(longestRepeat('a a a')).toStrictEqual({ ngram: 'a', times: 3 });
    expect(longestRepeat('a a b b')).toStrictEqual({ ngram: 'a', times: 2 });
    expect(longestRepeat('  x  ')).toStrictEqual({ ngram: 'x', times: 1 });
    expect(longestRepeat('')).toStrictEqual({ ngram: '', times: 0 });
    expect(longestRepeat('x 1 2 3 4 5 6 7 8 1 2 3 4 5 6 7 8')).toStrictEqual({
      ngram: '1 2 3 4 5 6 7 8',
      times: 2,
    });
    expect(longestRepeat('1 2 3 4 5 6 7 8 9 1 2 3 4 5 6 7 8 9').times).toBe(1);
  });
});
