import type { ChatRequest, DetourError } from '../core/index.js';
import { estimatePromptTokens, promptTokensUpperBound } from './estimate-prompt-tokens.js';

/**
 * Share taken off an estimate before it is held against a window. A deployment is skipped only when
 * the prompt is too long for it even so: a vendor whose tokenizer counts up to 10 % fewer tokens than
 * o200k still gets the prompts that fit it. (Where the estimate is short, as for Claude, the host's
 * own `context_length_exceeded` and the fallback rule take over.)
 */
export const WINDOW_MARGIN = 0.1;

/** Whether a prompt of this estimate is known not to fit a window (unknown windows fit everything). */
export function exceedsWindow(promptTokens: number | undefined, window: number | undefined): boolean {
  if (promptTokens === undefined || window === undefined) return false;
  return promptTokens * (1 - WINDOW_MARGIN) > window;
}

/**
 * The prompt's estimated tokens, when any of these windows could be too small for it; undefined
 * otherwise. The cheap byte bound decides first, so the tokenizer runs only for long prompts near a
 * known window, and never for a model whose windows are unknown.
 */
export async function estimateIfNearWindow(
  request: ChatRequest,
  windows: Iterable<number | undefined>,
): Promise<number | undefined> {
  let smallest = Number.POSITIVE_INFINITY;
  for (const window of windows) if (window !== undefined && window < smallest) smallest = window;
  if (smallest === Number.POSITIVE_INFINITY) return undefined;
  if (!exceedsWindow(promptTokensUpperBound(request), smallest)) return undefined;
  return estimatePromptTokens(request);
}

/** Whether a host refused the request as too long for the model (classified by the providers). */
export function isContextLengthExceeded(error: DetourError): boolean {
  return error.code === 'upstream_context_length_exceeded';
}
