import { assertNever, type ChatResponse } from '../../core/index.js';
import { encodeFinishReason } from './map-finish-reason.js';
import { encodeUsage } from './map-usage.js';
import type { OpenaiChatCompletion, OpenaiResponseMessage, OpenaiToolCall } from './types.js';

/**
 * Encodes a canonical response as a `chat.completion` object for an OpenAI client.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function encodeOpenaiResponse(response: ChatResponse): OpenaiChatCompletion {
  let text = '';
  let hasText = false;
  const toolCalls: OpenaiToolCall[] = [];
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        text += part.text;
        hasText = true;
        break;
      case 'tool_call':
        toolCalls.push({
          id: part.id,
          type: 'function',
          function: { name: part.name, arguments: part.arguments },
        });
        break;
      case 'reasoning':
        // OpenAI's own completions never carry reasoning text, and a client cannot send it back on the
        // next turn, so it is dropped rather than invented as a field OpenAI clients do not read.
        break;
      default:
        assertNever(part);
    }
  }
  const message: OpenaiResponseMessage = { role: 'assistant', content: hasText ? text : null, refusal: null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: response.id,
    object: 'chat.completion',
    created: response.created,
    model: response.model,
    choices: [
      { index: 0, message, logprobs: null, finish_reason: encodeFinishReason(response.finishReason) },
    ],
    usage: encodeUsage(response.usage),
  };
}
