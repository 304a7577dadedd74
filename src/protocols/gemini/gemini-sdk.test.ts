import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, FunctionCallingConfigMode, GoogleGenAI } from '@google/genai';
import { createParser } from 'eventsource-parser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest, StreamEvent } from '../../core/index.js';
import type { SseMessage } from '../codec.js';
import { geminiCodec } from './index.js';

/**
 * Google's official SDK against a real HTTP server: what the SDK sends for a request is what the
 * codec writes for the same request, and the recorded streams the codec's tests read are streams
 * the SDK reads the same way.
 */
type Answer = (request: IncomingMessage, response: ServerResponse) => void;

let server: Server;
let client: GoogleGenAI;
let answer: Answer;
let received: Array<{ url: string; body: unknown }>;

function fixtureText(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (piece: string) => {
      text += piece;
    });
    request.on('end', () => {
      received.push({ url: request.url ?? '', body: JSON.parse(text) });
      answer(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: `http://127.0.0.1:${port}` } });
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  received = [];
});

function serveJson(status: number, name: string): void {
  answer = (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(fixtureText(name));
  };
}

function serveSse(name: string): void {
  answer = (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(fixtureText(name));
  };
}

function decodeFixture(name: string): StreamEvent[] {
  const messages: SseMessage[] = [];
  createParser({ onEvent: (event) => messages.push({ data: event.data }) }).feed(fixtureText(name));
  const decoder = geminiCodec.createStreamDecoder();
  return messages.flatMap((message) => decoder.decode(message));
}

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

const toolRequest: ChatRequest = {
  model: 'gemini',
  system: [{ type: 'text', text: 'You are terse.' }],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather where this photo was taken?' },
        { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'reasoning', text: '', signature: 'gemini-thought:EpYCCpMC' },
        { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool_result',
          toolCallId: 'call_1',
          content: [{ type: 'text', text: '18 °C' }],
          isError: false,
        },
      ],
    },
  ],
  tools: [{ name: 'get_weather', description: 'Current weather', parameters: weatherSchema }],
  toolChoice: { type: 'tool', name: 'get_weather' },
  temperature: 0.2,
  topP: 0.9,
  topK: 3,
  maxTokens: 200,
  stop: ['END'],
  stream: false,
  metadata: {},
  vendorOptions: { 'anthropic-messages': { thinking: { type: 'enabled', budget_tokens: 1024 } } },
};

