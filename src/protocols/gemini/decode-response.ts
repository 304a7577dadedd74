import { type AssistantPart, type ChatResponse, DetourError, type FinishReason } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';
import { decodeParts, syntheticToolCallId } from './decode-parts.js';
import { decodeBlockReason, decodeFinishReason } from './map-finish-reason.js';
import { decodeGeminiUsage } from './map-usage.js';

function badResponse(message: string): DetourError {
  return new DetourError('upstream_bad_response', 'bad_response', message);
}

/** Unix seconds of Vertex's `createTime`; the Gemini API sends none, so the time it was read. */
export function createdSeconds(createTime: unknown): number {
  const parsed = Date.parse(asString(createTime) ?? '');
  return Math.floor((Number.isNaN(parsed) ? Date.now() : parsed) / 1000);
}

/** The first candidate: Detour asks for one and relays one. */
export function firstCandidate(response: Record<string, unknown>): Record<string, unknown> | undefined {
  return Array.isArray(response.candidates) ? asRecord(response.candidates[0]) : undefined;
}

/** The block reason of a prompt Gemini refused, or undefined. */
export function promptBlockReason(response: Record<string, unknown>): string | undefined {
  return asString(asRecord(response.promptFeedback)?.blockReason);
}

/**
 * Decodes a `GenerateContentResponse` leniently: candidate 0 only, unknown fields ignored. A prompt
 * Gemini blocked (HTTP 200, `promptFeedback.blockReason`, no candidates) is an empty answer that
 * ended with `content_filter`. Throws `bad_response` when the body is not an object, or has neither
 * a candidate nor a block reason.
 * @see https://ai.google.dev/api/generate-content#generatecontentresponse
 */
export function decodeGeminiResponse(body: unknown): ChatResponse {
  const response = asRecord(body);
  if (response === undefined) throw badResponse('upstream response is not a JSON object');
  const candidate = firstCandidate(response);
  const blockReason = promptBlockReason(response);
  if (candidate === undefined && blockReason === undefined) {
    throw badResponse('upstream response has no candidates');
  }
  const responseId = asString(response.responseId);
  const content: AssistantPart[] = [];
  let calls = 0;
  for (const part of decodeParts(candidate?.content)) {
    if (part.type === 'call') {
      content.push({
        type: 'tool_call',
        id: part.id ?? syntheticToolCallId(responseId, calls),
        name: part.name,
        arguments: part.arguments,
      });
      calls += 1;
    } else {
      content.push(part);
    }
  }
  const rawFinish = asString(candidate?.finishReason);
  let finishReason: FinishReason;
  if (blockReason !== undefined && candidate === undefined) finishReason = decodeBlockReason(blockReason);
  // A complete answer without a reason is one that ended normally.
  else finishReason = decodeFinishReason(rawFinish ?? 'STOP', calls > 0);
  return {
    id: responseId ?? '',
    model: asString(response.modelVersion) ?? '',
    created: createdSeconds(response.createTime),
    content,
    finishReason,
    usage: decodeGeminiUsage(response.usageMetadata) ?? { inputTokens: 0, outputTokens: 0 },
  };
}
