import type { ProtocolCodec } from '../codec.js';
import { decodeOpenaiError } from './decode-error.js';
import { decodeOpenaiRequest } from './decode-request.js';
import { decodeOpenaiResponse } from './decode-response.js';
import { createOpenaiStreamDecoder, isPlainOpenaiDelta } from './decode-stream.js';
import { encodeOpenaiError, encodeOpenaiStreamError } from './encode-error.js';
import { encodeOpenaiRequest } from './encode-request.js';
import { encodeOpenaiResponse } from './encode-response.js';
import { createOpenaiStreamEncoder } from './encode-stream.js';
import { readOpenaiUsage } from './map-usage.js';
import { readOpenaiFinishReason } from './read-finish-reason.js';

/**
 * The OpenAI Chat Completions wire format, facing clients (`/v1/chat/completions`) and upstream hosts
 * (OpenAI and OpenAI-compatible servers).
 * @see https://platform.openai.com/docs/api-reference/chat
 */
export const openaiChatCodec: ProtocolCodec = {
  name: 'openai-chat',
  decodeRequest: decodeOpenaiRequest,
  encodeRequest: encodeOpenaiRequest,
  decodeResponse: decodeOpenaiResponse,
  encodeResponse: encodeOpenaiResponse,
  readUsage: readOpenaiUsage,
  createStreamDecoder: createOpenaiStreamDecoder,
  createStreamEncoder: createOpenaiStreamEncoder,
  encodeError: encodeOpenaiError,
  encodeStreamError: encodeOpenaiStreamError,
  decodeError: decodeOpenaiError,
  isPlainDelta: isPlainOpenaiDelta,
  readFinishReason: readOpenaiFinishReason,
};

export type * from './types.js';
