import { EventStreamCodec, type Message, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { DetourError, type WireProtocol } from '../../core/index.js';
import type { SseMessage } from '../../protocols/index.js';
import { classifyBedrockStreamException } from './classify-error.js';

/** Prelude (total and headers length, prelude CRC) plus the message CRC: the smallest message. */
const MINIMUM_MESSAGE_BYTES = 16;
/** The event-stream format's ceiling on one message; a larger length is a corrupted prelude. */
const MAXIMUM_MESSAGE_BYTES = 16 * 1024 * 1024;

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function badResponse(message: string, cause?: unknown): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message, { cause });
}

/**
 * Cuts an `application/vnd.amazon.eventstream` body into whole messages by each message's
 * 4-byte total-length prelude; network chunks fall anywhere. A body that ends inside a message,
 * or a length the format cannot have, is a broken stream.
 */
export async function* splitEventStream(body: AsyncIterable<Buffer | string>): AsyncGenerator<Uint8Array> {
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    pending = pending.length === 0 ? bytes : Buffer.concat([pending, bytes]);
    while (pending.length >= 4) {
      const total = pending.readUInt32BE(0);
      if (total < MINIMUM_MESSAGE_BYTES || total > MAXIMUM_MESSAGE_BYTES) {
        throw badResponse(`upstream event stream has a message length of ${total} bytes`);
      }
      if (pending.length < total) break;
      yield pending.subarray(0, total);
      pending = pending.subarray(total);
    }
  }
  if (pending.length > 0) throw badResponse('upstream event stream ended inside a message');
}

function stringHeader(headers: MessageHeaders, name: string): string | undefined {
  const header = headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

/** The JSON object in a payload, or undefined when it is not one. */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function decodeMessage(bytes: Uint8Array): Message {
  try {
    return codec.decode(bytes);
  } catch (error) {
    // A checksum that does not match, or lengths that contradict each other.
    throw badResponse('upstream event stream message is corrupt', error);
  }
}

/** Throws the classified error an exception or error frame stands for. */
function throwStreamException(provider: string, headers: MessageHeaders, payload: string): never {
  if (stringHeader(headers, ':message-type') === 'error') {
    // The generic AWS error frame: the name and text are headers, the body is empty.
    throw classifyBedrockStreamException(provider, {
      type: stringHeader(headers, ':error-code') ?? 'unknownError',
      message: stringHeader(headers, ':error-message'),
    });
  }
  const fields = parseObject(payload) ?? {};
  const message = fields.message ?? fields.Message;
  const originalStatusCode = fields.originalStatusCode;
  throw classifyBedrockStreamException(provider, {
    type: stringHeader(headers, ':exception-type') ?? 'unknownException',
    message: typeof message === 'string' ? message : undefined,
    originalStatusCode: typeof originalStatusCode === 'number' ? originalStatusCode : undefined,
  });
}

/**
 * The Anthropic event inside an InvokeModel `chunk`: its payload is `{"bytes":"<base64>"}` (plus
 * padding), the bytes one Anthropic stream event's JSON, carried with its type as the event name
 * so the Anthropic decoder and the same-protocol passthrough read it as they read Anthropic's SSE.
 */
function anthropicEventOf(payload: string): SseMessage {
  const chunk = parseObject(payload);
  if (typeof chunk?.bytes !== 'string') throw badResponse('upstream stream chunk carries no bytes');
  const data = Buffer.from(chunk.bytes, 'base64').toString('utf8');
  // The type is the event's first key in everything Anthropic sends; reading it off the front
  // spares a second parse of every delta (the decoder parses what it needs).
  const type = LEADING_TYPE.exec(data)?.[1] ?? typeOf(data);
  return type === undefined ? { data } : { event: type, data };
}

const LEADING_TYPE = /^\s*\{\s*"type"\s*:\s*"([A-Za-z_]+)"/;

function typeOf(data: string): string | undefined {
  const type = parseObject(data)?.type;
  return typeof type === 'string' ? type : undefined;
}

/**
 * Reads a Bedrock event stream as the messages the wire format's stream decoder takes:
 * InvokeModel's `chunk` events become the Anthropic events inside them; Converse events become
 * `{event: <:event-type>, data: <payload>}`. Exception and error frames throw their classified
 * error; a torn or corrupt message throws `bad_response`.
 */
export async function* readBedrockEventStream(
  body: AsyncIterable<Buffer | string>,
  wire: WireProtocol,
  provider: string,
): AsyncGenerator<SseMessage> {
  for await (const bytes of splitEventStream(body)) {
    const { headers, body: payloadBytes } = decodeMessage(bytes);
    const payload = toUtf8(payloadBytes);
    const messageType = stringHeader(headers, ':message-type') ?? 'event';
    if (messageType === 'exception' || messageType === 'error') {
      throwStreamException(provider, headers, payload);
    }
    if (messageType !== 'event') continue;
    const eventType = stringHeader(headers, ':event-type');
    if (wire === 'anthropic-messages') {
      // InvokeModel sends only `chunk` events; anything else carries nothing for the decoder.
      if (eventType === 'chunk') yield anthropicEventOf(payload);
    } else if (eventType !== undefined) {
      yield { event: eventType, data: payload };
    }
  }
}
