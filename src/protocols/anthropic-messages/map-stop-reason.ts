import { assertNever, type FinishReason } from '../../core/index.js';
import { ownEntry } from '../narrow-json.js';

const UNIFIED_BY_RAW: Readonly<Record<string, FinishReason['unified']>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/**
 * Normalises an Anthropic `stop_reason`, keeping the raw value (`pause_turn` and unknown values
 * become `other`).
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function decodeStopReason(raw: string): FinishReason {
  return { unified: ownEntry(UNIFIED_BY_RAW, raw) ?? 'other', raw };
}

/** The `stop_reason` an Anthropic client expects; `stop_sequence` when a stop sequence matched. */
export function encodeStopReason(reason: FinishReason, stopSequence: string | undefined): string {
  switch (reason.unified) {
    case 'stop':
      return stopSequence !== undefined || reason.raw === 'stop_sequence' ? 'stop_sequence' : 'end_turn';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    case 'error':
    case 'other':
      // Anthropic's own raw value when it was one, else the normal end.
      return reason.raw === 'pause_turn' ? 'pause_turn' : 'end_turn';
    default:
      return assertNever(reason.unified);
  }
}
