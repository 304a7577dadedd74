import { describe, expect, it } from 'vitest';
import { composeAnswer } from './compose-answer.js';
import { geminiApiWire, vertexGeminiWire } from './gemini-wire.js';
import { SimRequestError } from './sim-wire.js';

const route = { endpoint: 'chat' as const, model: 'gemini-x', stream: false, query: new URLSearchParams() };
const ids = { id: 'resp-1', created: 1_800_000_000 };

function read(body: unknown) {
  return geminiApiWire.readPrompt(body, {}, route);
}

function rejection(body: unknown): string {
  try {
    read(body);
  } catch (error) {
    if (error instanceof SimRequestError) return error.message;
    throw error;
  }
  return 'accepted';
}

const user = (text: string) => ({ role: 'user', parts: [{ text }] });

describe('geminiApiWire.readPrompt', () => {
  it('rejects what the API rejects: no contents, empty parts, empty part, bad roles, bad base64', () => {
    expect(rejection({})).toContain('contents is not specified');
    expect(rejection({ contents: [{ role: 'user', parts: [] }] })).toContain('must not be empty');
    expect(rejection({ contents: [{ role: 'user', parts: [{}] }] })).toContain("oneof field 'data'");
    expect(rejection({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] })).toContain('valid role');
    const image = { inlineData: { mimeType: 'image/png', data: 'not base64!' } };
    expect(rejection({ contents: [{ role: 'user', parts: [image] }] })).toContain('Base64 decoding failed');
    const result = { functionResponse: { name: 'f', response: 'sunny' } };
    expect(rejection({ contents: [{ role: 'user', parts: [result] }] })).toContain('function_response');
    const both = { name: 'f', parameters: { type: 'OBJECT' }, parametersJsonSchema: { type: 'object' } };
    expect(rejection({ contents: [user('x')], tools: [{ functionDeclarations: [both] }] })).toContain(
      'mutually exclusive',
    );
    const schemaWithoutJson = { responseSchema: { type: 'OBJECT' } };
    expect(rejection({ contents: [user('x')], generationConfig: schemaWithoutJson })).toContain(
      'response_mime_type',
    );
  });

  it('takes the model and the stream flag from the route, and the last user text', () => {
    const prompt = geminiApiWire.readPrompt(
      { contents: [user('first'), { role: 'model', parts: [{ text: 'ok' }] }, user('echo: second')] },
      {},
      { endpoint: 'chat', model: 'gemini-y', stream: true, query: new URLSearchParams('alt=sse') },
    );
    expect(prompt).toMatchObject({ model: 'gemini-y', stream: true, lastUserText: 'echo: second' });
  });

  it('reads Google-schema tools, ANY mode limited to one function, and function results', () => {
    const prompt = read({
      contents: [
        user('Weather?'),
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: {} } }] },
        {
          role: 'user',
          parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }],
        },
      ],
      tools: [
        {
          functionDeclarations: [
            {
              name: 'get_weather',
              parameters: { type: 'OBJECT', properties: { days: { type: 'INTEGER' } } },
            },
            { name: 'get_time', parametersJsonSchema: { type: 'object' } },
          ],
        },
      ],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } },
    });
    expect(prompt.tools).toEqual([
      { name: 'get_weather', schema: { type: 'object', properties: { days: { type: 'integer' } } } },
      { name: 'get_time', schema: { type: 'object' } },
    ]);
    expect(prompt.toolChoice).toEqual({ type: 'tool', name: 'get_time' });
    expect(prompt.toolResult).toBe('sunny');
    expect(prompt.lastUserText).toBe('Weather?');
  });

  it('reads generationConfig: token limit, stop sequences, JSON mode with either schema, thoughts', () => {
    const prompt = read({
      contents: [user('x')],
      systemInstruction: { parts: [{ text: 'be brief' }] },
      generationConfig: {
        maxOutputTokens: 7,
        stopSequences: ['END'],
        responseMimeType: 'application/json',
        responseSchema: { type: 'OBJECT', properties: { n: { type: 'NUMBER' } } },
        thinkingConfig: { includeThoughts: true, thinkingBudget: 100 },
      },
    });
    expect(prompt).toMatchObject({ maxTokens: 7, stop: ['END'], thinking: true });
    expect(prompt.json).toEqual({ schema: { type: 'object', properties: { n: { type: 'number' } } } });
    // The system instruction counts towards the prompt's size.
    expect(prompt.promptChars - read({ contents: [user('x')] }).promptChars).toBe('be brief'.length);
    const jsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
    const direct = read({
      contents: [user('x')],
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: jsonSchema },
    });
    expect(direct.json).toEqual({ schema: jsonSchema });
  });
});

