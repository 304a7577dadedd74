import type { UpstreamErrorDetails } from '../codec.js';
import { asRecord, asString } from '../narrow-json.js';

function asText(value: unknown): string | undefined {
  return typeof value === 'number' ? String(value) : asString(value);
}

/**
 * Reads an OpenAI error body leniently: `{ error: { message, type, code, param } }`, and the shapes
 * compatible hosts send instead (`{ error: "text" }`, `{ message }`, a one-element array).
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function decodeOpenaiError(body: unknown): UpstreamErrorDetails {
  // Gemini's OpenAI-compatible endpoint wraps its error object in an array.
  const root = Array.isArray(body) ? body[0] : body;
  if (typeof root === 'string') return root === '' ? {} : { message: root };
  const record = asRecord(root);
  if (record === undefined) return {};
  if (typeof record.error === 'string') return { message: record.error };
  const inner = asRecord(record.error) ?? record;
  const details: UpstreamErrorDetails = {};
  const type = asText(inner.type);
  if (type !== undefined) details.type = type;
  const code = asText(inner.code);
  if (code !== undefined) details.code = code;
  const message = asString(inner.message);
  if (message !== undefined) details.message = message;
  const param = asString(inner.param);
  if (param !== undefined) details.param = param;
  return details;
}
