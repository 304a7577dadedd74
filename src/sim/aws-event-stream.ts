import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/**
 * Frames of the AWS event stream (`application/vnd.amazon.eventstream`), as Bedrock streams them.
 * @see https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
 */
const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(headers: Record<string, string>, payload: string): Uint8Array {
  return codec.encode({
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, { type: 'string', value }]),
    ),
    body: fromUtf8(payload),
  });
}

/** An event frame; Bedrock sends the headers in this order. */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

/** An event frame whose payload is not JSON (the framing and checksums are sound). */
export function eventFrameWithText(eventType: string, text: string): Uint8Array {
  return frame(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    text,
  );
}

/** A modeled exception: `:exception-type` is the lower-camel member name (`throttlingException`). */
export function exceptionFrame(exceptionType: string, payload: Record<string, unknown>): Uint8Array {
  return frame(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify(payload),
  );
}

/** A copy of a frame whose message checksum (the last four bytes) no longer matches. */
export function withBadChecksum(encoded: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(encoded);
  const last = copy.length - 1;
  copy[last] = (copy[last] ?? 0) ^ 0xff;
  return copy;
}

/**
 * Bedrock pads event payloads with a field `p` of random length so that payload sizes do not give
 * the content away; clients ignore it. Here its length is taken from the content, for determinism.
 */
export function padding(seed: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return alphabet.slice(0, 1 + (seed.length % alphabet.length));
}
