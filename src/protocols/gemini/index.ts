import type { UpstreamCodec } from '../codec.js';
import { classifyGeminiStreamError, decodeGeminiError } from './decode-error.js';
import { decodeGeminiResponse } from './decode-response.js';
import { createGeminiStreamDecoder, isPlainGeminiDelta } from './decode-stream.js';
import { encodeGeminiRequest } from './encode-request.js';
import { readGeminiUsage } from './map-usage.js';

/**
 * Google's `generateContent` / `streamGenerateContent?alt=sse` wire format, spoken by the Gemini API
 * and by Vertex AI's Gemini models. Only hosts speak it, so it has only the upstream-facing half.
 * @see https://ai.google.dev/api/generate-content
 */
export const geminiCodec: UpstreamCodec = {
  name: 'gemini',
  encodeRequest: encodeGeminiRequest,
  decodeResponse: decodeGeminiResponse,
  readUsage: readGeminiUsage,
  createStreamDecoder: createGeminiStreamDecoder,
  decodeError: decodeGeminiError,
  isPlainDelta: isPlainGeminiDelta,
};

export { isGeminiReadableImage } from './map-image.js';
export { GEMINI_SIGNATURE_PREFIX, unmarkGeminiSignature } from './thought-signature.js';
export type * from './types.js';
export { classifyGeminiStreamError };
