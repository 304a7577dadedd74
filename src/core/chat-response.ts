import type { ReasoningPart, TextPart, ToolCallPart } from './chat-request.js';

/** Why generation stopped, normalised, with the vendor's own value beside it. */
export interface FinishReason {
  /** Detour's normalised reason. `other` covers vendor reasons with no equivalent (e.g. `pause_turn`). */
  unified: 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'error' | 'other';
  /** The vendor's raw value (`end_turn`, `stop_sequence`, `max_tokens`, `stop`, ...). */
  raw: string;
}

/**
 * Token counts. `inputTokens` counts the whole prompt, including cached tokens
 * (OpenAI's convention); the cache fields say how much of it was read from or written to a cache.
 */
export interface Usage {
  /** All prompt tokens, cached or not. */
  inputTokens: number;
  /** Generated tokens, reasoning included. */
  outputTokens: number;
  /** Prompt tokens served from the cache (OpenAI `cached_tokens`, Anthropic `cache_read_input_tokens`). */
  cacheReadTokens?: number;
  /** Prompt tokens written to the cache (Anthropic `cache_creation_input_tokens`). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning (OpenAI `reasoning_tokens`). */
  reasoningTokens?: number;
}

/** Content an assistant can produce. */
export type AssistantPart = TextPart | ToolCallPart | ReasoningPart;

/** A complete (non-streamed) answer in canonical form. */
export interface ChatResponse {
  /** The upstream's response id. */
  id: string;
  /** The model id the upstream says answered. */
  model: string;
  /** Unix seconds when the upstream created it. */
  created: number;
  /** The assistant's content, in order. */
  content: AssistantPart[];
  /** Why it stopped. */
  finishReason: FinishReason;
  /** The stop sequence that matched, when one did. */
  stopSequence?: string;
  /** Token counts. */
  usage: Usage;
}
