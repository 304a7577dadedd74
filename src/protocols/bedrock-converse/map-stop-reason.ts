import type { FinishReason } from '../../core/index.js';
import { ownEntry } from '../narrow-json.js';

const UNIFIED_BY_RAW: Readonly<Record<string, FinishReason['unified']>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
  malformed_model_output: 'error',
  malformed_tool_use: 'error',
};

/**
 * Normalises a Converse `stopReason`, keeping the raw value (unknown values become `other`).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_ResponseSyntax
 */
export function decodeConverseStopReason(raw: string): FinishReason {
  return { unified: ownEntry(UNIFIED_BY_RAW, raw) ?? 'other', raw };
}
