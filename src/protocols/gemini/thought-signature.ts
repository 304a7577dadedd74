/**
 * Gemini's thought signatures, as they travel through canonical reasoning parts.
 *
 * A signature can come on any part of an answer (a function call, a text part), and Gemini 3 answers
 * 400 when the first function call of a turn comes back without one. On decode a signature becomes a
 * reasoning part just before the part that carried it; on encode it is put back on the part that
 * follows. The prefix marks a signature as Gemini's, so that another vendor's reasoning signature
 * (Anthropic's, which Gemini cannot verify) is never sent to a Gemini host, and a Gemini signature
 * can be recognised and left out before an Anthropic host sees it.
 * @see https://ai.google.dev/gemini-api/docs/thought-signatures
 */
export const GEMINI_SIGNATURE_PREFIX = 'gemini-thought:';

/**
 * What Google documents for history the model did not write itself (another vendor's turns, or a
 * client that dropped the reasoning): it tells Gemini 3 to skip the signature check for that call.
 */
export const FOREIGN_HISTORY_SIGNATURE = 'skip_thought_signature_validator';

/** A Gemini signature in its canonical (marked) form. */
export function markGeminiSignature(signature: string): string {
  return GEMINI_SIGNATURE_PREFIX + signature;
}

/** The Gemini signature inside a canonical one, or undefined when it is not Gemini's. */
export function unmarkGeminiSignature(signature: string | undefined): string | undefined {
  if (signature === undefined || !signature.startsWith(GEMINI_SIGNATURE_PREFIX)) return undefined;
  return signature.slice(GEMINI_SIGNATURE_PREFIX.length);
}
