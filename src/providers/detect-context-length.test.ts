import { describe, expect, it } from 'vitest';
import { saysContextLengthExceeded } from './detect-context-length.js';

describe('saysContextLengthExceeded', () => {
  it('knows the code OpenAI and Azure send, whatever the message', () => {
    expect(saysContextLengthExceeded({ code: 'context_length_exceeded' })).toBe(true);
    expect(saysContextLengthExceeded({ code: 'context_length_exceeded', message: 'Bad request' })).toBe(true);
  });

  it.each([
    'prompt is too long: 208310 tokens > 200000 maximum',
    'Prompt is too long',
    'input length and `max_tokens` exceed context limit: 197000 + 21333 > 200000',
    'Request exceeds context limit',
    'The conversation exceeded the context window',
    'input exceeds the context window of this model',
    'EXCEEDS CONTEXT WINDOW',
    'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).',
    'The input token count exceeds the maximum number of tokens allowed.',
    'INPUT TOKEN COUNT (5) EXCEEDS THE MAXIMUM',
    'Input is too long for requested model.',
    'INPUT IS TOO LONG',
    'too many input tokens',
    'Too Many Input Tokens for this model',
    "This model's maximum context length is 8192 tokens. However, you requested 9000",
    'MAXIMUM CONTEXT LENGTH is 4096',
  ])('reads %j as a context-length refusal', (message) => {
    expect(saysContextLengthExceeded({ message })).toBe(true);
  });

  it.each([
    'messages: field required',
    'context window',
    'exceeds the limit',
    'exceeding context limit',
    'input token count is 5',
    'the maximum is 3',
    'input is long',
    'too many tokens',
    'maximum length',
    '',
  ])('reads %j as another refusal', (message) => {
    expect(saysContextLengthExceeded({ message })).toBe(false);
  });

  it('reads a body with neither code nor message as another refusal', () => {
    expect(saysContextLengthExceeded({})).toBe(false);
    expect(saysContextLengthExceeded({ code: 'invalid_value', type: 'invalid_request_error' })).toBe(false);
    expect(saysContextLengthExceeded({ code: '' })).toBe(false);
  });
});