describe('geminiCodec against @google/genai', () => {
  it('writes the body the SDK sends for the same tool-calling request', async () => {
    serveJson(200, 'response-function-calls.json');
    await client.models.generateContent({
      model: 'gemini-3-flash-preview',
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Weather where this photo was taken?' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'EpYCCpMC' },
          ],
        },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { output: '18 °C' } } }],
        },
      ],
      config: {
        systemInstruction: 'You are terse.',
        tools: [
          {
            functionDeclarations: [
              { name: 'get_weather', description: 'Current weather', parametersJsonSchema: weatherSchema },
            ],
          },
        ],
        toolConfig: {
          functionCallingConfig: {
            mode: FunctionCallingConfigMode.ANY,
            allowedFunctionNames: ['get_weather'],
          },
        },
        temperature: 0.2,
        topP: 0.9,
        topK: 3,
        maxOutputTokens: 200,
        stopSequences: ['END'],
        thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
      },
    });
    expect(received[0]?.url).toBe('/v1beta/models/gemini-3-flash-preview:generateContent');
    expect(geminiCodec.encodeRequest(toolRequest, 'gemini-3-flash-preview')).toEqual(received[0]?.body);
  });

  it('writes the body the SDK sends for a JSON Schema answer', async () => {
    serveJson(200, 'response-thinking-text.json');
    const schema = { type: 'object', properties: { sum: { type: 'integer' } }, required: ['sum'] };
    await client.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ text: '2 + 2?' }] }],
      config: { responseMimeType: 'application/json', responseJsonSchema: schema },
    });
    const request: ChatRequest = {
      model: 'gemini',
      messages: [{ role: 'user', content: [{ type: 'text', text: '2 + 2?' }] }],
      responseFormat: { type: 'json_schema', name: 'sum', schema },
      stream: false,
      metadata: {},
      vendorOptions: { 'openai-chat': {} },
    };
    expect(geminiCodec.encodeRequest(request, 'gemini-2.5-flash')).toEqual(received[0]?.body);
  });

  it('reads the recorded thinking stream as the SDK does: same answer text, thoughts apart, same usage', async () => {
    serveSse('thinking-text-stream.sse');
    let sdkText = '';
    let sdkThoughts = '';
    let sdkUsage: { candidatesTokenCount?: number; thoughtsTokenCount?: number } | undefined;
    for await (const chunk of await client.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'What is 2 + 2?',
    })) {
      sdkText += chunk.text ?? '';
      for (const part of chunk.candidates?.[0]?.content?.parts ?? [])
        if (part.thought) sdkThoughts += part.text;
      sdkUsage = chunk.usageMetadata ?? sdkUsage;
    }
    expect(received[0]?.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    const events = decodeFixture('thinking-text-stream.sse');
    const text = events.map((event) => (event.type === 'text_delta' ? event.text : '')).join('');
    const thoughts = events.map((event) => (event.type === 'reasoning_delta' ? event.text : '')).join('');
    expect(text).toBe(sdkText);
    expect(thoughts).toBe(sdkThoughts);
    const usage = events.findLast((event) => event.type === 'usage');
    expect(usage).toMatchObject({
      usage: { outputTokens: (sdkUsage?.candidatesTokenCount ?? 0) + (sdkUsage?.thoughtsTokenCount ?? 0) },
    });
  });

  it('reads the recorded parallel-call stream as the SDK does: the same calls in the same order', async () => {
    serveSse('parallel-function-calls-stream.sse');
    const sdkCalls: Array<{ name: string | undefined; args: unknown }> = [];
    for await (const chunk of await client.models.generateContentStream({
      model: 'gemini-3-flash-preview',
      contents: 'Weather in Paris and Oslo?',
    })) {
      for (const call of chunk.functionCalls ?? []) sdkCalls.push({ name: call.name, args: call.args });
    }
    const events = decodeFixture('parallel-function-calls-stream.sse');
    const calls = events.flatMap((event) => (event.type === 'tool_call_start' ? [event] : []));
    const args = events.flatMap((event) => (event.type === 'tool_call_delta' ? [event.argumentsDelta] : []));
    expect(sdkCalls).toHaveLength(2);
    expect(calls.map((call, index) => ({ name: call.name, args: JSON.parse(args[index] ?? '') }))).toEqual(
      sdkCalls,
    );
  });

  it("treats the recorded error chunk as the SDK does: an error after the first chunk's text", async () => {
    serveSse('error-after-text-stream.sse');
    let sdkText = '';
    let sdkError: unknown;
    try {
      for await (const chunk of await client.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: 'Tell a story.',
      })) {
        sdkText += chunk.text ?? '';
      }
    } catch (error) {
      sdkError = error;
    }
    expect(sdkError).toBeInstanceOf(ApiError);
    expect((sdkError as ApiError).status).toBe(503);
    const events = decodeFixture('error-after-text-stream.sse');
    expect(events.filter((event) => event.type === 'text_delta')).toEqual([
      { type: 'text_delta', text: sdkText },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { failureClass: 'overloaded' } });
  });

  it('reads the recorded quota error body the SDK rejects with 429', async () => {
    serveJson(429, 'error-resource-exhausted.json');
    const error = await client.models
      .generateContent({ model: 'gemini-2.5-flash', contents: 'hi' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(429);
    expect(geminiCodec.decodeError(JSON.parse(fixtureText('error-resource-exhausted.json')))).toMatchObject({
      type: 'RESOURCE_EXHAUSTED',
    });
  });
});
