import type { UpstreamCodec } from '../codec.js';
import {
  classifyBedrockStreamException,
  decodeConverseError,
  normalizeBedrockErrorType,
} from './decode-error.js';
import { decodeConverseResponse } from './decode-response.js';
import { createConverseStreamDecoder, isPlainConverseDelta } from './decode-stream.js';
import { encodeConverseRequest } from './encode-request.js';
import { readConverseUsage } from './map-usage.js';

/**
 * Amazon Bedrock's Converse / ConverseStream wire format, facing upstream hosts only (no client
 * speaks it). Streams arrive as decoded event-stream frames; see `decode-stream.ts` for the contract.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export const bedrockConverseCodec: UpstreamCodec = {
  name: 'bedrock-converse',
  encodeRequest: encodeConverseRequest,
  decodeResponse: decodeConverseResponse,
  readUsage: readConverseUsage,
  createStreamDecoder: createConverseStreamDecoder,
  decodeError: decodeConverseError,
  isPlainDelta: isPlainConverseDelta,
};

export { BEDROCK_ERROR_CLASSES } from './bedrock-error-classes.js';
export {
  type ConverseUntranslatable,
  findConverseUntranslatableContent,
} from './find-untranslatable-content.js';
export { classifyBedrockStreamException, normalizeBedrockErrorType };
