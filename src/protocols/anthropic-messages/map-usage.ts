import type { Usage } from '../../core/index.js';
import { asNumber, asRecord } from '../narrow-json.js';

/** Anthropic's usage object as Detour writes it. */
export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * Reads an Anthropic `usage` leniently. Anthropic's `input_tokens` excludes cached tokens; canonical
 * `inputTokens` counts the whole prompt, so cache reads and writes are added in.
 * @see https://docs.anthropic.com/en/api/messages#response-usage
 */
export function decodeAnthropicUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;
  const input = asNumber(usage.input_tokens);
  const output = asNumber(usage.output_tokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = asNumber(usage.cache_read_input_tokens);
  const cacheWrite = asNumber(usage.cache_creation_input_tokens);
  const decoded: Usage = {
    inputTokens: (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: output ?? 0,
  };
  if (cacheRead !== undefined) decoded.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) decoded.cacheWriteTokens = cacheWrite;
  return decoded;
}

/** Writes canonical usage as Anthropic's (uncached input apart from cache reads and writes). */
export function encodeAnthropicUsage(usage: Usage): AnthropicUsage {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

/** Reads only `usage` from a complete response body (the fast path forwards the body untouched). */
export function readAnthropicUsage(body: unknown): Usage | undefined {
  return decodeAnthropicUsage(asRecord(body)?.usage);
}
