import type { FinishReason } from '../../core/index.js';
import { ownEntry } from '../narrow-json.js';

const UNIFIED_BY_RAW: Readonly<Record<string, FinishReason['unified']>> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  // Output withheld by a filter: safety, blocklists, personal data, and recitation (copyright).
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  IMAGE_RECITATION: 'content_filter',
  // The model's call could not be used: nothing valid was produced.
  MALFORMED_FUNCTION_CALL: 'error',
  UNEXPECTED_TOOL_CALL: 'error',
  TOO_MANY_TOOL_CALLS: 'error',
};

/**
 * Normalises a candidate's `finishReason`, keeping the raw value. Gemini ends a turn of function
 * calls with `STOP`, so a turn that made calls says `tool_calls` only because the caller saw them.
 * `LANGUAGE`, `OTHER` and values added later become `other`.
 * @see https://ai.google.dev/api/generate-content#FinishReason
 */
export function decodeFinishReason(raw: string, madeToolCalls: boolean): FinishReason {
  const unified = ownEntry(UNIFIED_BY_RAW, raw) ?? 'other';
  return { unified: unified === 'stop' && madeToolCalls ? 'tool_calls' : unified, raw };
}

/**
 * A prompt Gemini refused to answer (`promptFeedback.blockReason`: SAFETY, BLOCKLIST,
 * PROHIBITED_CONTENT, OTHER, ...): every reason is a filter's decision.
 * @see https://ai.google.dev/api/generate-content#BlockReason
 */
export function decodeBlockReason(raw: string): FinishReason {
  return { unified: 'content_filter', raw };
}
