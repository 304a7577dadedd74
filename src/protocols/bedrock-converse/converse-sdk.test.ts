import { readFileSync } from 'node:fs';
import {
  createServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import {
  BedrockRuntimeClient,
  type ContentBlock,
  ConverseCommand,
  type ConverseCommandInput,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  type Message as SdkMessage,
} from '@aws-sdk/client-bedrock-runtime';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest, StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { bedrockConverseCodec } from './index.js';

/**
 * The official AWS SDK against a real HTTP/2 server (the SDK speaks h2c to an `http://` endpoint):
 * it writes the request the codec's body describes, and reads the responses and event-stream frames
 * the codec's fixtures hold. Where the SDK and the codec agree, the wire format is right.
 */
type Answer = (request: Http2ServerRequest, response: Http2ServerResponse) => void;

let server: Http2Server;
let client: BedrockRuntimeClient;
let answer: Answer;
let received: Array<{ path: string; body: unknown }>;
const sessions = new Set<ServerHttp2Session>();
const frames = new EventStreamCodec(toUtf8, fromUtf8);

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => {
      text += piece;
    });
    request.on('end', () => {
      received.push({ path: request.url, body: JSON.parse(text) });
      answer(request, response);
    });
  });
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  for (const session of sessions) session.destroy();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  received = [];
});

function fixtureText(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

/** The stream fixture's frames: event type and payload. */
function streamFixture(): Array<{ event: string; data: Record<string, unknown> }> {
  return fixtureText('stream-reasoning-text-tool.jsonl')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

function eventFrame(event: string, data: unknown): Uint8Array {
  return frames.encode({
    headers: {
      ':event-type': { type: 'string', value: event },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify(data)),
  });
}

function exceptionFrame(exceptionType: string, data: unknown): Uint8Array {
  return frames.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify(data)),
  });
}

/** What the provider layer hands the decoder for one binary frame (see decode-stream.ts). */
function toMessage(bytes: Uint8Array): SseMessage {
  const { headers, body } = frames.decode(bytes);
  const kind = headers[':message-type']?.value;
  const name = kind === 'exception' ? headers[':exception-type']?.value : headers[':event-type']?.value;
  return { event: kind === 'exception' ? `exception:${String(name)}` : String(name), data: toUtf8(body) };
}

function serveFrames(bytes: Uint8Array[]): void {
  answer = (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
    for (const frame of bytes) response.write(frame);
    response.end();
  };
}

/** The SDK takes blobs as bytes where the wire has base64. */
function base64ToBytes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(base64ToBytes);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, inner]) => {
    if ((key === 'bytes' || key === 'redactedContent') && typeof inner === 'string') {
      return [key, new Uint8Array(Buffer.from(inner, 'base64'))];
    }
    return [key, base64ToBytes(inner)];
  });
  return Object.fromEntries(entries);
}

