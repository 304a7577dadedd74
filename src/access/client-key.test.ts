import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_KEY_PREFIX,
  generateClientKey,
  hashClientKey,
  presentedKey,
  randomBase62,
  visiblePrefix,
} from './client-key.js';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('randomBase62', () => {
  it('returns exactly the length asked for, including none', () => {
    expect(randomBase62(0)).toBe('');
    expect(randomBase62(1)).toHaveLength(1);
    expect(randomBase62(43)).toHaveLength(43);
    expect(randomBase62(1_000)).toHaveLength(1_000);
  });

  it('uses only base62 characters', () => {
    expect(randomBase62(5_000)).toMatch(/^[0-9A-Za-z]{5000}$/);
  });

  it('draws every character of the alphabet equally often', () => {
    // 1.2 M characters: about 19 355 of each, standard deviation about 138. A bias towards the
    // characters that bytes 248..255 would map to (0..7, 25 % likelier) is some 35 deviations out;
    // the 6 % band is 8 deviations wide, so a fair draw never leaves it.
    const text = randomBase62(1_200_000);
    const counts = new Map<string, number>();
    for (const character of text) counts.set(character, (counts.get(character) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...ALPHABET].sort().join(''));
    const mean = text.length / ALPHABET.length;
    for (const [character, count] of counts) {
      expect(Math.abs(count - mean) / mean, `character ${character}`).toBeLessThan(0.06);
    }
  });

  it('gives a different string each time', () => {
    const drawn = new Set(Array.from({ length: 1_000 }, () => randomBase62(12)));
    expect(drawn.size).toBe(1_000);
  });
});

describe('hashClientKey', () => {
  it('is the hex SHA-256 of the secret', () => {
    // FIPS 180-2's test vector for "abc".
    expect(hashClientKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hashClientKey('dtr_x')).toBe(createHash('sha256').update('dtr_x').digest('hex'));
  });
});

describe('visiblePrefix', () => {
  it('keeps `dtr_` and the next eight characters', () => {
    expect(visiblePrefix('dtr_ABCDEFGHijklmnop')).toBe('dtr_ABCDEFGH');
    expect(visiblePrefix('dtr_abc')).toBe('dtr_abc');
  });
});

describe('generateClientKey', () => {
  it('makes a dtr_ key of 43 base62 characters, its SHA-256 and its 12-character prefix', () => {
    const key = generateClientKey();
    expect(CLIENT_KEY_PREFIX).toBe('dtr_');
    expect(key.secret).toMatch(/^dtr_[0-9A-Za-z]{43}$/);
    expect(key.hash).toBe(createHash('sha256').update(key.secret).digest('hex'));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 12));
    expect(key.prefix).toHaveLength(12);
  });

  it('makes a new secret every time', () => {
    const secrets = new Set(Array.from({ length: 500 }, () => generateClientKey().secret));
    expect(secrets.size).toBe(500);
  });
});

describe('presentedKey', () => {
  it('takes the bearer token of the Authorization header', () => {
    expect(presentedKey({ authorization: 'Bearer dtr_abc' })).toBe('dtr_abc');
  });

  it('reads the scheme in any case and any whitespace after it', () => {
    expect(presentedKey({ authorization: 'bearer dtr_abc' })).toBe('dtr_abc');
    expect(presentedKey({ authorization: 'BEARER dtr_abc' })).toBe('dtr_abc');
    expect(presentedKey({ authorization: 'Bearer \t  dtr_abc  ' })).toBe('dtr_abc');
  });

  it('prefers the bearer token to x-api-key', () => {
    expect(presentedKey({ authorization: 'Bearer dtr_one', 'x-api-key': 'dtr_two' })).toBe('dtr_one');
  });

  it('falls back to x-api-key when the bearer token is empty or the scheme is another', () => {
    expect(presentedKey({ authorization: 'Bearer   ', 'x-api-key': 'dtr_two' })).toBe('dtr_two');
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'dtr_two' })).toBe('dtr_two');
    expect(presentedKey({ authorization: 'Bearerdtr_one', 'x-api-key': 'dtr_two' })).toBe('dtr_two');
    expect(presentedKey({ authorization: 'Token Bearer dtr_one', 'x-api-key': 'dtr_two' })).toBe('dtr_two');
  });

  it('takes x-api-key alone, trimmed', () => {
    expect(presentedKey({ 'x-api-key': 'dtr_two' })).toBe('dtr_two');
    expect(presentedKey({ 'x-api-key': '  dtr_two \t' })).toBe('dtr_two');
  });

  it('finds no key when neither header carries one', () => {
    expect(presentedKey({})).toBeUndefined();
    expect(presentedKey({ authorization: 'Bearer ' })).toBeUndefined();
    expect(presentedKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '   ' })).toBeUndefined();
    expect(presentedKey({ 'x-api-key': '' })).toBeUndefined();
  });

  it('ignores an x-api-key sent more than once', () => {
    expect(presentedKey({ 'x-api-key': ['dtr_one', 'dtr_two'] })).toBeUndefined();
  });
});
