import { assertNever, type FinishReason } from '../../core/index.js';
import { ownEntry } from '../narrow-json.js';

const UNIFIED_BY_RAW: Readonly<Record<string, FinishReason['unified']>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  // The deprecated single-function form of a tool call.
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/**
 * Normalises an OpenAI `finish_reason`, keeping the raw value. Unknown values from compatible hosts
 * become `other`.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function decodeFinishReason(raw: string): FinishReason {
  return { unified: ownEntry(UNIFIED_BY_RAW, raw) ?? 'other', raw };
}

/** The `finish_reason` an OpenAI client expects for a canonical reason. */
export function encodeFinishReason(reason: FinishReason): string {
  switch (reason.unified) {
    case 'stop':
    case 'length':
    case 'tool_calls':
    case 'content_filter':
      return reason.unified;
    // OpenAI has no value for these; `stop` is what its clients treat as a normal end.
    case 'error':
    case 'other':
      return 'stop';
    default:
      return assertNever(reason.unified);
  }
}
