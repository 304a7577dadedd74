import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../core/index.js';
import { withPrefill } from './continue-stream.js';

const request: ChatRequest = {
  model: 'm',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
  stream: true,
  metadata: {},
  vendorOptions: {},
} as unknown as ChatRequest;

describe('withPrefill', () => {
  it('adds the client text as a trailing assistant message, without trailing whitespace', () => {
    const prefilled = withPrefill(request, 'one two \n');
    expect(prefilled.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'one two' }] },
    ]);
    expect(request.messages).toHaveLength(1);
  });

  it("extends the client's own prefill rather than adding a second assistant message", () => {
    const own = {
      ...request,
      messages: [...request.messages, { role: 'assistant', content: [{ type: 'text', text: 'Sure: ' }] }],
    } as ChatRequest;
    expect(withPrefill(own, 'one two').messages.at(-1)).toEqual({
      role: 'assistant',
      content: [{ type: 'text', text: 'Sure: one two' }],
    });
    expect(withPrefill(own, 'one two').messages).toHaveLength(2);
  });
});
