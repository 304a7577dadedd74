import type { Usage } from '../../core/index.js';
import { asNumber, asRecord } from '../narrow-json.js';

/**
 * Reads a Converse `usage` leniently. Bedrock's `inputTokens` excludes the prompt tokens read from
 * or written to the cache (they are counted apart, as Anthropic does); canonical `inputTokens`
 * counts the whole prompt, so they are added in. `totalTokens` is redundant and not read.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_TokenUsage.html
 */
export function decodeConverseUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;
  const input = asNumber(usage.inputTokens);
  const output = asNumber(usage.outputTokens);
  if (input === undefined && output === undefined) return undefined;
  const cacheRead = asNumber(usage.cacheReadInputTokens);
  const cacheWrite = asNumber(usage.cacheWriteInputTokens);
  const decoded: Usage = {
    inputTokens: (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0),
    outputTokens: output ?? 0,
  };
  if (cacheRead !== undefined) decoded.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) decoded.cacheWriteTokens = cacheWrite;
  return decoded;
}

/** Reads only `usage` from a complete Converse response body. */
export function readConverseUsage(body: unknown): Usage | undefined {
  return decodeConverseUsage(asRecord(body)?.usage);
}
