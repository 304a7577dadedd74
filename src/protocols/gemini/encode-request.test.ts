import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message } from '../../core/index.js';
import { encodeGeminiRequest } from './encode-request.js';

function request(fields: Partial<ChatRequest> = {}): ChatRequest {
  return {
    model: 'gemini',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    stream: false,
    metadata: {},
    vendorOptions: { 'openai-chat': {} },
    ...fields,
  };
}

function encode(fields: Partial<ChatRequest> = {}): Record<string, unknown> {
  return encodeGeminiRequest(request(fields), 'gemini-2.5-flash');
}

const weatherCall = (id: string, city: string): Message['content'][number] => ({
  type: 'tool_call',
  id,
  name: 'get_weather',
  arguments: JSON.stringify({ city }),
});

describe('encodeGeminiRequest', () => {
  it('writes a minimal request as contents only: no model, no stream flag, no empty config', () => {
    expect(encode({ stream: true, metadata: { user: 'u1' } })).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'hi' }] }],
    });
  });

  it('writes system parts as the system instruction, leaving out empty ones', () => {
    expect(
      encode({
        system: [
          { type: 'text', text: 'Be brief.' },
          { type: 'text', text: '' },
          { type: 'text', text: 'Answer in French.' },
        ],
      }).systemInstruction,
    ).toEqual({ role: 'user', parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
    expect(encode({ system: [{ type: 'text', text: '' }] })).not.toHaveProperty('systemInstruction');
  });

  it('writes base64 images as inline data and https image URLs as file data with their type', () => {
    const body = encode({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these.' },
            { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'base64', mediaType: 'image/jpg', data: '/9j/4AAQ' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.JPG?size=large' } },
          ],
        },
      ],
    });
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Compare these.' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.JPG?size=large' } },
        ],
      },
    ]);
  });

  it('writes an assistant turn as model parts with argument objects, and marks the first call of foreign history', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Oslo?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Checking.' },
            weatherCall('call_a', 'Paris'),
            weatherCall('call_b', 'Oslo'),
          ],
        },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Oslo?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          {
            functionCall: { name: 'get_weather', args: { city: 'Paris' } },
            thoughtSignature: 'skip_thought_signature_validator',
          },
          { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
        ],
      },
    ]);
  });

  it("puts a Gemini signature back on the part after it, and drops another vendor's reasoning", () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Claude thought this.', signature: 'EqQBCkYIBxgCKkD' },
            { type: 'text', text: 'Let me look.' },
            { type: 'reasoning', text: 'summary', signature: 'gemini-thought:EpYCCpMC' },
            weatherCall('call_a', 'Paris'),
          ],
        },
      ],
    });
    expect((body.contents as unknown[])[1]).toEqual({
      role: 'model',
      parts: [
        { text: 'Let me look.' },
        { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'EpYCCpMC' },
      ],
    });
  });

  it('puts a signature that came last on the last part, and keeps malformed arguments whole', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'c1', name: 'f', arguments: 'not json' },
            { type: 'text', text: 'Done.' },
            { type: 'reasoning', text: '', signature: 'gemini-thought:CiQB' },
          ],
        },
      ],
    });
    expect((body.contents as unknown[])[1]).toEqual({
      role: 'model',
      parts: [
        {
          functionCall: { name: 'f', args: { arguments: 'not json' } },
          thoughtSignature: 'skip_thought_signature_validator',
        },
        { text: 'Done.', thoughtSignature: 'CiQB' },
      ],
    });
  });

  it("answers calls by the function's name, in the order of the calls, with errors under `error` and images after", () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Weather?' }] },
        { role: 'assistant', content: [weatherCall('call_a', 'Paris'), weatherCall('call_b', 'Oslo')] },
        // An OpenAI client may send the results in any order.
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'call_b',
              content: [
                { type: 'text', text: 'station offline' },
                { type: 'text', text: 'retry later' },
              ],
              isError: true,
            },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'call_a',
              content: [
                { type: 'text', text: '18 °C' },
                { type: 'image', source: { type: 'base64', mediaType: 'image/png', data: 'iVBO' } },
              ],
              isError: false,
            },
          ],
        },
        { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      ],
    });
    expect((body.contents as unknown[])[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { output: '18 °C' } } },
        { functionResponse: { name: 'get_weather', response: { error: 'station offline\nretry later' } } },
        { inlineData: { mimeType: 'image/png', data: 'iVBO' } },
        { text: 'And tomorrow?' },
      ],
    });
    expect(body.contents).toHaveLength(3);
  });

  it("sends the current turn's responses first and a result for an older turn's call last", () => {
    const result = (toolCallId: string, text: string): Message => ({
      role: 'tool',
      content: [{ type: 'tool_result', toolCallId, content: [{ type: 'text', text }], isError: false }],
    });
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        { role: 'assistant', content: [weatherCall('old', 'Rome')] },
        result('old', 'first answer'),
        { role: 'assistant', content: [weatherCall('new', 'Oslo')] },
        result('old', 'late duplicate'),
        result('new', 'current answer'),
      ],
    });
    const responses = (
      (body.contents as Array<{ parts: Array<Record<string, unknown>> }>)[4]?.parts ?? []
    ).map((part) => (part.functionResponse as { response: { output: string } }).response.output);
    expect(responses).toEqual(['current answer', 'late duplicate']);
  });

  it('merges consecutive turns of one role and skips turns left empty', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'one' }] },
        { role: 'user', content: [{ type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: '' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'three' }] },
        { role: 'user', content: [{ type: 'text', text: '' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'four' }] },
      ],
    });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'one' }, { text: 'two' }] },
      { role: 'model', parts: [{ text: 'three' }, { text: 'four' }] },
    ]);
  });

  it('declares tools with their JSON Schema as parametersJsonSchema', () => {
    const parameters = {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { enum: ['celsius', 'fahrenheit'] } },
      required: ['city'],
      additionalProperties: false,
    };
    const body = encode({
      tools: [
        { name: 'get_weather', description: 'Current weather', parameters, strict: true },
        { name: 'now', parameters: { type: 'object', properties: {} } },
      ],
    });
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Current weather', parametersJsonSchema: parameters },
          { name: 'now', parametersJsonSchema: { type: 'object', properties: {} } },
        ],
      },
    ]);
    expect(body).not.toHaveProperty('toolConfig');
  });

  it.each([
    [{ type: 'auto' }, { mode: 'AUTO' }],
    [{ type: 'none' }, { mode: 'NONE' }],
    [{ type: 'required' }, { mode: 'ANY' }],
    [
      { type: 'tool', name: 'get_weather' },
      { mode: 'ANY', allowedFunctionNames: ['get_weather'] },
    ],
  ] as const)('writes the tool choice %o as the calling config %o', (toolChoice, config) => {
    const body = encode({ tools: [{ name: 'get_weather', parameters: {} }], toolChoice });
    expect(body.toolConfig).toEqual({ functionCallingConfig: config });
  });

  it('leaves the calling config out when there are no tools', () => {
    expect(encode({ toolChoice: { type: 'required' } })).not.toHaveProperty('toolConfig');
  });

  it('writes sampling, limits, stop sequences and the seed as the generation config', () => {
    const body = encode({
      temperature: 1.4,
      topP: 0.9,
      topK: 40,
      maxTokens: 256,
      stop: ['END', '###'],
      vendorOptions: { 'openai-chat': { seed: 7 } },
    });
    expect(body.generationConfig).toEqual({
      temperature: 1.4,
      topP: 0.9,
      topK: 40,
      maxOutputTokens: 256,
      stopSequences: ['END', '###'],
      seed: 7,
    });
  });

  it('asks for JSON with a MIME type, and with the JSON Schema when there is one', () => {
    expect(encode({ responseFormat: { type: 'json' } }).generationConfig).toEqual({
      responseMimeType: 'application/json',
    });
    const schema = { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'] };
    expect(
      encode({ responseFormat: { type: 'json_schema', name: 'sum', schema, strict: true } }).generationConfig,
    ).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
    expect(encode({ responseFormat: { type: 'text' } })).not.toHaveProperty('generationConfig');
  });

  it("maps an Anthropic client's thinking budget, with thoughts returned", () => {
    const thinking = (value: unknown) =>
      encode({ vendorOptions: { 'anthropic-messages': { thinking: value } } }).generationConfig;
    expect(thinking({ type: 'enabled', budget_tokens: 2048 })).toEqual({
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    });
    expect(thinking({ type: 'adaptive' })).toEqual({
      thinkingConfig: { thinkingBudget: -1, includeThoughts: true },
    });
    expect(thinking({ type: 'disabled' })).toBeUndefined();
  });

  it("maps an OpenAI client's reasoning effort to the budget Google gives it, without thoughts", () => {
    const effort = (value: string) =>
      encode({ vendorOptions: { 'openai-chat': { reasoning_effort: value } } }).generationConfig;
    expect(effort('low')).toEqual({ thinkingConfig: { thinkingBudget: 1024 } });
    expect(effort('medium')).toEqual({ thinkingConfig: { thinkingBudget: 8192 } });
    expect(effort('high')).toEqual({ thinkingConfig: { thinkingBudget: 24576 } });
    expect(effort('none')).toBeUndefined();
  });

  it('writes empty arguments as an empty object and keeps arguments that are not an object whole', () => {
    const body = encode({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_call', id: 'c1', name: 'f', arguments: '' },
            { type: 'tool_call', id: 'c2', name: 'f', arguments: 'null' },
            { type: 'tool_call', id: 'c3', name: 'f', arguments: '[1,2]' },
            { type: 'tool_call', id: 'c4', name: 'f', arguments: '7' },
          ],
        },
      ],
    });
    expect((body.contents as unknown[])[1]).toStrictEqual({
      role: 'model',
      parts: [
        { functionCall: { name: 'f', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
        { functionCall: { name: 'f', args: { arguments: 'null' } } },
        { functionCall: { name: 'f', args: { arguments: '[1,2]' } } },
        { functionCall: { name: 'f', args: { arguments: '7' } } },
      ],
    });
  });

  it('puts a trailing signature on the last of several parts, and never over a signature the part has', () => {
    const contents = (content: Message['content']) =>
      (
        encode({
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'q' }] },
            { role: 'assistant', content },
          ],
        }).contents as unknown[]
      )[1];
    expect(
      contents([
        { type: 'text', text: 'a' },
        { type: 'text', text: 'b' },
        { type: 'text', text: 'c' },
        { type: 'reasoning', text: '', signature: 'gemini-thought:Last' },
      ]),
    ).toStrictEqual({
      role: 'model',
      parts: [{ text: 'a' }, { text: 'b' }, { text: 'c', thoughtSignature: 'Last' }],
    });
    expect(
      contents([
        { type: 'reasoning', text: '', signature: 'gemini-thought:First' },
        { type: 'text', text: 'a' },
        { type: 'reasoning', text: '', signature: 'gemini-thought:Late' },
      ]),
    ).toStrictEqual({ role: 'model', parts: [{ text: 'a', thoughtSignature: 'First' }] });
  });

  it('leaves out parts that are not content of their role', () => {
    const body = encode({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'q' },
            { type: 'reasoning', text: 'not mine' },
            { type: 'tool_call', id: 'c0', name: 'f', arguments: '{}' },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'a' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'tool_result', toolCallId: 'c0', content: [{ type: 'text', text: 'r' }], isError: false },
          ],
        },
      ],
    });
    expect(body.contents).toStrictEqual([
      { role: 'user', parts: [{ text: 'q' }] },
      { role: 'model', parts: [{ text: 'a' }] },
    ]);
  });

  it('asks for thoughts without a budget when an Anthropic client gave none', () => {
    expect(
      encode({ vendorOptions: { 'anthropic-messages': { thinking: { type: 'enabled' } } } }).generationConfig,
    ).toStrictEqual({ thinkingConfig: { includeThoughts: true } });
  });
});
