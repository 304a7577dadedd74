import { type AssistantPart, type ChatResponse, DetourError, type FinishReason } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';
import { JSON_MODE_TOOL_NAME } from './json-mode-tool.js';
import { decodeStopReason } from './map-stop-reason.js';
import { decodeAnthropicUsage } from './map-usage.js';

function badResponse(message: string): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message);
}

function decodeBlock(value: unknown): AssistantPart | undefined {
  const block = asRecord(value);
  switch (block?.type) {
    case 'text':
      return { type: 'text', text: asString(block.text) ?? '' };
    case 'tool_use': {
      const input = JSON.stringify(block.input ?? {});
      // The emulated JSON mode's answer is the tool's input.
      if (block.name === JSON_MODE_TOOL_NAME) return { type: 'text', text: input };
      return {
        type: 'tool_call',
        id: asString(block.id) ?? '',
        name: asString(block.name) ?? '',
        arguments: input,
      };
    }
    case 'thinking': {
      const signature = asString(block.signature);
      const text = asString(block.thinking) ?? '';
      return signature === undefined ? { type: 'reasoning', text } : { type: 'reasoning', text, signature };
    }
    case 'redacted_thinking':
      return { type: 'reasoning', text: '', redactedData: asString(block.data) ?? '' };
    default:
      // Server tools' blocks (web search results and the like) have no canonical form.
      return undefined;
  }
}

/** A forced JSON-mode call ends with `tool_use`; to the client it is a normal end. */
export function unwrapJsonModeStop(reason: FinishReason, jsonMode: boolean): FinishReason {
  return jsonMode && reason.unified === 'tool_calls' ? { unified: 'stop', raw: reason.raw } : reason;
}

/**
 * Decodes an upstream's `message` leniently. Throws `bad_response` when it is not a message.
 * @see https://docs.anthropic.com/en/api/messages#response
 */
export function decodeAnthropicResponse(body: unknown): ChatResponse {
  const message = asRecord(body);
  if (message === undefined) throw badResponse('upstream response is not a JSON object');
  if (!Array.isArray(message.content)) throw badResponse('upstream response has no content');
  const content = message.content
    .map(decodeBlock)
    .filter((part): part is AssistantPart => part !== undefined);
  const jsonMode = message.content.some((block) => asRecord(block)?.name === JSON_MODE_TOOL_NAME);
  const response: ChatResponse = {
    id: asString(message.id) ?? '',
    model: asString(message.model) ?? '',
    created: Math.floor(Date.now() / 1000),
    content,
    finishReason: unwrapJsonModeStop(decodeStopReason(asString(message.stop_reason) ?? 'end_turn'), jsonMode),
    usage: decodeAnthropicUsage(message.usage) ?? { inputTokens: 0, outputTokens: 0 },
  };
  const stopSequence = asString(message.stop_sequence);
  if (stopSequence !== undefined) response.stopSequence = stopSequence;
  return response;
}
