import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import { decodeGeminiResponse } from './decode-response.js';
import { readGeminiUsage } from './map-usage.js';

function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('decodeGeminiResponse', () => {
  it('decodes thoughts, a signed answer and usage with thoughts counted as output', () => {
    const response = decodeGeminiResponse(fixture('response-thinking-text.json'));
    expect(response).toMatchObject({ id: 'Xq9RaJ2fL8ann8UP3Y6x8AQ', model: 'gemini-2.5-flash' });
    expect(response.content).toEqual([
      { type: 'reasoning', text: '**Adding the numbers**\n\nThe user asks for 2 + 2.' },
      {
        type: 'reasoning',
        text: '',
        signature: 'gemini-thought:CiQBcsjafBXQkx2p1Yqf3lLhZl6Yq0zY0fZ0B2k6cS5x1vRk9wc=',
      },
      { type: 'text', text: '2 + 2 = 4.' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    expect(response.usage).toEqual({
      inputTokens: 12,
      outputTokens: 50,
      cacheReadTokens: 4,
      reasoningTokens: 44,
    });
  });

  it('decodes function calls with synthesized stable ids and says tool_calls for their STOP', () => {
    const body = fixture('response-function-calls.json');
    const response = decodeGeminiResponse(body);
    expect(response.content).toEqual([
      { type: 'text', text: "I'll check both cities." },
      {
        type: 'reasoning',
        text: '',
        signature: 'gemini-thought:EpYCCpMCAcu98PDq3bQ0pZmPq5nW7kD2Yc1vS9tN4xJ8rA==',
      },
      {
        type: 'tool_call',
        id: 'call_k2tSaOjHBsWmvdIPm9-HsQk_0',
        name: 'get_weather',
        arguments: '{"city":"Paris","unit":"celsius"}',
      },
      {
        type: 'tool_call',
        id: 'call_k2tSaOjHBsWmvdIPm9-HsQk_1',
        name: 'get_weather',
        arguments: '{"city":"Oslo","unit":"celsius"}',
      },
    ]);
    expect(response.finishReason).toEqual({ unified: 'tool_calls', raw: 'STOP' });
    expect(decodeGeminiResponse(body).content).toEqual(response.content);
  });

  it('gives calls of a response without an id distinct ids', () => {
    const call = { functionCall: { name: 'f', args: { a: 1 } } };
    const response = decodeGeminiResponse({ candidates: [{ content: { parts: [call, call] } }] });
    const ids = response.content.map((part) => (part.type === 'tool_call' ? part.id : ''));
    expect(ids[0]).not.toBe(ids[1]);
    expect(ids.every((id) => /^call-[0-9a-f]+$/.test(id))).toBe(true);
  });

  it('builds ids only of characters every client protocol accepts', () => {
    const response = decodeGeminiResponse({
      responseId: 'a/b+c=',
      candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: {} } }] } }],
    });
    expect(response.content).toEqual([
      { type: 'tool_call', id: 'call_a_b_c__0', name: 'f', arguments: '{}' },
    ]);
  });

  it('reads a Vertex answer withheld by a safety filter as content_filter with no content', () => {
    const response = decodeGeminiResponse(fixture('response-vertex-safety.json'));
    expect(response.content).toEqual([]);
    expect(response.finishReason).toEqual({ unified: 'content_filter', raw: 'SAFETY' });
    expect(response.created).toBe(1750237964);
    expect(response.usage).toEqual({ inputTokens: 15, outputTokens: 0 });
  });

  it('reads a blocked prompt (no candidates) as an empty answer ended by content_filter', () => {
    const response = decodeGeminiResponse(fixture('response-blocked-prompt.json'));
    expect(response.content).toEqual([]);
    expect(response.finishReason).toEqual({ unified: 'content_filter', raw: 'SAFETY' });
    expect(response.usage).toEqual({ inputTokens: 8, outputTokens: 0 });
  });

  it.each([
    ['MAX_TOKENS', 'length'],
    ['BLOCKLIST', 'content_filter'],
    ['PROHIBITED_CONTENT', 'content_filter'],
    ['SPII', 'content_filter'],
    ['IMAGE_SAFETY', 'content_filter'],
    ['UNEXPECTED_TOOL_CALL', 'error'],
    ['LANGUAGE', 'other'],
    ['FINISH_REASON_UNSPECIFIED', 'other'],
  ])('maps the finish reason %s to %s', (raw, unified) => {
    const response = decodeGeminiResponse({
      candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason: raw }],
    });
    expect(response.finishReason).toEqual({ unified, raw });
  });

  it('keeps a length finish as length even when the turn made calls', () => {
    const response = decodeGeminiResponse({
      candidates: [
        { content: { parts: [{ functionCall: { name: 'f', args: {} } }] }, finishReason: 'MAX_TOKENS' },
      ],
    });
    expect(response.finishReason.unified).toBe('length');
  });

  it('reads a candidate without a finish reason as a normal stop, and leaves out parts with no canonical form', () => {
    const response = decodeGeminiResponse({
      candidates: [
        {
          content: {
            parts: [
              { executableCode: { language: 'PYTHON', code: 'print(1)' } },
              { text: '', thought: true },
              { text: '' },
              { text: 'done' },
            ],
          },
        },
      ],
    });
    expect(response.content).toEqual([{ type: 'text', text: 'done' }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('throws bad_response for a body that is not an object or has neither candidates nor a block reason', () => {
    for (const body of ['text', [], { usageMetadata: { promptTokenCount: 1 } }]) {
      const error = caught(() => decodeGeminiResponse(body));
      expect(error).toBeInstanceOf(DetourError);
      expect((error as DetourError).failureClass).toBe('bad_response');
    }
  });

  it('decodes a thought with text but no signature, one with a signature but no text, and skips empty signatures', () => {
    const response = decodeGeminiResponse({
      responseId: 'r',
      modelVersion: 'gemini-2.5-flash',
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { text: 'Weighing it up.', thought: true },
              { thought: true, thoughtSignature: 'Q2lR' },
              { thought: true },
              { text: 'Answer.', thoughtSignature: '' },
              { functionCall: { args: { a: 1 } } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    });
    expect(response.content).toStrictEqual([
      { type: 'reasoning', text: 'Weighing it up.' },
      { type: 'reasoning', text: '', signature: 'gemini-thought:Q2lR' },
      { type: 'text', text: 'Answer.' },
      { type: 'tool_call', id: 'call_r_0', name: '', arguments: '{"a":1}' },
    ]);
  });

  it('gives calls of a response with an empty id random ids, not ids built from the empty one', () => {
    const response = decodeGeminiResponse({
      responseId: '',
      candidates: [{ content: { parts: [{ functionCall: { name: 'f', args: {} } }] }, finishReason: 'STOP' }],
    });
    expect(response.content).toStrictEqual([
      { type: 'tool_call', id: expect.stringMatching(/^call-[0-9a-f]+$/), name: 'f', arguments: '{}' },
    ]);
  });

  it('says what is wrong with a body it cannot read', () => {
    expect(() => decodeGeminiResponse([])).toThrow('upstream response is not a JSON object');
    expect(() => decodeGeminiResponse({ candidates: [] })).toThrow('upstream response has no candidates');
  });
});

describe('readGeminiUsage', () => {
  it('adds thoughts to output and tool-use prompt tokens to input, keeping cached and reasoning counts', () => {
    expect(
      readGeminiUsage({
        usageMetadata: {
          promptTokenCount: 100,
          toolUsePromptTokenCount: 20,
          candidatesTokenCount: 30,
          thoughtsTokenCount: 70,
          cachedContentTokenCount: 64,
          totalTokenCount: 220,
        },
      }),
    ).toEqual({ inputTokens: 120, outputTokens: 100, cacheReadTokens: 64, reasoningTokens: 70 });
  });

  it('is undefined without token counts', () => {
    expect(readGeminiUsage({})).toBeUndefined();
    expect(readGeminiUsage({ usageMetadata: { totalTokenCount: 5 } })).toBeUndefined();
    expect(readGeminiUsage('x')).toBeUndefined();
  });

  it('reads output-only counts, and adds no cached or reasoning counts that were not sent', () => {
    expect(readGeminiUsage({ usageMetadata: { candidatesTokenCount: 3 } })).toStrictEqual({
      inputTokens: 0,
      outputTokens: 3,
    });
    expect(readGeminiUsage({ usageMetadata: { thoughtsTokenCount: 8 } })).toStrictEqual({
      inputTokens: 0,
      outputTokens: 8,
      reasoningTokens: 8,
    });
    expect(
      readGeminiUsage({ usageMetadata: { promptTokenCount: 5, cachedContentTokenCount: 2 } }),
    ).toStrictEqual({
      inputTokens: 5,
      outputTokens: 0,
      cacheReadTokens: 2,
    });
  });
});
