import { describe, expect, it } from 'vitest';
import { decodeAnthropicUsage, encodeAnthropicUsage, readAnthropicUsage } from './map-usage.js';

describe('decodeAnthropicUsage', () => {
  it('counts cache reads and writes into the whole prompt and keeps them apart', () => {
    expect(
      decodeAnthropicUsage({
        input_tokens: 12,
        cache_creation_input_tokens: 300,
        cache_read_input_tokens: 2048,
        output_tokens: 77,
        service_tier: 'standard',
      }),
    ).toStrictEqual({ inputTokens: 2360, outputTokens: 77, cacheReadTokens: 2048, cacheWriteTokens: 300 });
  });

  it('leaves out cache fields that are absent or not numbers', () => {
    expect(decodeAnthropicUsage({ input_tokens: 12, output_tokens: 7 })).toStrictEqual({
      inputTokens: 12,
      outputTokens: 7,
    });
    expect(
      decodeAnthropicUsage({
        input_tokens: 12,
        output_tokens: 7,
        cache_creation_input_tokens: null,
        cache_read_input_tokens: '5',
      }),
    ).toStrictEqual({ inputTokens: 12, outputTokens: 7 });
  });

  it('reads a missing input or output count as zero when the other is there', () => {
    expect(decodeAnthropicUsage({ output_tokens: 15 })).toStrictEqual({ inputTokens: 0, outputTokens: 15 });
    expect(decodeAnthropicUsage({ input_tokens: 9, cache_read_input_tokens: 1 })).toStrictEqual({
      inputTokens: 10,
      outputTokens: 0,
      cacheReadTokens: 1,
    });
  });

  it('reads nothing when neither input nor output is counted', () => {
    expect(decodeAnthropicUsage({ cache_read_input_tokens: 100 })).toBeUndefined();
    expect(decodeAnthropicUsage({})).toBeUndefined();
    expect(decodeAnthropicUsage(null)).toBeUndefined();
    expect(decodeAnthropicUsage('usage')).toBeUndefined();
    expect(decodeAnthropicUsage([12, 7])).toBeUndefined();
  });
});

describe('encodeAnthropicUsage', () => {
  it('writes the uncached part of the prompt as input_tokens, beside cache reads and writes', () => {
    expect(
      encodeAnthropicUsage({
        inputTokens: 2360,
        outputTokens: 77,
        cacheReadTokens: 2048,
        cacheWriteTokens: 300,
      }),
    ).toStrictEqual({
      input_tokens: 12,
      output_tokens: 77,
      cache_creation_input_tokens: 300,
      cache_read_input_tokens: 2048,
    });
  });

  it('writes zero cache counts when there are none', () => {
    expect(encodeAnthropicUsage({ inputTokens: 40, outputTokens: 3, reasoningTokens: 2 })).toStrictEqual({
      input_tokens: 40,
      output_tokens: 3,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
  });

  it('never writes a negative input count when a host reported more cached than total tokens', () => {
    expect(
      encodeAnthropicUsage({ inputTokens: 10, outputTokens: 1, cacheReadTokens: 8, cacheWriteTokens: 5 }),
    ).toStrictEqual({
      input_tokens: 0,
      output_tokens: 1,
      cache_creation_input_tokens: 5,
      cache_read_input_tokens: 8,
    });
  });

  it('round-trips with decodeAnthropicUsage', () => {
    const wire = {
      input_tokens: 5,
      output_tokens: 6,
      cache_creation_input_tokens: 7,
      cache_read_input_tokens: 8,
    };
    const decoded = decodeAnthropicUsage(wire);
    expect(decoded).toStrictEqual({
      inputTokens: 20,
      outputTokens: 6,
      cacheReadTokens: 8,
      cacheWriteTokens: 7,
    });
    expect(encodeAnthropicUsage(decoded ?? { inputTokens: -1, outputTokens: -1 })).toStrictEqual(wire);
  });
});

describe('readAnthropicUsage', () => {
  it('reads only the usage of a complete body', () => {
    expect(
      readAnthropicUsage({
        id: 'msg_01',
        type: 'message',
        content: [{ type: 'text', text: 'hi' }],
        usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 0 },
      }),
    ).toStrictEqual({ inputTokens: 3, outputTokens: 4, cacheReadTokens: 0 });
  });

  it('reads nothing from a body without usage or that is not an object', () => {
    expect(readAnthropicUsage({ id: 'msg_01', content: [] })).toBeUndefined();
    expect(readAnthropicUsage('{"usage":{"input_tokens":3}}')).toBeUndefined();
    expect(readAnthropicUsage(null)).toBeUndefined();
  });
});
