import { type AssistantPart, type ChatResponse, DetourError } from '../../core/index.js';
import { asNumber, asRecord, asString } from '../narrow-json.js';
import { decodeFinishReason } from './map-finish-reason.js';
import { decodeUsage } from './map-usage.js';

function badResponse(message: string): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message);
}

function decodeToolCalls(value: unknown): AssistantPart[] {
  if (!Array.isArray(value)) return [];
  const parts: AssistantPart[] = [];
  for (const item of value) {
    const fn = asRecord(asRecord(item)?.function);
    const name = asString(fn?.name);
    if (fn === undefined || name === undefined) continue;
    parts.push({
      type: 'tool_call',
      id: asString(asRecord(item)?.id) ?? '',
      name,
      arguments: asString(fn.arguments) ?? '',
    });
  }
  return parts;
}

/**
 * Decodes an upstream's `chat.completion` leniently: choice 0 only, unknown fields ignored, optional
 * fields may be null. Throws `bad_response` when the body is not an object or has no choice.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function decodeOpenaiResponse(body: unknown): ChatResponse {
  const completion = asRecord(body);
  if (completion === undefined) throw badResponse('upstream response is not a JSON object');
  if (!Array.isArray(completion.choices)) throw badResponse('upstream response has no choices');
  const choice = asRecord(
    completion.choices.find((item) => asRecord(item)?.index === 0) ?? completion.choices[0],
  );
  if (choice === undefined) throw badResponse('upstream response has no choices');
  const message = asRecord(choice.message) ?? {};

  const content: AssistantPart[] = [];
  // Not OpenAI's own field: DeepSeek, vLLM and other compatible hosts return reasoning here.
  const reasoning = asString(message.reasoning_content);
  if (reasoning !== undefined && reasoning !== '') content.push({ type: 'reasoning', text: reasoning });
  const text = asString(message.content);
  if (text !== undefined && text !== '') content.push({ type: 'text', text });
  // A refusal is what the model said; it stays text, and the finish reason says content_filter only
  // when the upstream said so.
  const refusal = asString(message.refusal);
  if (refusal !== undefined && refusal !== '') content.push({ type: 'text', text: refusal });
  content.push(...decodeToolCalls(message.tool_calls));

  return {
    id: asString(completion.id) ?? '',
    model: asString(completion.model) ?? '',
    created: asNumber(completion.created) ?? 0,
    content,
    finishReason: decodeFinishReason(asString(choice.finish_reason) ?? 'stop'),
    usage: decodeUsage(completion.usage) ?? { inputTokens: 0, outputTokens: 0 },
  };
}
