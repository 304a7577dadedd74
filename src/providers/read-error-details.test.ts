import { describe, expect, it } from 'vitest';
import { anthropicMessagesCodec, openaiChatCodec } from '../protocols/index.js';
import { readJsonErrorDetails } from './read-error-details.js';

describe('readJsonErrorDetails', () => {
  it("reads a JSON body with the wire format's own error reader", () => {
    const parsed = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

    expect(readJsonErrorDetails(anthropicMessagesCodec, parsed, JSON.stringify(parsed))).toStrictEqual(
      anthropicMessagesCodec.decodeError(parsed),
    );
    expect(readJsonErrorDetails(anthropicMessagesCodec, parsed, '').message).toBe('Overloaded');
  });

  it('reads a JSON body that is no error of the format with the reader too, not as text', () => {
    const parsed = { unexpected: true };

    expect(readJsonErrorDetails(openaiChatCodec, parsed, 'raw text')).toStrictEqual(
      openaiChatCodec.decodeError(parsed),
    );
  });

  it('lends the first 200 characters of a body that is not JSON', () => {
    const page = `<html>${'x'.repeat(300)}</html>`;

    expect(readJsonErrorDetails(openaiChatCodec, undefined, page)).toStrictEqual({
      message: page.slice(0, 200),
    });
    expect(readJsonErrorDetails(openaiChatCodec, undefined, 'Bad Gateway')).toStrictEqual({
      message: 'Bad Gateway',
    });
  });

  it('gives no message for an empty body that is not JSON', () => {
    expect(readJsonErrorDetails(openaiChatCodec, undefined, '')).toStrictEqual({ message: undefined });
  });
});
