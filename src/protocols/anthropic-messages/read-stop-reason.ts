import type { FinishReason } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';
import { decodeStopReason } from './map-stop-reason.js';

/**
 * Reads `stop_reason` from a Messages body, leniently.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function readAnthropicStopReason(body: unknown): FinishReason | undefined {
  const raw = asString(asRecord(body)?.stop_reason);
  return raw === undefined ? undefined : decodeStopReason(raw);
}
