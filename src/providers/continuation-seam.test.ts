import { describe, expect, it } from 'vitest';
import { DetourError } from '../core/index.js';
import { ContinuationSeam } from './continuation-seam.js';

const LONG = ' and then the story went on for quite a while longer than anyone expected';

describe('ContinuationSeam (prefill)', () => {
  it('drops the whitespace the client already has when the host begins with it again', () => {
    const seam = new ContinuationSeam('one two ', 'prefill');
    expect(seam.accept(' three')).toBe('');
    expect(seam.finish()).toBe('three');
  });

  it('keeps a continuation that begins without that whitespace', () => {
    const seam = new ContinuationSeam('one two ', 'prefill');
    expect(seam.accept('three')).toBe('');
    expect(seam.finish()).toBe('three');
  });

  it('passes text on unchanged when the client text ended without whitespace', () => {
    const seam = new ContinuationSeam('one two', 'prefill');
    expect(seam.accept(LONG)).toBe(LONG);
    expect(seam.accept(' more')).toBe(' more');
    expect(seam.finish()).toBe('');
  });

  it('holds text back until 64 characters, then lets everything through', () => {
    const seam = new ContinuationSeam('one', 'prefill');
    expect(seam.accept(LONG.slice(0, 63))).toBe('');
    expect(seam.accept(LONG.slice(63))).toBe(LONG);
    expect(seam.accept('!')).toBe('!');
  });

  it('cuts a continuation that restates at least 12 characters of the end of the client text', () => {
    const seam = new ContinuationSeam('it was the best of times, it was the worst', 'prefill');
    expect(seam.finish()).toBe('');
    const restating = new ContinuationSeam('it was the best of times, it was the worst', 'prefill');
    restating.accept(' it was the worst of times');
    expect(restating.finish()).toBe(' of times');
  });

  it('keeps a repeat shorter than 12 characters: it is as likely to be real text', () => {
    const seam = new ContinuationSeam('she said no', 'prefill');
    seam.accept(' said no more');
    expect(seam.finish()).toBe(' said no more');
    const eleven = new ContinuationSeam('abcdefghijk', 'prefill');
    eleven.accept('abcdefghijk!');
    expect(eleven.finish()).toBe('abcdefghijk!');
    const twelve = new ContinuationSeam('xabcdefghijkl', 'prefill');
    twelve.accept('abcdefghijkl!');
    expect(twelve.finish()).toBe('!');
  });

  it('waits for the rest of a skipped whitespace run longer than the hold-back window', () => {
    const seam = new ContinuationSeam(`Hi${' '.repeat(100)}`, 'prefill');
    expect(seam.accept(' '.repeat(70))).toBe('');
    expect(seam.accept(`${' '.repeat(30)}World`)).toBe('');
    expect(seam.finish()).toBe('World');
  });

  it('waits while the text so far could still be the skipped whitespace', () => {
    const seam = new ContinuationSeam('one two \n', 'prefill');
    expect(seam.accept(' ')).toBe('');
    expect(seam.accept('\nthree')).toBe('');
    expect(seam.finish()).toBe('three');
  });

  it('sends nothing when the host ends after part of the whitespace the client already has', () => {
    // Regression: finish() sent the partial whitespace, which the client had already received.
    const single = new ContinuationSeam('one two \n', 'prefill');
    expect(single.accept(' ')).toBe('');
    expect(single.finish()).toBe('');
    const double = new ContinuationSeam('one two \n\n', 'prefill');
    expect(double.accept(' \n')).toBe('');
    expect(double.finish()).toBe('');
  });

  it('lets a continuation of exactly 64 characters through at once', () => {
    const seam = new ContinuationSeam('one', 'prefill');
    const text = 'x'.repeat(64);
    expect(seam.accept(text)).toBe(text);
    expect(seam.finish()).toBe('');
  });

  it('stops waiting for a long whitespace run once the text is something else', () => {
    const seam = new ContinuationSeam(`Hi${' '.repeat(100)}`, 'prefill');
    const text = `World${'!'.repeat(70)}`;
    expect(seam.accept(text)).toBe(text);
  });

  it('finds a restatement after the whitespace the continuation begins with', () => {
    const seam = new ContinuationSeam('Once upon a time there lived a king', 'prefill');
    seam.accept('\nthere lived a king who');
    expect(seam.finish()).toBe(' who');
  });

  it("compares a restatement with the client's text without its trailing whitespace", () => {
    const seam = new ContinuationSeam('the quick brown fox jumps ', 'prefill');
    seam.accept('brown fox jumps over');
    expect(seam.finish()).toBe(' over');
  });
});

describe('ContinuationSeam (replay)', () => {
  it('holds the replay back until it covers the client text, then passes only what is new', () => {
    const seam = new ContinuationSeam('one two', 'replay');
    expect(seam.accept('one')).toBe('');
    expect(seam.accept(' tw')).toBe('');
    expect(seam.accept('o three')).toBe(' three');
    expect(seam.accept(' four')).toBe(' four');
    expect(seam.finish()).toBe('');
  });

  it('passes nothing more when the replay is exactly the client text', () => {
    const seam = new ContinuationSeam('one two', 'replay');
    expect(seam.accept('one two')).toBe('');
    expect(seam.finish()).toBe('');
  });

  it('throws as soon as the replay differs from the client text', () => {
    const seam = new ContinuationSeam('one two', 'replay');
    expect(seam.accept('one ')).toBe('');
    expect(() => seam.accept('three')).toThrow(DetourError);
    const late = new ContinuationSeam('one two', 'replay');
    expect(() => late.accept('one twx and more')).toThrow(/did not begin with the text already sent/);
  });

  it('finishes a replay of a client that has no text yet with nothing held', () => {
    const seam = new ContinuationSeam('', 'replay');
    expect(seam.finish()).toBe('');
  });

  it('throws when the replay finishes short of the client text', () => {
    const seam = new ContinuationSeam('one two three', 'replay');
    seam.accept('one two');
    expect(() => seam.finish()).toThrow(DetourError);
  });

  it('classifies a mismatch as a bad response', () => {
    const seam = new ContinuationSeam('abc', 'replay');
    try {
      seam.accept('xyz');
    } catch (error) {
      expect(error).toMatchObject({ code: 'upstream_bad_response', failureClass: 'bad_response' });
      return;
    }
    throw new Error('expected a mismatch');
  });
});
