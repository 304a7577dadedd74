import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ChatRequest, DetourError, invalidRequest, type StreamEvent } from '../../core/index.js';
import { openaiChatCodec } from './index.js';

/**
 * The official SDK reads what the codec writes from a real HTTP server: if the SDK accepts it, the
 * wire format is right. Each test says what the server answers; the server records what it was sent.
 */
type Answer = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let client: OpenAI;
let answer: Answer;
let received: ChatRequest[];

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => {
      text += piece;
    });
    request.on('end', () => {
      received.push(openaiChatCodec.decodeRequest(JSON.parse(text)));
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'test-key', maxRetries: 0 });
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  received = [];
});

function serveStream(events: StreamEvent[], includeUsage: boolean, trailer?: string): void {
  answer = (_request, response) => {
    const encoder = openaiChatCodec.createStreamEncoder({ includeUsage });
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of events) response.write(encoder.encode(event));
    response.end(trailer ?? encoder.end());
  };
}

function serveError(error: DetourError): void {
  answer = (_request, response) => {
    const encoded = openaiChatCodec.encodeError(error);
    response.writeHead(encoded.status, { 'content-type': 'application/json', ...encoded.headers });
    response.end(JSON.stringify(encoded.body));
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

const streamEvents: StreamEvent[] = [
  { type: 'start', id: 'chatcmpl-sdk', model: 'gpt-sdk', created: 1700000000 },
  { type: 'text_delta', text: 'Checking ' },
  { type: 'text_delta', text: 'both.' },
  { type: 'tool_call_start', index: 0, id: 'call_a', name: 'get_weather' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '{"city":' },
  { type: 'tool_call_start', index: 1, id: 'call_b', name: 'get_time' },
  { type: 'tool_call_delta', index: 1, argumentsDelta: '{"zone":"UTC"}' },
  { type: 'tool_call_delta', index: 0, argumentsDelta: '"Oslo"}' },
  { type: 'tool_call_end', index: 0 },
  { type: 'tool_call_end', index: 1 },
  { type: 'usage', usage: { inputTokens: 12, outputTokens: 30, cacheReadTokens: 8, reasoningTokens: 4 } },
  { type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_calls' } },
];

describe('openaiChatCodec with the official OpenAI SDK', () => {
  it('streams text, parallel tool calls and usage that the SDK assembles', async () => {
    serveStream(streamEvents, true);
    const stream = await client.chat.completions.create({
      model: 'gpt-sdk',
      messages: [{ role: 'user', content: 'Weather and time?' }],
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 50,
    });
    let text = '';
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    let usage: OpenAI.CompletionUsage | undefined;
    let finishReason: string | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      expect(chunk.id).toBe('chatcmpl-sdk');
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (choice === undefined) continue;
      text += choice.delta.content ?? '';
      finishReason = choice.finish_reason ?? finishReason;
      for (const call of choice.delta.tool_calls ?? []) {
        calls[call.index] ??= { id: '', name: '', arguments: '' };
        const slot = calls[call.index]!;
        slot.id += call.id ?? '';
        slot.name += call.function?.name ?? '';
        slot.arguments += call.function?.arguments ?? '';
      }
    }
    expect(text).toBe('Checking both.');
    expect(calls).toEqual([
      { id: 'call_a', name: 'get_weather', arguments: '{"city":"Oslo"}' },
      { id: 'call_b', name: 'get_time', arguments: '{"zone":"UTC"}' },
    ]);
    expect(finishReason).toBe('tool_calls');
    expect(usage).toEqual({
      prompt_tokens: 12,
      completion_tokens: 30,
      total_tokens: 42,
      prompt_tokens_details: { cached_tokens: 8 },
      completion_tokens_details: { reasoning_tokens: 4 },
    });
    // role chunk, 2 text, 2 starts, 3 argument pieces, finish, usage
    expect(chunks).toBe(10);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ model: 'gpt-sdk', stream: true, streamUsage: true, maxTokens: 50 });
  });

  it("passes the SDK's stream helper, which rebuilds the whole completion", async () => {
    serveStream(streamEvents, false);
    const completion = await client.chat.completions
      .stream({ model: 'gpt-sdk', messages: [{ role: 'user', content: 'Weather and time?' }] })
      .finalChatCompletion();
    expect(completion.choices[0]?.message.content).toBe('Checking both.');
    expect(completion.choices[0]?.message.tool_calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"zone":"UTC"}' } },
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('reads a non-stream completion', async () => {
    answer = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          openaiChatCodec.encodeResponse({
            id: 'chatcmpl-plain',
            model: 'gpt-sdk',
            created: 1700000002,
            content: [
              { type: 'text', text: 'Calling.' },
              { type: 'tool_call', id: 'call_z', name: 'lookup', arguments: '{"q":"x"}' },
            ],
            finishReason: { unified: 'tool_calls', raw: 'tool_calls' },
            usage: { inputTokens: 5, outputTokens: 7 },
          }),
        ),
      );
    };
    const completion = await client.chat.completions.create({
      model: 'gpt-sdk',
      messages: [{ role: 'user', content: 'look it up' }],
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    expect(completion.id).toBe('chatcmpl-plain');
    expect(completion.choices[0]?.message.content).toBe('Calling.');
    expect(completion.choices[0]?.message.tool_calls?.[0]).toEqual({
      id: 'call_z',
      type: 'function',
      function: { name: 'lookup', arguments: '{"q":"x"}' },
    });
    expect(completion.usage?.total_tokens).toBe(12);
    expect(received[0]?.tools).toEqual([{ name: 'lookup', parameters: { type: 'object' } }]);
  });

  it('surfaces an error body as an APIError with status, type, param and code', async () => {
    serveError(
      invalidRequest("Invalid value for 'messages[0].role': expected one of ...", 'messages[0].role'),
    );
    const error = await caught(
      client.chat.completions.create({ model: 'gpt-sdk', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(400);
    expect(apiError.type).toBe('invalid_request_error');
    expect(apiError.param).toBe('messages[0].role');
    expect(apiError.code).toBe('invalid_request');
  });

  it('surfaces a rate limit with its retry-after header', async () => {
    serveError(
      new DetourError('upstream_rate_limited', 'rate_limited', 'Rate limited', { retryAfterMs: 2500 }),
    );
    const error = await caught(
      client.chat.completions.create({ model: 'gpt-sdk', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(429);
    expect(apiError.type).toBe('rate_limit_error');
    expect(apiError.code).toBe('rate_limit_exceeded');
    expect(apiError.headers?.get('retry-after')).toBe('3');
  });

  it('surfaces an in-stream error event as an APIError after the content before it', async () => {
    const error = new DetourError('upstream_server_error', 'server_error', 'upstream failed mid-stream');
    serveStream(streamEvents.slice(0, 2), false, openaiChatCodec.encodeStreamError(error));
    const stream = await client.chat.completions.create({
      model: 'gpt-sdk',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    const thrown = await caught(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('Checking ');
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    expect((thrown as InstanceType<typeof OpenAI.APIError>).message).toContain('upstream failed mid-stream');
    expect((thrown as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
  });
});
