import { describe, expect, it } from 'vitest';
import { encodeBodyWithout } from './encode-google-body.js';

describe('encodeBodyWithout', () => {
  it('encodes the body without the fields named, leaving the body it was given as it was', () => {
    const body = { model: 'gemini-2.5-flash', stream: true, contents: [{ parts: [{ text: 'hi' }] }] };

    expect(encodeBodyWithout(body, ['model', 'stream'])).toBe('{"contents":[{"parts":[{"text":"hi"}]}]}');
    expect(body).toStrictEqual({
      model: 'gemini-2.5-flash',
      stream: true,
      contents: [{ parts: [{ text: 'hi' }] }],
    });
  });

  it('encodes the whole body when no field is named or none is there', () => {
    expect(encodeBodyWithout({ a: 1 }, [])).toBe('{"a":1}');
    expect(encodeBodyWithout({ a: 1 }, ['model'])).toBe('{"a":1}');
  });
});
