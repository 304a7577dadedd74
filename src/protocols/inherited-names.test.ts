import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/index.js';
import { classifyAnthropicStreamError } from './anthropic-messages/decode-error.js';
import { decodeStopReason } from './anthropic-messages/map-stop-reason.js';
import { encodeImageFormat } from './bedrock-converse/map-image-format.js';
import { decodeConverseStopReason } from './bedrock-converse/map-stop-reason.js';
import { classifyGeminiStreamError } from './gemini/decode-error.js';
import { decodeFinishReason as decodeGeminiFinishReason } from './gemini/map-finish-reason.js';
import { imageUrlMediaType } from './gemini/map-image.js';
import { encodeThinkingConfig } from './gemini/map-thinking.js';
import { decodeFinishReason as decodeOpenaiFinishReason } from './openai-chat/map-finish-reason.js';

// Regression: the codecs' lookup tables were read with `table[key]`, and a key from an upstream or a
// client that names what every object inherits (`constructor`, `toString`, `__proto__`) read that
// instead of nothing: an Anthropic stream error of type `toString` threw a TypeError instead of
// failing over, and a stop reason `constructor` decoded as a function.
const INHERITED = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

describe.each(INHERITED)('a key named %s', (name) => {
  it('is an unknown stop reason to every decoder', () => {
    const other = { unified: 'other', raw: name };
    expect(decodeStopReason(name)).toStrictEqual(other);
    expect(decodeConverseStopReason(name)).toStrictEqual(other);
    expect(decodeOpenaiFinishReason(name)).toStrictEqual(other);
    expect(decodeGeminiFinishReason(name, false)).toStrictEqual(other);
  });

  it('is an unknown in-stream error type: a server error that fails over', () => {
    for (const error of [
      classifyAnthropicStreamError({ type: 'error', error: { type: name, message: 'm' } }),
      classifyGeminiStreamError({ error: { status: name, message: 'm' } }),
    ]) {
      expect([error.code, error.failureClass]).toStrictEqual(['upstream_server_error', 'server_error']);
    }
  });

  it('is no image type and no reasoning effort a client can send', () => {
    expect(encodeImageFormat(name)).toBeUndefined();
    expect(imageUrlMediaType(`https://example.com/image.${name}`)).toBeUndefined();
    const request: ChatRequest = {
      model: 'gemini',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stream: false,
      metadata: {},
      vendorOptions: { 'openai-chat': { reasoning_effort: name } },
    };
    expect(encodeThinkingConfig(request)).toBeUndefined();
  });
});
