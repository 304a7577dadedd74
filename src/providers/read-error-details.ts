import type { UpstreamCodec, UpstreamErrorDetails } from '../protocols/index.js';

/**
 * Reads an error body with the wire format's own error reader; a body that is not JSON (a proxy's
 * HTML page) still lends the start of its text as the message.
 */
export function readJsonErrorDetails(
  codec: Pick<UpstreamCodec, 'decodeError'>,
  parsed: unknown,
  text: string,
): UpstreamErrorDetails {
  return parsed === undefined ? { message: text.slice(0, 200) || undefined } : codec.decodeError(parsed);
}
