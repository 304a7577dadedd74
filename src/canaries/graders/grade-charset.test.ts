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
