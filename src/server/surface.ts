import type { ProtocolName } from '../core/index.js';

/** Which client API a URL belongs to, so errors are rendered in that API's own shape. */
export function surfaceOf(url: string): ProtocolName {
  return url.startsWith('/v1/messages') ? 'anthropic-messages' : 'openai-chat';
}
