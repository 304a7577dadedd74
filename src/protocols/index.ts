import type { ProtocolName } from '../core/index.js';
import { anthropicMessagesCodec } from './anthropic-messages/index.js';
import type { ProtocolCodec } from './codec.js';
import { openaiChatCodec } from './openai-chat/index.js';

export type * from './codec.js';
export { findUntranslatableField, type UntranslatableField } from './find-untranslatable-field.js';
export { formatSseEvent } from './sse.js';
export { anthropicMessagesCodec, openaiChatCodec };

const CODECS: Readonly<Record<ProtocolName, ProtocolCodec>> = {
  'openai-chat': openaiChatCodec,
  'anthropic-messages': anthropicMessagesCodec,
};

/** The codec of a wire format. */
export function codecFor(protocol: ProtocolName): ProtocolCodec {
  return CODECS[protocol];
}
