import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/index.js';
import { encodeAnthropicRequest } from './encode-request.js';

describe('encodeAnthropicRequest', () => {
  it("sends back Anthropic's own signed thinking and leaves out reasoning Gemini signed", () => {
    const request: ChatRequest = {
      model: 'claude',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'q' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Gemini thought.', signature: 'gemini-thought:EpYCCpMC' },
            { type: 'reasoning', text: 'Claude thought.', signature: 'EqQBCkYIBxgCKkD' },
            { type: 'text', text: 'a' },
          ],
        },
      ],
      stream: false,
      metadata: {},
      vendorOptions: { 'openai-chat': {} },
    };
    expect(encodeAnthropicRequest(request, 'claude-sonnet-4-5').messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'q' }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Claude thought.', signature: 'EqQBCkYIBxgCKkD' },
          { type: 'text', text: 'a' },
        ],
      },
    ]);
  });
});
