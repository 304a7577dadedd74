import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { describe, expect, it } from 'vitest';
import { DetourError, type WireProtocol } from '../../core/index.js';
import type { SseMessage } from '../../protocols/index.js';
import { readBedrockEventStream, splitEventStream } from './read-event-stream.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function frame(headers: Record<string, string>, payload: string): Buffer {
  const encoded: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers)) encoded[name] = { type: 'string', value };
  return Buffer.from(codec.encode({ headers: encoded, body: fromUtf8(payload) }));
}

/** An InvokeModel stream chunk carrying one Anthropic event, as Bedrock sends it (with padding). */
function chunk(event: unknown): Buffer {
  const bytes = Buffer.from(JSON.stringify(event)).toString('base64');
  return frame(
    { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({ bytes, p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ' }),
  );
}

function converseEvent(type: string, payload: unknown): Buffer {
  return frame(
    { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

function exception(type: string, payload: unknown): Buffer {
  return frame(
    { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify(payload),
  );
}

/** The bytes in pieces of `size` (1: byte by byte), as a network might deliver them. */
async function* inPieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function read(
  bytes: Buffer,
  wire: WireProtocol,
  size = bytes.length,
): Promise<{ messages: SseMessage[]; error: unknown }> {
  const messages: SseMessage[] = [];
  try {
    for await (const message of readBedrockEventStream(inPieces(bytes, size), wire, 'bedrock-east')) {
      messages.push(message);
    }
    return { messages, error: undefined };
  } catch (error) {
    return { messages, error };
  }
}

const anthropicEvents = [
  { type: 'message_start', message: { id: 'msg_1', role: 'assistant', usage: { input_tokens: 3 } } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
  { index: 0, type: 'content_block_stop' },
  {
    type: 'message_stop',
    'amazon-bedrock-invocationMetrics': { inputTokenCount: 3, outputTokenCount: 1 },
  },
];

describe('readBedrockEventStream', () => {
  it('turns InvokeModel chunks into the Anthropic events inside them, however the bytes arrive', async () => {
    const bytes = Buffer.concat(anthropicEvents.map(chunk));
    const expected = anthropicEvents.map((event) => ({
      event: String(event.type),
      data: JSON.stringify(event),
    }));
    for (const size of [bytes.length, 1, 7, 100]) {
      const { messages, error } = await read(bytes, 'anthropic-messages', size);
      expect(error).toBeUndefined();
      expect(messages).toEqual(expected);
    }
  });

  it('passes an in-band Anthropic error chunk on for the Anthropic decoder to classify', async () => {
    const event = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    const { messages } = await read(chunk(event), 'anthropic-messages');
    expect(messages).toEqual([{ event: 'error', data: JSON.stringify(event) }]);
  });

  it('turns Converse events into messages named by their event type', async () => {
    const bytes = Buffer.concat([
      converseEvent('messageStart', { role: 'assistant' }),
      converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi' }, p: 'abc' }),
      converseEvent('messageStop', { stopReason: 'end_turn' }),
      converseEvent('metadata', { usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 } }),
    ]);
    const { messages, error } = await read(bytes, 'bedrock-converse', 5);
    expect(error).toBeUndefined();
    expect(messages.map((message) => message.event)).toEqual([
      'messageStart',
      'contentBlockDelta',
      'messageStop',
      'metadata',
    ]);
    expect(JSON.parse(messages[1]!.data)).toEqual({ contentBlockIndex: 0, delta: { text: 'Hi' }, p: 'abc' });
  });

  it('throws the classified error of an exception frame after the messages before it', async () => {
    const bytes = Buffer.concat([
      chunk(anthropicEvents[0]),
      exception('throttlingException', { message: 'Too many tokens, please wait before trying again.' }),
      chunk(anthropicEvents[1]),
    ]);
    const { messages, error } = await read(bytes, 'anthropic-messages');
    expect(messages).toHaveLength(1);
    expect(error).toBeInstanceOf(DetourError);
    expect(error).toMatchObject({
      failureClass: 'rate_limited',
      message: 'throttlingException: Too many tokens, please wait before trying again.',
    });
  });

  it.each([
    ['serviceUnavailableException', 'server_error'],
    ['modelStreamErrorException', 'server_error'],
    ['modelTimeoutException', 'timeout'],
    ['modelNotReadyException', 'overloaded'],
    ['internalServerException', 'server_error'],
    ['validationException', 'client_error'],
    ['accessDeniedException', 'auth'],
  ])('classifies a %s frame in a Converse stream as %s', async (type, failureClass) => {
    const { error } = await read(
      Buffer.concat([
        converseEvent('messageStart', { role: 'assistant' }),
        exception(type, { message: 'x' }),
      ]),
      'bedrock-converse',
    );
    expect(error).toMatchObject({ failureClass });
  });

  it('classifies a generic AWS error frame by its error code', async () => {
    const bytes = frame(
      { ':message-type': 'error', ':error-code': 'ThrottlingException', ':error-message': 'slow down' },
      '',
    );
    const { error } = await read(bytes, 'bedrock-converse');
    expect(error).toMatchObject({ failureClass: 'rate_limited', message: 'ThrottlingException: slow down' });
  });

  it('names an exception frame without a type, and reads a payload that is not a JSON object as empty', async () => {
    for (const payload of ['not json', '[1]', 'null']) {
      const { error } = await read(
        frame({ ':message-type': 'exception', ':content-type': 'application/json' }, payload),
        'bedrock-converse',
      );
      expect(error).toMatchObject({
        failureClass: 'server_error',
        message: 'unknownException: upstream reported an exception inside the stream',
      });
    }
  });

  it('reads an exception’s Message and the model’s status from its payload', async () => {
    const { error } = await read(
      exception('modelStreamErrorException', { Message: 'broke', originalStatusCode: 503 }),
      'bedrock-converse',
    );
    expect(error).toMatchObject({ message: 'modelStreamErrorException: broke (the model answered 503)' });
    const { error: odd } = await read(
      exception('modelStreamErrorException', { message: 5, originalStatusCode: '503' }),
      'bedrock-converse',
    );
    expect(odd).toMatchObject({
      message: 'modelStreamErrorException: upstream reported an exception inside the stream',
    });
  });

  it('names a generic error frame without a code', async () => {
    const { error } = await read(frame({ ':message-type': 'error' }, ''), 'bedrock-converse');
    expect(error).toMatchObject({
      failureClass: 'server_error',
      message: 'unknownError: upstream reported an exception inside the stream',
    });
  });

  it('reads a frame without a message type as an event', async () => {
    const { messages, error } = await read(
      frame({ ':event-type': 'messageStart', ':content-type': 'application/json' }, '{"role":"assistant"}'),
      'bedrock-converse',
    );
    expect(error).toBeUndefined();
    expect(messages.map((message) => message.event)).toStrictEqual(['messageStart']);
  });

  it('skips events that carry nothing for the wire format', async () => {
    const bytes = Buffer.concat([
      converseEvent('initial-response', {}),
      chunk(anthropicEvents[0]),
      frame({ ':message-type': 'something-new' }, '{}'),
    ]);
    const { messages, error } = await read(bytes, 'anthropic-messages');
    expect(error).toBeUndefined();
    expect(messages.map((message) => message.event)).toEqual(['message_start']);
  });

  it('fails with bad_response when a chunk has no bytes', async () => {
    const { error } = await read(
      frame({ ':event-type': 'chunk', ':message-type': 'event' }, '{"nope":1}'),
      'anthropic-messages',
    );
    expect(error).toMatchObject({ failureClass: 'bad_response' });
  });

  it('reads the type off the front of a chunk even when the rest is not JSON the decoder could parse', async () => {
    const truncated = frame(
      { ':event-type': 'chunk', ':message-type': 'event' },
      JSON.stringify({ bytes: Buffer.from('{"type":"ping", "oops').toString('base64') }),
    );
    const spaced = frame(
      { ':event-type': 'chunk', ':message-type': 'event' },
      JSON.stringify({ bytes: Buffer.from('  {\n  "type" :  "message_stop",').toString('base64') }),
    );
    const { messages, error } = await read(Buffer.concat([truncated, spaced]), 'anthropic-messages');
    expect(error).toBeUndefined();
    expect(messages).toStrictEqual([
      { event: 'ping', data: '{"type":"ping", "oops' },
      { event: 'message_stop', data: '  {\n  "type" :  "message_stop",' },
    ]);
  });

  it('takes the type of an event whose first key is not its type, and none from text before the object', async () => {
    const later = { index: 0, type: 'content_block_stop' };
    const prefixed = frame(
      { ':event-type': 'chunk', ':message-type': 'event' },
      JSON.stringify({ bytes: Buffer.from('x{"type":"ping"}').toString('base64') }),
    );
    const { messages } = await read(Buffer.concat([chunk(later), prefixed]), 'anthropic-messages');
    expect(messages).toStrictEqual([
      { event: 'content_block_stop', data: JSON.stringify(later) },
      { data: 'x{"type":"ping"}' },
    ]);
  });

  it('passes a chunk event without a string type on with no event name, and parses a type the fast path does not read', async () => {
    const { messages } = await read(
      Buffer.concat([chunk({ index: 0 }), chunk({ type: 5 }), chunk({ type: 'content-block' })]),
      'anthropic-messages',
    );
    expect(messages).toStrictEqual([
      { data: '{"index":0}' },
      { data: '{"type":5}' },
      { event: 'content-block', data: '{"type":"content-block"}' },
    ]);
  });

  it('skips a Converse frame that is not an event, or has no event type', async () => {
    const bytes = Buffer.concat([
      frame({ ':message-type': 'something-new', ':event-type': 'messageStart' }, '{}'),
      frame({ ':message-type': 'event' }, '{}'),
      converseEvent('messageStop', { stopReason: 'end_turn' }),
    ]);
    const { messages, error } = await read(bytes, 'bedrock-converse');
    expect(error).toBeUndefined();
    expect(messages).toStrictEqual([{ event: 'messageStop', data: '{"stopReason":"end_turn"}' }]);
  });

  it('skips an InvokeModel chunk frame that is not an event', async () => {
    const bytes = Buffer.concat([
      frame({ ':message-type': 'something-new', ':event-type': 'chunk' }, '{"bytes":"e30="}'),
      chunk(anthropicEvents[0]),
    ]);
    const { messages } = await read(bytes, 'anthropic-messages');
    expect(messages.map((message) => message.event)).toStrictEqual(['message_start']);
  });

  it('reads only string headers: an event type of another header type is none', async () => {
    const headers: MessageHeaders = {
      ':message-type': { type: 'string', value: 'event' },
      ':event-type': { type: 'binary', value: fromUtf8('messageStart') },
    };
    const binary = Buffer.from(codec.encode({ headers, body: fromUtf8('{}') }));
    const { messages, error } = await read(binary, 'bedrock-converse');
    expect(error).toBeUndefined();
    expect(messages).toStrictEqual([]);
  });

  it('names a chunk without bytes exactly', async () => {
    const { error } = await read(
      frame({ ':event-type': 'chunk', ':message-type': 'event' }, '{}'),
      'anthropic-messages',
    );
    expect(error).toBeInstanceOf(DetourError);
    expect((error as DetourError).message).toBe('upstream stream chunk carries no bytes');
  });

  it('names a corrupt message and keeps the codec’s error as the cause', async () => {
    const bad = chunk(anthropicEvents[1]);
    bad[bad.length - 10]! ^= 0xff;
    const { error } = await read(bad, 'anthropic-messages');
    expect(error).toBeInstanceOf(DetourError);
    expect((error as DetourError).message).toBe('upstream event stream message is corrupt');
    expect((error as DetourError).cause).toBeInstanceOf(Error);
  });

  it('fails with bad_response on a corrupt checksum, after the good messages', async () => {
    const bad = chunk(anthropicEvents[1]);
    bad[bad.length - 10]! ^= 0xff;
    const { messages, error } = await read(
      Buffer.concat([chunk(anthropicEvents[0]), bad]),
      'anthropic-messages',
    );
    expect(messages).toHaveLength(1);
    expect(error).toMatchObject({ failureClass: 'bad_response', code: 'upstream_bad_response' });
  });
});

describe('splitEventStream', () => {
  async function split(bytes: Buffer, size: number): Promise<{ count: number; error: unknown }> {
    let count = 0;
    try {
      for await (const _message of splitEventStream(inPieces(bytes, size))) count += 1;
      return { count, error: undefined };
    } catch (error) {
      return { count, error };
    }
  }

  it('cuts messages at their length prelude', async () => {
    const bytes = Buffer.concat([
      chunk(anthropicEvents[0]),
      chunk(anthropicEvents[1]),
      chunk(anthropicEvents[2]),
    ]);
    expect(await split(bytes, 3)).toEqual({ count: 3, error: undefined });
  });

  it('fails with bad_response when the body ends inside a message', async () => {
    const bytes = Buffer.concat([chunk(anthropicEvents[0]), chunk(anthropicEvents[1])]);
    const { count, error } = await split(bytes.subarray(0, bytes.length - 3), 16);
    expect(count).toBe(1);
    expect(error).toMatchObject({
      failureClass: 'bad_response',
      message: expect.stringMatching(/inside a message/),
    });
    // Even a tail too short to hold a length.
    expect(
      (await split(Buffer.concat([chunk(anthropicEvents[0]), Buffer.from([0, 0])]), 64)).error,
    ).toMatchObject({
      failureClass: 'bad_response',
    });
  });

  it('names the length the format cannot have, as soon as the prelude is in', async () => {
    const prelude = Buffer.alloc(4);
    prelude.writeUInt32BE(8, 0);
    expect((await split(prelude, 4)).error).toMatchObject({
      failureClass: 'bad_response',
      message: 'upstream event stream has a message length of 8 bytes',
    });
    const tooLong = Buffer.alloc(20);
    tooLong.writeUInt32BE(16 * 1024 * 1024 + 1, 0);
    expect((await split(tooLong, 20)).error).toMatchObject({
      message: 'upstream event stream has a message length of 16777217 bytes',
    });
  });

  it('accepts the shortest and the longest lengths the format allows', async () => {
    const empty = Buffer.from(codec.encode({ headers: {}, body: new Uint8Array(0) }));
    expect(empty).toHaveLength(16);
    expect(await split(empty, 16)).toStrictEqual({ count: 1, error: undefined });
    const longest = Buffer.alloc(20);
    longest.writeUInt32BE(16 * 1024 * 1024, 0);
    // A whole 16 MiB message is allowed: this one just ends too early.
    expect((await split(longest, 20)).error).toMatchObject({
      message: expect.stringMatching(/inside a message/),
    });
  });

  it('reads string chunks as their UTF-8 bytes', async () => {
    async function* strings(): AsyncGenerator<string> {
      yield '\u0000\u0000';
      yield '\u0000\u0008';
    }
    let error: unknown;
    try {
      for await (const _message of splitEventStream(strings()));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DetourError);
    expect((error as DetourError).message).toBe('upstream event stream has a message length of 8 bytes');
  });

  it('fails with bad_response on a length the format cannot have', async () => {
    const tooShort = Buffer.alloc(20);
    tooShort.writeUInt32BE(8, 0);
    expect((await split(tooShort, 20)).error).toMatchObject({ failureClass: 'bad_response' });
    const tooLong = Buffer.alloc(20);
    tooLong.writeUInt32BE(0xffffffff, 0);
    expect((await split(tooLong, 20)).error).toMatchObject({ failureClass: 'bad_response' });
  });
});
