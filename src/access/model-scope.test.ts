import { describe, expect, it } from 'vitest';
import { modelAllowed } from './model-scope.js';

describe('modelAllowed', () => {
  it('allows every model when the key lists none', () => {
    expect(modelAllowed([], 'gpt-5')).toBe(true);
    expect(modelAllowed([], '')).toBe(true);
  });

  it('matches a plain name exactly, case included', () => {
    expect(modelAllowed(['gpt-5'], 'gpt-5')).toBe(true);
    expect(modelAllowed(['gpt-5'], 'gpt-5-mini')).toBe(false);
    expect(modelAllowed(['gpt-5'], 'xgpt-5')).toBe(false);
    expect(modelAllowed(['gpt-5'], 'GPT-5')).toBe(false);
  });

  it('reads `*` as any run of characters, none included', () => {
    expect(modelAllowed(['claude-*'], 'claude-opus-4.7')).toBe(true);
    expect(modelAllowed(['claude-*'], 'claude-')).toBe(true);
    expect(modelAllowed(['claude-*'], 'my-claude-opus')).toBe(false);
    expect(modelAllowed(['*-mini'], 'gpt-5-mini')).toBe(true);
    expect(modelAllowed(['*-mini'], 'gpt-5-mini-2')).toBe(false);
    expect(modelAllowed(['*'], 'anything at all')).toBe(true);
  });

  it('lets `*` run across a line break', () => {
    expect(modelAllowed(['a*b'], 'a\nb')).toBe(true);
    expect(modelAllowed(['a?b'], 'a\nb')).toBe(true);
  });

  it('reads `?` as exactly one character', () => {
    expect(modelAllowed(['gpt-?'], 'gpt-5')).toBe(true);
    expect(modelAllowed(['gpt-?'], 'gpt-')).toBe(false);
    expect(modelAllowed(['gpt-?'], 'gpt-55')).toBe(false);
  });

  it('reads regular-expression characters in a glob literally', () => {
    expect(modelAllowed(['gpt-4.1'], 'gpt-4.1')).toBe(true);
    expect(modelAllowed(['gpt-4.1'], 'gpt-4x1')).toBe(false);
    const literal: [string, string][] = [
      ['a+', 'aa'],
      ['^a', 'a'],
      ['a$', 'a'],
      ['a{2}', 'aa'],
      ['(a)', 'a'],
      ['a|b', 'a'],
      ['[ab]', 'a'],
      ['a\\d', 'a5'],
      ['a\\', 'a'],
      ['a]', 'a'],
      ['a}', 'a'],
    ];
    for (const [glob, other] of literal) {
      expect(modelAllowed([glob], glob), glob).toBe(true);
      expect(modelAllowed([glob], other), `${glob} against ${other}`).toBe(false);
    }
  });

  it('allows a model any one of the globs matches', () => {
    expect(modelAllowed(['gpt-*', 'claude-haiku-*'], 'claude-haiku-4.5')).toBe(true);
    expect(modelAllowed(['gpt-*', 'claude-haiku-*'], 'claude-opus-4.7')).toBe(false);
  });

  it('answers the same for a glob seen before (compiled once)', () => {
    expect(modelAllowed(['x-?'], 'x-1')).toBe(true);
    expect(modelAllowed(['x-?'], 'x-1')).toBe(true);
    expect(modelAllowed(['x-?'], 'y-1')).toBe(false);
  });
});
