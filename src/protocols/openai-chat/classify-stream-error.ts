import { DetourError } from '../../core/index.js';
import { decodeOpenaiError } from './decode-error.js';

/** OpenAI's rate-limit types and codes (`requests` and `tokens` are the types of its 429 bodies). */
const RATE_LIMIT_MARKERS: ReadonlySet<string> = new Set([
  'rate_limit_exceeded',
  'rate_limit_error',
  'requests',
  'tokens',
]);

/**
 * Classifies the `{"error": ...}` chunk an OpenAI stream ends with when it fails part-way. Such an
 * error has no HTTP status of its own, so only rate limits and quota are told apart from server errors.
 */
export function classifyStreamError(chunk: unknown): DetourError {
  const details = decodeOpenaiError(chunk);
  const message = details.message ?? 'upstream reported an error inside the stream';
  const markers = [details.type, details.code].filter((marker): marker is string => marker !== undefined);
  if (markers.includes('insufficient_quota')) {
    return new DetourError('upstream_quota_exceeded', 'quota', message);
  }
  if (markers.some((marker) => RATE_LIMIT_MARKERS.has(marker))) {
    return new DetourError('upstream_rate_limited', 'rate_limited', message);
  }
  return new DetourError('upstream_server_error', 'server_error', message);
}
