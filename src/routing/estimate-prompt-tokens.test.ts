import { describe, expect, it } from 'vitest';
import type { ChatRequest, Message } from '../core/index.js';
import { estimateIfNearWindow, exceedsWindow } from './context-window.js';
import {
  estimatePromptTokens,
  IMAGE_TOKEN_ALLOWANCE,
  MESSAGE_OVERHEAD_TOKENS,
  PROMPT_OVERHEAD_TOKENS,
  promptTokensUpperBound,
} from './estimate-prompt-tokens.js';

function request(messages: Message[], extra: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'm', messages, stream: false, metadata: {}, vendorOptions: {}, ...extra };
}

function user(text: string): Message {
  return { role: 'user', content: [{ type: 'text', text }] };
}

const framing = (messages: number, images = 0) =>
  PROMPT_OVERHEAD_TOKENS + messages * MESSAGE_OVERHEAD_TOKENS + images * IMAGE_TOKEN_ALLOWANCE;

describe('estimatePromptTokens', () => {
  it('counts text as o200k does, plus the framing of each message', async () => {
    // o200k_base: "hello world" is 2 tokens; "word " repeated n times is n tokens + the last space
    // merged ("word" + " word" × (n − 1) + " ").
    expect(await estimatePromptTokens(request([user('hello world')]))).toBe(2 + framing(1));
    expect(await estimatePromptTokens(request([user('word '.repeat(1000))]))).toBe(1001 + framing(1));
  });

  it('counts the system prompt as a message and every image at the allowance', async () => {
    const withImage = request(
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello world' },
            { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/b.png' } },
          ],
        },
      ],
      { system: [{ type: 'text', text: 'hello world' }] },
    );
    // The two texts are joined with one newline: "hello world\nhello world" is 5 tokens.
    expect(await estimatePromptTokens(withImage)).toBe(5 + framing(2, 2));
  });

  it('counts tool calls, tool results, tool definitions and a JSON schema', async () => {
    const bare = request([user('hi')]);
    const withTools = request(
      [
        user('hi'),
        {
          role: 'assistant',
          content: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: '{"q":"x"}' }],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: 'c1',
              isError: false,
              content: [{ type: 'text', text: 'found' }],
            },
          ],
        },
      ],
      {
        tools: [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
        responseFormat: { type: 'json_schema', name: 'a', schema: { type: 'object' } },
      },
    );
    const difference = (await estimatePromptTokens(withTools)) - (await estimatePromptTokens(bare));
    // Two more messages' framing and at least one token for each of the five pieces.
    expect(difference).toBeGreaterThanOrEqual(2 * MESSAGE_OVERHEAD_TOKENS + 5);
  });
});

describe('promptTokensUpperBound', () => {
  it('is never below the estimate, for English, code, CJK and emoji', async () => {
    for (const text of [
      'hello world',
      'word '.repeat(500),
      'const x = [1, 2, 3];\n'.repeat(50),
      '日本語のテキスト'.repeat(40),
      '🙂🚀'.repeat(60),
    ]) {
      const prompt = request([user(text)]);
      expect(promptTokensUpperBound(prompt)).toBeGreaterThanOrEqual(await estimatePromptTokens(prompt));
    }
  });
});

describe('exceedsWindow', () => {
  it('holds an estimate against a window only beyond the margin, and never an unknown one', () => {
    expect(exceedsWindow(1100, 1000)).toBe(false);
    expect(exceedsWindow(1112, 1000)).toBe(true);
    expect(exceedsWindow(undefined, 1000)).toBe(false);
    expect(exceedsWindow(1_000_000, undefined)).toBe(false);
  });
});

describe('estimateIfNearWindow', () => {
  it('estimates only when a known window is within the cheap bound of the prompt', async () => {
    const prompt = request([user('word '.repeat(1000))]);
    expect(await estimateIfNearWindow(prompt, [undefined, undefined])).toBeUndefined();
    expect(await estimateIfNearWindow(prompt, [1_000_000])).toBeUndefined();
    expect(await estimateIfNearWindow(prompt, [undefined, 2000, 1_000_000])).toBe(1001 + framing(1));
  });
});
