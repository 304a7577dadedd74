import type { Usage } from '../../core/index.js';
import { asNumber, asRecord } from '../narrow-json.js';

/**
 * Reads a `usageMetadata` leniently; undefined when it has no token counts.
 *
 * Gemini counts thoughts apart: `candidatesTokenCount` excludes them and `thoughtsTokenCount` holds
 * them, while canonical output counts everything generated, reasoning included. `promptTokenCount`
 * already includes the cached tokens (`cachedContentTokenCount`), as canonical input does; the
 * prompt tokens of server-side tool results (`toolUsePromptTokenCount`) are prompt too.
 * @see https://ai.google.dev/api/generate-content#UsageMetadata
 */
export function decodeGeminiUsage(value: unknown): Usage | undefined {
  const usage = asRecord(value);
  if (usage === undefined) return undefined;
  const prompt = asNumber(usage.promptTokenCount);
  const toolPrompt = asNumber(usage.toolUsePromptTokenCount);
  const candidates = asNumber(usage.candidatesTokenCount);
  const thoughts = asNumber(usage.thoughtsTokenCount);
  if (prompt === undefined && candidates === undefined && thoughts === undefined) return undefined;
  const decoded: Usage = {
    inputTokens: (prompt ?? 0) + (toolPrompt ?? 0),
    outputTokens: (candidates ?? 0) + (thoughts ?? 0),
  };
  const cached = asNumber(usage.cachedContentTokenCount);
  if (cached !== undefined) decoded.cacheReadTokens = cached;
  if (thoughts !== undefined) decoded.reasoningTokens = thoughts;
  return decoded;
}

/** Reads only the usage from a complete response body. */
export function readGeminiUsage(body: unknown): Usage | undefined {
  return decodeGeminiUsage(asRecord(body)?.usageMetadata);
}
