import type { Usage } from '../../core/index.js';
import { asNumber, asRecord } from '../narrow-json.js';
import type { OpenaiUsage } from './types.js';

/**
 * Reads an OpenAI `usage` object leniently; undefined when it has no token counts.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function decodeUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;
  const input = asNumber(usage.prompt_tokens);
  const output = asNumber(usage.completion_tokens);
  if (input === undefined && output === undefined) return undefined;
  const decoded: Usage = { inputTokens: input ?? 0, outputTokens: output ?? 0 };
  const cached = asNumber(asRecord(usage.prompt_tokens_details)?.cached_tokens);
  if (cached !== undefined) decoded.cacheReadTokens = cached;
  const reasoning = asNumber(asRecord(usage.completion_tokens_details)?.reasoning_tokens);
  if (reasoning !== undefined) decoded.reasoningTokens = reasoning;
  return decoded;
}

/** Writes canonical usage as OpenAI's, with the detail objects only when their counts are known. */
export function encodeUsage(usage: Usage): OpenaiUsage {
  const encoded: OpenaiUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens !== undefined)
    encoded.prompt_tokens_details = { cached_tokens: usage.cacheReadTokens };
  if (usage.reasoningTokens !== undefined) {
    encoded.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  }
  return encoded;
}

/** Reads only `usage` from a complete response body (the fast path forwards the body untouched). */
export function readOpenaiUsage(body: unknown): Usage | undefined {
  return decodeUsage(asRecord(body)?.usage);
}
