import { newId } from '../../core/index.js';
import { asRecord, asString } from '../narrow-json.js';
import { markGeminiSignature } from './thought-signature.js';

/** What one answer part means, before it becomes a canonical part or stream events. */
export type DecodedPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string; signature?: string }
  | { type: 'call'; id: string | undefined; name: string; arguments: string };

/**
 * Reads a candidate's `content.parts` leniently. A `thought: true` part is reasoning; a signature on
 * any other part becomes a signature-only reasoning part just before it, so that it comes back on
 * that part (thought-signature.ts). Parts with no canonical form (code execution, inline output
 * media) are left out.
 * @see https://ai.google.dev/api/caching#Part
 */
export function decodeParts(content: unknown): DecodedPart[] {
  const parts = asRecord(content)?.parts;
  if (!Array.isArray(parts)) return [];
  const decoded: DecodedPart[] = [];
  for (const item of parts) {
    const part = asRecord(item);
    if (part === undefined) continue;
    const rawSignature = asString(part.thoughtSignature);
    const signature =
      rawSignature === undefined || rawSignature === '' ? undefined : markGeminiSignature(rawSignature);
    const text = asString(part.text);
    if (part.thought === true) {
      const reasoning: DecodedPart = { type: 'reasoning', text: text ?? '' };
      if (signature !== undefined) reasoning.signature = signature;
      if (reasoning.text !== '' || signature !== undefined) decoded.push(reasoning);
      continue;
    }
    if (signature !== undefined) decoded.push({ type: 'reasoning', text: '', signature });
    if (text !== undefined && text !== '') decoded.push({ type: 'text', text });
    const call = asRecord(part.functionCall);
    if (call !== undefined) {
      decoded.push({
        type: 'call',
        id: asString(call.id),
        name: asString(call.name) ?? '',
        arguments: JSON.stringify(asRecord(call.args) ?? {}),
      });
    }
  }
  return decoded;
}

/**
 * An id for a call Gemini gave none (the Gemini API usually gives none): built from the response's
 * id and the call's position, so decoding the same answer twice names its calls the same, and calls
 * of different answers never share an id. Only letters, digits, `_` and `-`, which every client
 * protocol accepts in a tool-call id.
 */
export function syntheticToolCallId(responseId: string | undefined, index: number): string {
  if (responseId === undefined || responseId === '') return newId('call');
  return `call_${responseId.replace(/[^A-Za-z0-9_-]/g, '_')}_${index}`;
}
