import type { SimPrefill } from './sim-prompt.js';
import { asRecord, rejectRequest, textOf } from './sim-wire.js';

/**
 * Reading a prefill (a partial answer the model must continue) from each wire format that has one,
 * with the vendors' own refusals of a malformed one.
 * @see https://docs.claude.com/en/docs/build-with-claude/prompt-engineering/prefill-claudes-response
 * @see https://api-docs.deepseek.com/guides/chat_prefix_completion
 * @see https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html (chat API extra parameters)
 */

/** Anthropic's 400 for a prefill that ends in whitespace (seen in the wild with `invalid_request_error`). */
export const TRAILING_WHITESPACE_MESSAGE =
  'messages: final assistant content cannot end with trailing whitespace';

/** Anthropic's 400 from models that take no prefill (Claude 4.6 and later). */
export const PREFILL_UNSUPPORTED_MESSAGE =
  'This model does not support assistant message prefill. The conversation must end with a user message.';

/** vLLM's 400 when both flags are set (its request validator). */
const BOTH_FLAGS_MESSAGE = 'Cannot set both `continue_final_message` and `add_generation_prompt` to True.';

/**
 * vLLM's 400 when `add_generation_prompt` is left at its default, `true`: the request validator only
 * sees flags that were sent, and the chat template renderer (transformers) then refuses the pair.
 */
const DEFAULT_GENERATION_PROMPT_MESSAGE =
  'continue_final_message and add_generation_prompt are not compatible. Use continue_final_message when you want the model to continue the final message, and add_generation_prompt when you want to add a header that will prompt it to start a new assistant message instead.';

/** How a wire rejects a request: its 400 with this message. */
type Reject = (message: string) => never;

const WHITESPACE_AT_END = /\s$/;

/** Anthropic's 400 when thinking is on and the prefill does not open with the turn's thinking block. */
function thinkingFirstMessage(index: number, found: string): string {
  return `messages.${index}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${found}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns. To avoid this requirement, disable \`thinking\`. Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking`;
}

/**
 * The prefill of an Anthropic Messages body (Anthropic, Bedrock InvokeModel, Vertex): a final
 * `assistant` message is always continued. Refused as Anthropic refuses it: text ending in
 * whitespace, or, with `thinking` on, content that does not open with a thinking block. An empty
 * final assistant message is no prefill (the answer starts afresh).
 */
export function readMessagesPrefill(
  messages: unknown[],
  thinking: boolean,
  reject: Reject = rejectRequest,
): SimPrefill | undefined {
  const index = messages.length - 1;
  const last = asRecord(messages[index]);
  if (last?.role !== 'assistant') return undefined;
  const text = textOf(last.content);
  if (WHITESPACE_AT_END.test(text)) reject(TRAILING_WHITESPACE_MESSAGE);
  const first = Array.isArray(last.content)
    ? asRecord(last.content[0])?.type
    : last.content === ''
      ? undefined
      : 'text';
  if (thinking && first !== undefined && first !== 'thinking' && first !== 'redacted_thinking')
    reject(thinkingFirstMessage(index, String(first)));
  return text === '' ? undefined : { text, via: 'trailing_assistant', index };
}

/**
 * The prefill of a Bedrock Converse body: a final `assistant` message with `{text}` blocks, refused
 * as the model behind it refuses it (Claude's rules, reported as Bedrock's "model returned" error).
 */
export function readConversePrefill(
  messages: unknown[],
  thinking: boolean,
  reject: Reject,
): SimPrefill | undefined {
  const index = messages.length - 1;
  const last = asRecord(messages[index]);
  if (last?.role !== 'assistant' || !Array.isArray(last.content)) return undefined;
  const blocks = last.content.map(asRecord);
  const text = blocks.map((block) => (typeof block?.text === 'string' ? block.text : '')).join('');
  if (WHITESPACE_AT_END.test(text)) reject(TRAILING_WHITESPACE_MESSAGE);
  const first = blocks[0];
  if (thinking && first !== undefined && first?.reasoningContent === undefined)
    reject(thinkingFirstMessage(index, first?.text === undefined ? 'tool_use' : 'text'));
  return text === '' ? undefined : { text, via: 'trailing_assistant', index };
}

/**
 * The prefill of an OpenAI Chat Completions body, which has none of its own: vLLM's
 * `continue_final_message: true` (with `add_generation_prompt: false`, else 400) continues a final
 * assistant message; DeepSeek's `prefix: true` on the final assistant message does the same.
 * Without either, a trailing assistant message is only context and the answer starts afresh, as on
 * OpenAI. `continue_final_message` on a conversation that ends with a user message is no prefill.
 */
export function readChatCompletionsPrefill(
  request: Record<string, unknown>,
  messages: unknown[],
): SimPrefill | undefined {
  const index = messages.length - 1;
  const last = asRecord(messages[index]);
  const text = textOf(last?.content);
  if (request.continue_final_message === true) {
    if (request.add_generation_prompt === true) rejectRequest(BOTH_FLAGS_MESSAGE);
    if (request.add_generation_prompt !== false) rejectRequest(DEFAULT_GENERATION_PROMPT_MESSAGE);
    return last?.role === 'assistant' ? { text, via: 'continue_final_message', index } : undefined;
  }
  if (last?.role === 'assistant' && last.prefix === true) return { text, via: 'prefix', index };
  return undefined;
}
