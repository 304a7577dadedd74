import { describe, expect, it } from 'vitest';
import { keyFingerprint } from './key-fingerprint.js';
import { BODY_LIMIT, capBody, redactJson, redactText } from './redact-secrets.js';

describe('redactText', () => {
  it('masks the vendors key shapes and keeps the words around them', () => {
    const keys = [
      'sk-proj-abcdefghijklmnopqrstuvwxyz0123',
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
      'AKIAIOSFODNN7EXAMPLE',
      `AIza${'x'.repeat(35)}`,
      `dtr_${'a1'.repeat(20)}`,
      `ghp_${'b'.repeat(36)}`,
      'Bearer abcdefghijkl.mnop',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop',
    ];
    for (const key of keys) {
      const redacted = redactText(`use ${key} now`);
      expect(redacted, key).toBe('use [redacted] now');
    }
    expect(redactText('a skeleton key, ask-me, AKIA')).toBe('a skeleton key, ask-me, AKIA');
  });
});

describe('redactJson', () => {
  it('masks fields named like secrets and key-looking strings at any depth', () => {
    const body = {
      model: 'm',
      api_key: 'anything',
      metadata: { password: 'hunter2', note: 'key sk-abcdefghijklmnopqrstu' },
      messages: [{ role: 'user', content: 'hi' }],
    };
    expect(redactJson(body)).toEqual({
      model: 'm',
      api_key: '[redacted]',
      metadata: { password: '[redacted]', note: 'key [redacted]' },
      messages: [{ role: 'user', content: 'hi' }],
    });
  });
});

describe('capBody', () => {
  it('cuts a body past the limit and says how much is missing', () => {
    expect(capBody('short')).toBe('short');
    const long = 'x'.repeat(BODY_LIMIT + 10);
    expect(capBody(long)).toBe(`${'x'.repeat(BODY_LIMIT)}…[10 more characters not stored]`);
    expect(capBody('x'.repeat(BODY_LIMIT))).toBe('x'.repeat(BODY_LIMIT));
  });

  it('adds what the caller already left out to the count', () => {
    const long = 'x'.repeat(BODY_LIMIT + 10);
    expect(capBody(long, 5)).toBe(`${'x'.repeat(BODY_LIMIT)}…[15 more characters not stored]`);
    // Redaction can shorten a collected body below the limit; what was not kept still counts.
    expect(capBody('short', 7)).toBe('short…[7 more characters not stored]');
  });
});

describe('keyFingerprint', () => {
  it('names a presented key by a hash prefix, the same for Bearer and x-api-key, null without one', () => {
    const bearer = keyFingerprint({ authorization: 'Bearer sk-client-1' });
    expect(bearer).toMatch(/^sha256:[0-9a-f]{12}$/);
    expect(keyFingerprint({ 'x-api-key': 'sk-client-1' })).toBe(bearer);
    expect(keyFingerprint({ authorization: 'Bearer sk-client-2' })).not.toBe(bearer);
    expect(keyFingerprint({})).toBeNull();
    expect(keyFingerprint({ authorization: 'Basic abc' })).toBeNull();
  });
});
