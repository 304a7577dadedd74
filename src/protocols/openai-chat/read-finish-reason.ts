import type { FinishReason } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';
import { decodeFinishReason } from './map-finish-reason.js';

/**
 * Reads the first choice's `finish_reason` from a Chat Completions body, leniently.
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 */
export function readOpenaiFinishReason(body: unknown): FinishReason | undefined {
  const choices = asRecord(body)?.choices;
  const first = Array.isArray(choices) ? asRecord(choices[0]) : undefined;
  const raw = asString(first?.finish_reason);
  return raw === undefined ? undefined : decodeFinishReason(raw);
}
