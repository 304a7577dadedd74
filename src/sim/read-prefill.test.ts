import { describe, expect, it } from 'vitest';
import {
  readChatCompletionsPrefill,
  readConversePrefill,
  readMessagesPrefill,
  TRAILING_WHITESPACE_MESSAGE,
} from './read-prefill.js';
import { rejectRequest, SimRequestError } from './sim-wire.js';

/** The message a reader rejects with, or `accepted`. */
function rejection(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof SimRequestError) return error.message;
    throw error;
  }
  return 'accepted';
}

const user = { role: 'user', content: 'echo: one two' };

describe('readMessagesPrefill', () => {
  it('reads a final assistant message, string or text blocks, with its index', () => {
    expect(readMessagesPrefill([user, { role: 'assistant', content: 'one' }], false)).toEqual({
      text: 'one',
      via: 'trailing_assistant',
      index: 1,
    });
    const blocks = {
      role: 'assistant',
      content: [
        { type: 'text', text: 'on' },
        { type: 'text', text: 'e' },
      ],
    };
    expect(readMessagesPrefill([user, blocks], false)?.text).toBe('one');
  });

  it('reads none when the conversation ends with the user, or the assistant message is empty', () => {
    expect(readMessagesPrefill([user], false)).toBeUndefined();
    expect(readMessagesPrefill([user, { role: 'assistant', content: '' }], true)).toBeUndefined();
    expect(readMessagesPrefill([user, { role: 'assistant', content: [] }], true)).toBeUndefined();
  });

  it('rejects trailing whitespace of any kind, as Anthropic does', () => {
    for (const text of ['one ', 'one\n', 'one\t', ' '])
      expect(rejection(() => readMessagesPrefill([user, { role: 'assistant', content: text }], false))).toBe(
        TRAILING_WHITESPACE_MESSAGE,
      );
  });

  it('with thinking on, rejects a prefill that does not open with a thinking block', () => {
    const text = rejection(() => readMessagesPrefill([user, { role: 'assistant', content: 'one' }], true));
    expect(text).toContain(
      'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`',
    );
    expect(text).toContain('a final `assistant` message must start with a thinking block');
    const thought = { type: 'thinking', thinking: 'hm', signature: 's' };
    const withThinking = { role: 'assistant', content: [thought, { type: 'text', text: 'one' }] };
    expect(readMessagesPrefill([user, withThinking], true)?.text).toBe('one');
    const redacted = {
      role: 'assistant',
      content: [
        { type: 'redacted_thinking', data: 'x' },
        { type: 'text', text: 'a' },
      ],
    };
    expect(readMessagesPrefill([user, redacted], true)?.text).toBe('a');
  });

  it('rejects through the reject it is given', () => {
    const reject = (message: string): never => rejectRequest(`wrapped: ${message}`);
    expect(
      rejection(() => readMessagesPrefill([user, { role: 'assistant', content: 'x ' }], false, reject)),
    ).toBe(`wrapped: ${TRAILING_WHITESPACE_MESSAGE}`);
  });
});

describe('readConversePrefill', () => {
  const reject = (message: string): never => rejectRequest(`model: ${message}`);
  const converseUser = { role: 'user', content: [{ text: 'echo: one two' }] };

  it('reads a final assistant message of text blocks', () => {
    const last = { role: 'assistant', content: [{ text: 'one' }] };
    expect(readConversePrefill([converseUser, last], false, reject)).toEqual({
      text: 'one',
      via: 'trailing_assistant',
      index: 1,
    });
    expect(readConversePrefill([converseUser], false, reject)).toBeUndefined();
  });

  it('rejects trailing whitespace and, with thinking on, a prefill without a leading reasoning block', () => {
    const spaced = { role: 'assistant', content: [{ text: 'one ' }] };
    expect(rejection(() => readConversePrefill([converseUser, spaced], false, reject))).toBe(
      `model: ${TRAILING_WHITESPACE_MESSAGE}`,
    );
    const plain = { role: 'assistant', content: [{ text: 'one' }] };
    expect(rejection(() => readConversePrefill([converseUser, plain], true, reject))).toContain(
      'model: messages.1.content.0.type: Expected `thinking`',
    );
    const reasoned = {
      role: 'assistant',
      content: [{ reasoningContent: { reasoningText: { text: 'hm', signature: 's' } } }, { text: 'one' }],
    };
    expect(readConversePrefill([converseUser, reasoned], true, reject)?.text).toBe('one');
  });
});

describe('readChatCompletionsPrefill', () => {
  const assistant = { role: 'assistant', content: 'one' };

  it('reads DeepSeek `prefix: true` on the final assistant message', () => {
    expect(readChatCompletionsPrefill({}, [user, { ...assistant, prefix: true }])).toEqual({
      text: 'one',
      via: 'prefix',
      index: 1,
    });
    const parts = { role: 'assistant', content: [{ type: 'text', text: 'one' }], prefix: true };
    expect(readChatCompletionsPrefill({}, [user, parts])?.text).toBe('one');
  });

  it('reads vLLM `continue_final_message` with `add_generation_prompt: false`', () => {
    const request = { continue_final_message: true, add_generation_prompt: false };
    expect(readChatCompletionsPrefill(request, [user, assistant])).toEqual({
      text: 'one',
      via: 'continue_final_message',
      index: 1,
    });
    // On a conversation ending with the user there is nothing to continue.
    expect(readChatCompletionsPrefill(request, [user])).toBeUndefined();
  });

  it('rejects `continue_final_message` beside an explicit or defaulted `add_generation_prompt`', () => {
    expect(
      rejection(() =>
        readChatCompletionsPrefill({ continue_final_message: true, add_generation_prompt: true }, [
          user,
          assistant,
        ]),
      ),
    ).toBe('Cannot set both `continue_final_message` and `add_generation_prompt` to True.');
    expect(
      rejection(() => readChatCompletionsPrefill({ continue_final_message: true }, [user, assistant])),
    ).toMatch(/^continue_final_message and add_generation_prompt are not compatible\./);
  });

  it('reads none from a trailing assistant message without a flag, or a flag on an earlier one', () => {
    expect(readChatCompletionsPrefill({}, [user, assistant])).toBeUndefined();
    expect(readChatCompletionsPrefill({}, [{ ...assistant, prefix: true }, user])).toBeUndefined();
    expect(readChatCompletionsPrefill({ add_generation_prompt: false }, [user, assistant])).toBeUndefined();
  });
});
