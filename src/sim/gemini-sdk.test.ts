import { ApiError, FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from './index.js';

// The Gemini API routes, checked with Google's official SDK (`@google/genai`) as the client.

let sim: Simulator;
let gemini: GoogleGenAI;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, seed: 3 });
  gemini = new GoogleGenAI({ apiKey: 'gm-test', httpOptions: { baseUrl: `${sim.url}/hosts/gem` } });
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

const weather = {
  name: 'get_weather',
  description: 'The weather in a city',
  parameters: {
    type: Type.OBJECT,
    properties: {
      city: { type: Type.STRING },
      days: { type: Type.INTEGER },
      unit: { type: Type.STRING, enum: ['c', 'f'] },
    },
    required: ['city'],
  },
};

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(ApiError);
  return caught as ApiError;
}

describe('Gemini API hosts', () => {
  it('answers generateContent with the text, finish reason and usage', async () => {
    const response = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'echo: hello there',
    });
    expect(response.text).toBe('hello there');
    expect(response.candidates?.[0]?.finishReason).toBe('STOP');
    expect(response.usageMetadata?.candidatesTokenCount).toBe(2);
    expect(response.modelVersion).toBe('gemini-2.5-flash');
    const seen = sim.stats().hosts.gem?.recent[0];
    expect(seen).toMatchObject({
      model: 'gemini-2.5-flash',
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
    });
    expect(seen?.headers['x-goog-api-key']).toBe('gm-test');
  });

  it('streams one chunk per token, the finish reason and final usage on the last', async () => {
    const stream = await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'echo: one two three',
    });
    const texts: string[] = [];
    const finishes: Array<string | undefined> = [];
    let usage: number | undefined;
    for await (const chunk of stream) {
      if (chunk.text) texts.push(chunk.text);
      finishes.push(chunk.candidates?.[0]?.finishReason);
      usage = chunk.usageMetadata?.candidatesTokenCount;
    }
    expect(texts).toEqual(['one', ' two', ' three']);
    expect(finishes).toEqual([undefined, undefined, undefined, 'STOP']);
    expect(usage).toBe(3);
    expect(sim.stats().hosts.gem?.recent[0]?.path).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent',
    );
  });

  it('calls a declared function with arguments from its schema, and reads the result back', async () => {
    const contents = [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }];
    const called = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents,
      config: {
        tools: [{ functionDeclarations: [weather] }],
        toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY } },
      },
    });
    const call = called.functionCalls?.[0];
    expect(call?.name).toBe('get_weather');
    expect(typeof call?.args?.city).toBe('string');
    expect(Number.isInteger(call?.args?.days)).toBe(true);
    expect(call?.args?.unit).toBe('c');

    const answered = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        ...contents,
        { role: 'model', parts: [{ functionCall: call ?? {} }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }],
        },
      ],
      config: { tools: [{ functionDeclarations: [weather] }] },
    });
    expect(answered.text).toBe('The tool returned: sunny');
  });

  it('streams a function call whole in one chunk', async () => {
    const stream = await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'Weather?',
      config: { tools: [{ functionDeclarations: [weather] }] },
    });
    const calls = [];
    for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
    expect(calls.map((call) => call.name)).toEqual(['get_weather']);
  });

  it('answers JSON mode with JSON that fits the response schema', async () => {
    const response = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'The weather as JSON',
      config: { responseMimeType: 'application/json', responseSchema: weather.parameters },
    });
    const value = JSON.parse(response.text ?? '') as Record<string, unknown>;
    expect(typeof value.city).toBe('string');
    expect(value.unit).toBe('c');
  });

  it('returns thoughts when asked, with thought tokens counted', async () => {
    const response = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'echo: hi',
      config: { thinkingConfig: { includeThoughts: true } },
    });
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(parts[0]?.thought).toBe(true);
    expect(response.text).toBe('hi');
    expect(response.usageMetadata?.thoughtsTokenCount).toBeGreaterThan(0);
  });

  it('takes images as inline data and a system instruction', async () => {
    const response = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: [
        {
          role: 'user',
          parts: [{ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } }, { text: 'echo: seen' }],
        },
      ],
      config: { systemInstruction: 'Be brief.' },
    });
    expect(response.text).toBe('seen');
    const body = sim.stats().hosts.gem?.recent[0]?.body as { systemInstruction?: unknown };
    expect(body.systemInstruction).toBeDefined();
  });

  it('rejects a bad key with 400 API_KEY_INVALID, a missing key with 403, and takes ?key=', async () => {
    const badKey = new GoogleGenAI({ apiKey: 'bad-key', httpOptions: { baseUrl: `${sim.url}/hosts/gem` } });
    const error = await failure(badKey.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
    expect(error.status).toBe(400);
    expect(JSON.parse(error.message)).toMatchObject({
      error: { status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] },
    });
    const url = `${sim.url}/hosts/gem/v1beta/models/gemini-2.5-flash:generateContent`;
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'echo: ok' }] }] });
    const missing = await fetch(url, { method: 'POST', body });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ error: { status: 'PERMISSION_DENIED' } });
    const byQuery = await fetch(`${url}?key=gm-test`, { method: 'POST', body });
    expect(byQuery.status).toBe(200);
  });

  it('surfaces a 429 fault as ApiError 429 with RESOURCE_EXHAUSTED', async () => {
    sim.setFault({ host: 'gem', fault: { type: 'status', status: 429 }, times: 1 });
    const error = await failure(gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }));
    expect(error.status).toBe(429);
    expect(JSON.parse(error.message)).toMatchObject({ error: { code: 429, status: 'RESOURCE_EXHAUSTED' } });
    expect(sim.stats().hosts.gem).toMatchObject({ requests: 1, faulted: 1 });
  });

  it('fails a stream part-way with an error chunk the SDK raises', async () => {
    sim.setFault({ host: 'gem', fault: { type: 'stream_error', afterChunks: 1 } });
    const stream = await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'echo: a b c',
    });
    const texts: string[] = [];
    const error = await failure(
      (async () => {
        for await (const chunk of stream) texts.push(chunk.text ?? '');
      })(),
    );
    expect(texts).toEqual(['a']);
    expect(error.status).toBe(503);
    expect(error.message).toContain('UNAVAILABLE');
  });

  it('breaks a stream with an event that is not JSON, and with a reset mid-stream', async () => {
    const drain = async () => {
      const stream = await gemini.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: 'echo: a b c',
      });
      const texts: string[] = [];
      const error = await (async () => {
        for await (const chunk of stream) texts.push(chunk.text ?? '');
      })().then(
        () => undefined,
        (caught: unknown) => caught,
      );
      return { texts, error };
    };
    sim.setFault({ host: 'gem', fault: { type: 'malformed_sse', afterChunks: 1 }, times: 1 });
    const malformed = await drain();
    expect(malformed.texts).toEqual(['a']);
    expect(malformed.error).toBeInstanceOf(Error);
    expect(malformed.error).not.toBeInstanceOf(ApiError);
    sim.setFault({ host: 'gem', fault: { type: 'reset_mid_body', afterChunks: 2 }, times: 1 });
    const reset = await drain();
    // What arrived before the reset may or may not reach the reader; the answer never completes.
    expect(reset.texts.join('')).not.toBe('a b c');
    expect(reset.error).toBeInstanceOf(Error);
  });

  it('refuses a stream without alt=sse, which the simulator does not speak', async () => {
    const response = await fetch(
      `${sim.url}/hosts/gem/v1beta/models/gemini-2.5-flash:streamGenerateContent`,
      {
        method: 'POST',
        headers: { 'x-goog-api-key': 'gm-test' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
      },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
  });

  it("answers a blocked prompt with Google's verdict and no candidates", async () => {
    sim.setFault({ host: 'gem', fault: { type: 'content_filter' }, times: 2 });
    const blocked = await gemini.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
    expect(blocked.promptFeedback?.blockReason).toBe('SAFETY');
    expect(blocked.candidates).toBeUndefined();
    const stream = await gemini.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' });
    const reasons = [];
    for await (const chunk of stream) reasons.push(chunk.promptFeedback?.blockReason);
    expect(reasons).toEqual(['SAFETY']);
  });

  it('stops a filtered answer with finishReason SAFETY', async () => {
    sim.setFault({ host: 'gem', fault: { type: 'content_filter', stage: 'completion', afterChunks: 1 } });
    const response = await gemini.models.generateContent({
      model: 'gemini-2.5-flash',
      contents: 'echo: a b c',
    });
    expect(response.text).toBe('a');
    expect(response.candidates?.[0]?.finishReason).toBe('SAFETY');
  });

  it('ends a truncated stream without its finishing chunk', async () => {
    sim.setFault({ host: 'gem', fault: { type: 'truncate_stream' } });
    const stream = await gemini.models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: 'echo: a b',
    });
    const finishes: Array<string | undefined> = [];
    for await (const chunk of stream) finishes.push(chunk.candidates?.[0]?.finishReason);
    expect(finishes).toEqual([undefined, undefined]);
  });
});
