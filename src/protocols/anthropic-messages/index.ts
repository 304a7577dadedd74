import type { ProtocolCodec } from '../codec.js';
import { classifyAnthropicStreamError, decodeAnthropicError } from './decode-error.js';
import { decodeAnthropicRequest } from './decode-request.js';
import { decodeAnthropicResponse } from './decode-response.js';
import { createAnthropicStreamDecoder, isPlainAnthropicDelta } from './decode-stream.js';
import { encodeAnthropicError, encodeAnthropicStreamError } from './encode-error.js';
import { encodeAnthropicRequest } from './encode-request.js';
import { encodeAnthropicResponse } from './encode-response.js';
import { createAnthropicStreamEncoder } from './encode-stream.js';
import { readAnthropicUsage } from './map-usage.js';
import { readAnthropicStopReason } from './read-stop-reason.js';

/**
 * The Anthropic Messages wire format, facing clients (`/v1/messages`) and upstream hosts (Anthropic,
 * and clouds that serve Claude with the same API).
 * @see https://docs.anthropic.com/en/api/messages
 */
export const anthropicMessagesCodec: ProtocolCodec = {
  name: 'anthropic-messages',
  decodeRequest: decodeAnthropicRequest,
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  readUsage: readAnthropicUsage,
  createStreamDecoder: createAnthropicStreamDecoder,
  createStreamEncoder: createAnthropicStreamEncoder,
  encodeError: encodeAnthropicError,
  encodeStreamError: encodeAnthropicStreamError,
  decodeError: decodeAnthropicError,
  isPlainDelta: isPlainAnthropicDelta,
  readFinishReason: readAnthropicStopReason,
};

export { UNTRANSLATABLE_PARTS } from './decode-request.js';
export { DEFAULT_MAX_TOKENS } from './encode-request.js';
export { JSON_MODE_TOOL_NAME } from './json-mode-tool.js';
export { classifyAnthropicStreamError };
