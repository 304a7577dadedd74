import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyFingerprint } from './key-fingerprint.js';

const expected = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;

describe('keyFingerprint', () => {
  it('names a bearer key by the first 12 hex digits of its SHA-256, the same every time', () => {
    const headers = { authorization: 'Bearer sk-client-one' };
    expect(keyFingerprint(headers)).toBe(expected('sk-client-one'));
    expect(keyFingerprint(headers)).toBe(expected('sk-client-one'));
    expect(keyFingerprint({ authorization: 'bearer   sk-client-one ' })).toBe(expected('sk-client-one'));
  });

  it('tells keys apart and falls back to x-api-key', () => {
    expect(keyFingerprint({ authorization: 'Bearer sk-two' })).toBe(expected('sk-two'));
    expect(keyFingerprint({ 'x-api-key': 'sk-ant-three' })).toBe(expected('sk-ant-three'));
    expect(keyFingerprint({ authorization: 'Bearer ', 'x-api-key': 'sk-four' })).toBe(expected('sk-four'));
  });

  it('answers null when no key is presented', () => {
    expect(keyFingerprint({})).toBeNull();
    expect(keyFingerprint({ authorization: 'Basic abc' })).toBeNull();
    expect(keyFingerprint({ 'x-api-key': '  ' })).toBeNull();
  });

  it('stays right for a key seen again after more keys than it remembers', () => {
    expect(keyFingerprint({ authorization: 'Bearer sk-first' })).toBe(expected('sk-first'));
    for (let index = 0; index < 1_500; index += 1) keyFingerprint({ authorization: `Bearer sk-${index}` });
    expect(keyFingerprint({ authorization: 'Bearer sk-first' })).toBe(expected('sk-first'));
    expect(keyFingerprint({ authorization: 'Bearer sk-1499' })).toBe(expected('sk-1499'));
  });
});
