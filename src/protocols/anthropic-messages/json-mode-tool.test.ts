import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../core/index.js';
import { decodeAnthropicResponse } from './decode-response.js';
import { createAnthropicStreamDecoder } from './decode-stream.js';
import { encodeAnthropicRequest } from './encode-request.js';
import { JSON_MODE_TOOL_DESCRIPTION, JSON_MODE_TOOL_NAME } from './json-mode-tool.js';

const request: ChatRequest = {
  model: 'claude',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris, as JSON.' }] }],
  responseFormat: { type: 'json' },
  stream: false,
  metadata: {},
  vendorOptions: {},
};

describe('JSON_MODE_TOOL_NAME', () => {
  it('names the one tool the emulated JSON mode offers and forces', () => {
    expect(JSON_MODE_TOOL_NAME).toBe('detour_json_response');
    const body = encodeAnthropicRequest(request, 'claude-sonnet-4-5');
    expect(body.tools).toStrictEqual([
      {
        name: 'detour_json_response',
        description: JSON_MODE_TOOL_DESCRIPTION,
        input_schema: { type: 'object' },
      },
    ]);
    expect(body.tool_choice).toStrictEqual({ type: 'tool', name: 'detour_json_response' });
  });

  it('is the name both decoders turn back into text', () => {
    const response = decodeAnthropicResponse({
      id: 'msg_01',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'tool_use', id: 'toolu_01', name: 'detour_json_response', input: { ok: true } }],
      stop_reason: 'tool_use',
    });
    expect(response.content).toStrictEqual([{ type: 'text', text: '{"ok":true}' }]);

    const decoder = createAnthropicStreamDecoder();
    const start = {
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'tool_use', id: 'toolu_01', name: 'detour_json_response', input: {} },
    };
    const delta = {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'input_json_delta', partial_json: '{"ok":' },
    };
    expect([
      ...decoder.decode({ data: JSON.stringify(start) }),
      ...decoder.decode({ data: JSON.stringify(delta) }),
    ]).toStrictEqual([{ type: 'text_delta', text: '{"ok":' }]);
  });
});

describe('JSON_MODE_TOOL_DESCRIPTION', () => {
  it('tells the model to answer through the tool', () => {
    expect(JSON_MODE_TOOL_DESCRIPTION).toBe('Give your complete answer as the input of this tool, as JSON.');
  });
});
