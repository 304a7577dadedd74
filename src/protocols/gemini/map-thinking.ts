import type { ChatRequest } from '../../core/index.js';
import { asNumber, asRecord, asString, ownEntry } from '../narrow-json.js';
import type { GeminiThinkingConfig } from './types.js';

/**
 * The budgets Google's own OpenAI-compatible endpoint gives OpenAI's `reasoning_effort` levels.
 * `minimal` is below `low`; Gemini's smallest budgets are 128–1024 depending on the model, so it
 * gets the smallest one every thinking model accepts.
 * @see https://ai.google.dev/gemini-api/docs/openai
 */
const BUDGET_BY_EFFORT: Readonly<Record<string, number>> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
};

/**
 * The thinking a client asked for, as Gemini's `thinkingConfig`. The canonical request has no
 * reasoning field: the budget travels in the client protocol's own kept fields, Anthropic's
 * `thinking` or OpenAI's `reasoning_effort`, which are read here.
 *
 * Thinking that is off (`disabled`, `none`) sends nothing: Gemini's Pro models cannot turn it off
 * and answer 400 to a zero budget, and with no `includeThoughts` the client sees no reasoning, which
 * is what it asked for. Only an Anthropic client, which can show thinking blocks, gets the thoughts.
 * @see https://ai.google.dev/gemini-api/docs/thinking
 */
export function encodeThinkingConfig(request: ChatRequest): GeminiThinkingConfig | undefined {
  const thinking = asRecord(request.vendorOptions['anthropic-messages']?.thinking);
  if (thinking !== undefined) {
    switch (thinking.type) {
      case 'enabled': {
        const budget = asNumber(thinking.budget_tokens);
        return budget === undefined
          ? { includeThoughts: true }
          : { thinkingBudget: budget, includeThoughts: true };
      }
      case 'adaptive':
        return { thinkingBudget: -1, includeThoughts: true };
      default:
        return undefined;
    }
  }
  const effort = asString(request.vendorOptions['openai-chat']?.reasoning_effort);
  const budget = effort === undefined ? undefined : ownEntry(BUDGET_BY_EFFORT, effort);
  return budget === undefined ? undefined : { thinkingBudget: budget };
}
