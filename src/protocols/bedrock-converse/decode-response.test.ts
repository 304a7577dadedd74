import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DetourError } from '../../core/index.js';
import { decodeConverseResponse } from './decode-response.js';
import { readConverseUsage } from './map-usage.js';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));
}

function withStopReason(stopReason: string): unknown {
  return { output: { message: { role: 'assistant', content: [{ text: 'x' }] } }, stopReason };
}

describe('decodeConverseResponse', () => {
  it('decodes reasoning, redacted reasoning, text and a tool call, with ids and usage', () => {
    const response = decodeConverseResponse(fixture('response-reasoning-tool-use.json'));
    expect(response.content).toEqual([
      {
        type: 'reasoning',
        text: 'The user wants the weather in Paris; I should call get_weather.',
        signature: 'EqoBCkgIARABGAIiQL8vZ3n1Qw2x',
      },
      { type: 'reasoning', text: '', redactedData: 'RXh0cmEgcmVhc29uaW5n' },
      { type: 'text', text: 'Let me check the weather for you.' },
      {
        type: 'tool_call',
        id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q',
        name: 'get_weather',
        arguments: '{"city":"Paris","unit":"celsius"}',
      },
    ]);
    expect(response.finishReason).toEqual({ unified: 'tool_calls', raw: 'tool_use' });
    // Bedrock counts cache reads and writes apart from inputTokens; canonical input is the whole prompt.
    expect(response.usage).toEqual({
      inputTokens: 412 + 1024 + 200,
      outputTokens: 87,
      cacheReadTokens: 1024,
      cacheWriteTokens: 200,
    });
    expect(response.id).toMatch(/^msg-[0-9a-f]{24}$/);
    expect(response.model).toBe('');
  });

  it('maps every Converse stop reason', () => {
    const expected: Record<string, string> = {
      end_turn: 'stop',
      stop_sequence: 'stop',
      max_tokens: 'length',
      model_context_window_exceeded: 'length',
      tool_use: 'tool_calls',
      guardrail_intervened: 'content_filter',
      content_filtered: 'content_filter',
      malformed_model_output: 'error',
      malformed_tool_use: 'error',
      something_new: 'other',
    };
    for (const [raw, unified] of Object.entries(expected)) {
      expect(decodeConverseResponse(withStopReason(raw)).finishReason).toEqual({ unified, raw });
    }
  });

  it('skips blocks with no canonical form and reads a missing usage as zero', () => {
    const response = decodeConverseResponse({
      output: {
        message: {
          role: 'assistant',
          content: [{ citationsContent: { content: [] } }, { text: 'Hi.' }, null],
        },
      },
      stopReason: 'end_turn',
    });
    expect(response.content).toEqual([{ type: 'text', text: 'Hi.' }]);
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
  });

  it('throws bad_response for a body without an output message', () => {
    for (const body of [null, 'text', { output: {} }, { output: { message: { content: 'x' } } }]) {
      const error = (() => {
        try {
          decodeConverseResponse(body);
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(DetourError);
      expect((error as DetourError).failureClass).toBe('bad_response');
    }
  });

  it('fills what a block leaves out: an unsigned reasoning text, a call without id, name or input', () => {
    const response = decodeConverseResponse({
      output: {
        message: {
          role: 'assistant',
          content: [
            { reasoningContent: { reasoningText: { text: 'Unsigned.' } } },
            { reasoningContent: { reasoningText: { signature: 'c2ln' } } },
            { reasoningContent: {} },
            { toolUse: {} },
          ],
        },
      },
    });
    expect(response.content).toStrictEqual([
      { type: 'reasoning', text: 'Unsigned.' },
      { type: 'reasoning', text: '', signature: 'c2ln' },
      { type: 'tool_call', id: '', name: '', arguments: '{}' },
    ]);
    expect(response.finishReason).toStrictEqual({ unified: 'stop', raw: 'end_turn' });
  });

  it('stamps the answer with the current time in seconds', () => {
    const before = Math.floor(Date.now() / 1000);
    const { created } = decodeConverseResponse({ output: { message: { content: [] } } });
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('says what is wrong with a body it cannot read', () => {
    expect(() => decodeConverseResponse('text')).toThrow('upstream response is not a JSON object');
    expect(() => decodeConverseResponse({ output: {} })).toThrow('upstream response has no output message');
  });
});

describe('readConverseUsage', () => {
  it('reads only the usage of a response body', () => {
    expect(readConverseUsage({ usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 } })).toEqual({
      inputTokens: 10,
      outputTokens: 5,
    });
    expect(readConverseUsage({ usage: {} })).toBeUndefined();
    expect(readConverseUsage('not a body')).toBeUndefined();
  });

  it('reads a usage with one count, adds cache counts to the input, and adds no cache count not sent', () => {
    expect(readConverseUsage({ usage: { inputTokens: 10 } })).toStrictEqual({
      inputTokens: 10,
      outputTokens: 0,
    });
    expect(readConverseUsage({ usage: { outputTokens: 4 } })).toStrictEqual({
      inputTokens: 0,
      outputTokens: 4,
    });
    expect(
      readConverseUsage({ usage: { inputTokens: 10, outputTokens: 4, cacheReadInputTokens: 6 } }),
    ).toStrictEqual({ inputTokens: 16, outputTokens: 4, cacheReadTokens: 6 });
    expect(
      readConverseUsage({ usage: { inputTokens: 10, outputTokens: 4, cacheWriteInputTokens: 3 } }),
    ).toStrictEqual({ inputTokens: 13, outputTokens: 4, cacheWriteTokens: 3 });
    expect(readConverseUsage({ usage: { cacheReadInputTokens: 6 } })).toBeUndefined();
  });
});