const RICH_REQUEST: ChatRequest = {
  model: 'm',
  stream: false,
  metadata: {},
  vendorOptions: {},
  system: [{ type: 'text', text: 'Be brief.' }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather here?' },
        { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: 'Call the tool.', signature: 'sig-1' },
        { type: 'reasoning', text: '', redactedData: 'ZW5jcnlwdGVk' },
        { type: 'tool_call', id: 'tooluse_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'tooluse_1',
          content: [{ type: 'text', text: '21 C' }],
          isError: true,
        },
      ],
    },
  ],
  tools: [
    {
      name: 'get_weather',
      description: 'Weather for a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  ],
  toolChoice: { type: 'tool', name: 'get_weather' },
  maxTokens: 200,
  temperature: 0.2,
  topP: 0.9,
  topK: 30,
  stop: ['END'],
  responseFormat: {
    type: 'json_schema',
    name: 'weather',
    description: 'A weather report',
    schema: { type: 'object', properties: { celsius: { type: 'number' } }, required: ['celsius'] },
  },
};

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('bedrockConverseCodec with the AWS SDK', () => {
  it('encodes a body the SDK writes back member for member', async () => {
    const body = bedrockConverseCodec.encodeRequest(RICH_REQUEST, MODEL);
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(fixtureText('response-reasoning-tool-use.json'));
    };
    const input = { modelId: MODEL, ...(base64ToBytes(body) as object) } as ConverseCommandInput;
    await client.send(new ConverseCommand(input));
    expect(received).toHaveLength(1);
    expect(received[0]?.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    // The SDK serialises only members its model knows: a misspelt key would be missing here.
    expect(received[0]?.body).toEqual(body);
  });

  it('reads the response fixture as the SDK does', async () => {
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(fixtureText('response-reasoning-tool-use.json'));
    };
    const output = await client.send(
      new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    const sdkContent = (output.output as { message: SdkMessage }).message.content as ContentBlock[];
    const decoded = bedrockConverseCodec.decodeResponse(
      JSON.parse(fixtureText('response-reasoning-tool-use.json')),
    );
    expect(decoded.content).toEqual([
      {
        type: 'reasoning',
        text: sdkContent[0]?.reasoningContent?.reasoningText?.text,
        signature: sdkContent[0]?.reasoningContent?.reasoningText?.signature,
      },
      {
        type: 'reasoning',
        text: '',
        redactedData: Buffer.from(sdkContent[1]?.reasoningContent?.redactedContent ?? []).toString('base64'),
      },
      { type: 'text', text: sdkContent[2]?.text },
      {
        type: 'tool_call',
        id: sdkContent[3]?.toolUse?.toolUseId,
        name: sdkContent[3]?.toolUse?.name,
        arguments: JSON.stringify(sdkContent[3]?.toolUse?.input),
      },
    ]);
    expect(output.stopReason).toBe(decoded.finishReason.raw);
    expect(decoded.usage.outputTokens).toBe(output.usage?.outputTokens);
    expect(decoded.usage.cacheReadTokens).toBe(output.usage?.cacheReadInputTokens);
  });

  it('reads the stream fixture frames as the SDK does, and decodes them from bytes', async () => {
    const fixture = streamFixture();
    const bytes = fixture.map(({ event, data }) => eventFrame(event, data));
    serveFrames(bytes);
    const output = await client.send(
      new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    const sdkEvents: ConverseStreamOutput[] = [];
    for await (const event of output.stream ?? []) sdkEvents.push(event);
    // The SDK knows every event type and member of the fixture (Bedrock's padding `p` aside).
    expect(sdkEvents).toEqual(
      fixture.map(({ event, data }) => {
        const { p: _padding, ...members } = data;
        return { [event]: members };
      }),
    );
    expect(received[0]?.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse-stream`);

    const decoder = bedrockConverseCodec.createStreamDecoder();
    const events: StreamEvent[] = bytes.flatMap((frame) => decoder.decode(toMessage(frame)));
    expect(events.map((event) => event.type)).toEqual([
      'start',
      'reasoning_delta',
      'reasoning_delta',
      'reasoning_delta',
      'text_delta',
      'text_delta',
      'tool_call_start',
      'tool_call_delta',
      'tool_call_delta',
      'tool_call_delta',
      'tool_call_end',
      'finish',
      'usage',
    ]);
    expect(decoder.done).toBe(true);
  });

  it('names an exception frame as the SDK does, and the decoder classifies the same frame', async () => {
    const exception = exceptionFrame('throttlingException', { message: 'Too many tokens, please wait.' });
    serveFrames([eventFrame('messageStart', { role: 'assistant' }), exception]);
    const output = await client.send(
      new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }),
    );
    const thrown = await (async () => {
      try {
        for await (const _event of output.stream ?? []) {
          // Read until the exception.
        }
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    expect(thrown?.name).toBe('ThrottlingException');
    expect(thrown?.message).toBe('Too many tokens, please wait.');

    const events = bedrockConverseCodec.createStreamDecoder().decode(toMessage(exception));
    expect(events).toEqual([
      {
        type: 'error',
        error: expect.objectContaining({
          failureClass: 'rate_limited',
          message: 'throttlingException: Too many tokens, please wait.',
        }),
      },
    ]);
  });
});