describe('geminiApiWire.response and stream', () => {
  it('ends a function call with STOP, and a cut answer with MAX_TOKENS', () => {
    const called = read({
      contents: [user('Weather?')],
      tools: [{ functionDeclarations: [{ name: 'get_weather' }] }],
    });
    const body = geminiApiWire.response(composeAnswer(called, 1), called, ids) as {
      candidates: Array<{ finishReason: string; content: { parts: unknown[] } }>;
    };
    expect(body.candidates[0]?.finishReason).toBe('STOP');
    expect(body.candidates[0]?.content.parts).toEqual([{ functionCall: { name: 'get_weather', args: {} } }]);
    const cut = read({ contents: [user('echo: a b c')], generationConfig: { maxOutputTokens: 1 } });
    const cutBody = geminiApiWire.response(composeAnswer(cut, 1), cut, ids) as {
      candidates: Array<{ finishReason: string }>;
    };
    expect(cutBody.candidates[0]?.finishReason).toBe('MAX_TOKENS');
  });

  it('counts thoughts apart from candidates and within the total, and signs the answer', () => {
    const prompt = read({
      contents: [user('echo: hi')],
      generationConfig: { thinkingConfig: { includeThoughts: true } },
    });
    const answer = composeAnswer(prompt, 1);
    const body = geminiApiWire.response(answer, prompt, ids) as {
      candidates: Array<{ content: { parts: Array<Record<string, unknown>> } }>;
      usageMetadata: Record<string, number>;
    };
    const [thought, text] = body.candidates[0]?.content.parts ?? [];
    expect(thought).toMatchObject({ thought: true });
    expect(text).toMatchObject({ text: 'hi', thoughtSignature: expect.any(String) });
    const usage = body.usageMetadata;
    expect(usage.candidatesTokenCount).toBe(1);
    expect(usage.thoughtsTokenCount).toBeGreaterThan(0);
    expect(usage.totalTokenCount).toBe(
      (usage.promptTokenCount ?? 0) + (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0),
    );
  });

  it('streams CRLF-separated whole responses, finish reason and final usage only on the last', () => {
    const prompt = read({ contents: [user('echo: one two')] });
    const pieces = vertexGeminiWire.stream(composeAnswer(prompt, 1), prompt, ids);
    expect(pieces.map((piece) => piece.kind)).toEqual(['content', 'content', 'tail']);
    const events = pieces.map((piece) => String(piece.data));
    expect(events.every((event) => event.startsWith('data: ') && event.endsWith('\r\n\r\n'))).toBe(true);
    const chunks = events.map((event) => JSON.parse(event.slice(6)) as Record<string, unknown>);
    expect(chunks.map((chunk) => JSON.stringify(chunk).includes('finishReason'))).toEqual([
      false,
      false,
      true,
    ]);
    expect(chunks[2]).toMatchObject({
      candidates: [{ finishReason: 'STOP' }],
      usageMetadata: { candidatesTokenCount: 2 },
      modelVersion: 'gemini-x',
      createTime: new Date(ids.created * 1000).toISOString(),
    });
  });

  it('renders errors in Google shape, with the service of the host in the ErrorInfo', () => {
    expect(geminiApiWire.errorBody({ status: 429 })).toEqual({
      error: { code: 429, message: expect.any(String), status: 'RESOURCE_EXHAUSTED' },
    });
    expect(
      vertexGeminiWire.errorBody({ status: 400, errorType: 'FAILED_PRECONDITION', errorCode: 'BILLING' }),
    ).toMatchObject({
      error: {
        status: 'FAILED_PRECONDITION',
        details: [{ reason: 'BILLING', metadata: { service: 'aiplatform.googleapis.com' } }],
      },
    });
    const event = String(geminiApiWire.streamError('DEADLINE_EXCEEDED', undefined));
    expect(JSON.parse(event.slice(6))).toMatchObject({ error: { code: 504, status: 'DEADLINE_EXCEEDED' } });
    expect(JSON.parse(String(geminiApiWire.streamError(undefined, 'x')).slice(6))).toMatchObject({
      error: { code: 503, status: 'UNAVAILABLE', message: 'x' },
    });
  });
});
