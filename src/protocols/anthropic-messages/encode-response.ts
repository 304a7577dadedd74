import { assertNever, type ChatResponse, newId } from '../../core/index.js';
import { parseToolInput } from '../parse-tool-input.js';
import { encodeStopReason } from './map-stop-reason.js';
import { encodeAnthropicUsage } from './map-usage.js';

/**
 * Encodes a canonical response as a `message` for an Anthropic client.
 * @see https://docs.anthropic.com/en/api/messages#response
 */
export function encodeAnthropicResponse(response: ChatResponse): Record<string, unknown> {
  const content: Array<Record<string, unknown>> = [];
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        if (part.text !== '') content.push({ type: 'text', text: part.text });
        break;
      case 'tool_call':
        content.push({
          type: 'tool_use',
          id: part.id,
          name: part.name,
          input: parseToolInput(part.arguments),
        });
        break;
      case 'reasoning':
        if (part.redactedData !== undefined)
          content.push({ type: 'redacted_thinking', data: part.redactedData });
        else content.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' });
        break;
      default:
        assertNever(part);
    }
  }
  return {
    id: response.id === '' ? newId('msg') : response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: encodeStopReason(response.finishReason, response.stopSequence),
    stop_sequence: response.stopSequence ?? null,
    usage: encodeAnthropicUsage(response.usage),
  };
}
