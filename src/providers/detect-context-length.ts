import type { UpstreamErrorDetails } from '../protocols/index.js';

/**
 * How each vendor says "the prompt is longer than this model's context window". Only OpenAI (and
 * Azure, and the OpenAI-compatible servers that copy it) has a code for it; the others say it in a
 * message under a generic validation type, so the message is read here, in the classifier, and
 * nowhere else. Data, not branches: a new wording is a new row.
 */
const CONTEXT_LENGTH_MESSAGES: readonly RegExp[] = [
  // Anthropic API, Bedrock and Vertex (invalid_request_error): "prompt is too long: 208310 tokens > 200000 maximum"
  /prompt is too long/i,
  // Anthropic, when input plus max_tokens is over: "input length and `max_tokens` exceed context limit: 197000 + 21333 > 200000"
  /exceed(s|ed)? (the )?context (limit|window)/i,
  // Gemini API and Vertex (INVALID_ARGUMENT): "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
  /input token count .*exceeds the maximum/i,
  // Bedrock ValidationException: "Input is too long for requested model." / "too many input tokens"
  /input is too long|too many input tokens/i,
  // OpenAI without a code, vLLM, Mistral, Together: "This model's maximum context length is 8192 tokens"
  /maximum context length/i,
];

/** The vendor codes that mean the same. */
const CONTEXT_LENGTH_CODES: ReadonlySet<string> = new Set(['context_length_exceeded']);

/** Whether an upstream's error body says the prompt does not fit the model's context window. */
export function saysContextLengthExceeded(details: UpstreamErrorDetails): boolean {
  if (details.code !== undefined && CONTEXT_LENGTH_CODES.has(details.code)) return true;
  const message = details.message;
  return message !== undefined && CONTEXT_LENGTH_MESSAGES.some((pattern) => pattern.test(message));
}
