import type { ProtocolName, WireProtocol } from '../core/index.js';
import { anthropicMessagesCodec } from './anthropic-messages/index.js';
import { bedrockConverseCodec } from './bedrock-converse/index.js';
import type { ProtocolCodec, UpstreamCodec } from './codec.js';
import { geminiCodec } from './gemini/index.js';
import { openaiChatCodec } from './openai-chat/index.js';

export {
  BEDROCK_ERROR_CLASSES,
  classifyBedrockStreamException,
  normalizeBedrockErrorType,
} from './bedrock-converse/index.js';
export type * from './codec.js';
export { findUntranslatableField, type UntranslatableField } from './find-untranslatable-field.js';
export { ownEntry } from './narrow-json.js';
export { formatSseEvent } from './sse.js';
export { anthropicMessagesCodec, bedrockConverseCodec, geminiCodec, openaiChatCodec };

const CODECS: Readonly<Record<ProtocolName, ProtocolCodec>> = {
  'openai-chat': openaiChatCodec,
  'anthropic-messages': anthropicMessagesCodec,
};

/** The codec of a wire format. */
export function codecFor(protocol: ProtocolName): ProtocolCodec {
  return CODECS[protocol];
}

/** Formats only upstream hosts speak. */
const UPSTREAM_ONLY_CODECS: Readonly<Record<Exclude<WireProtocol, ProtocolName>, UpstreamCodec>> = {
  gemini: geminiCodec,
  'bedrock-converse': bedrockConverseCodec,
};

/** The upstream-facing codec of any wire format a host can speak. */
export function upstreamCodecFor(protocol: WireProtocol): UpstreamCodec {
  if (protocol === 'openai-chat' || protocol === 'anthropic-messages') return CODECS[protocol];
  return UPSTREAM_ONLY_CODECS[protocol];
}
