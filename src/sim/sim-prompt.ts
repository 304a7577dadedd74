/**
 * A partial answer the request asks the model to continue, and how it asked: Anthropic's trailing
 * `assistant` message (also Bedrock and Vertex), DeepSeek's `prefix: true` on the last assistant
 * message, or vLLM's `continue_final_message`.
 */
export interface SimPrefill {
  /** The text the answer continues (text parts of the final assistant message, joined). */
  text: string;
  via: 'trailing_assistant' | 'prefix' | 'continue_final_message';
  /** Index of the final assistant message in `messages`, for error messages that name it. */
  index: number;
}

/** What the simulator needs from a request, whichever wire format it came in. */
export interface SimPrompt {
  /** The upstream model id asked for. */
  model: string;
  /** Whether the client asked for a stream. */
  stream: boolean;
  /** OpenAI `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Text of the last user message (tool results excluded). */
  lastUserText: string;
  /** When the last message carries tool results: their text, joined. */
  toolResult?: string;
  /** Tools offered. */
  tools: Array<{ name: string; schema: unknown }>;
  /** How tools must be used. */
  toolChoice: { type: 'auto' | 'none' | 'required' } | { type: 'tool'; name: string };
  /** Whether several tool calls may come in one turn. */
  parallelToolCalls: boolean;
  /** Token limit. */
  maxTokens?: number;
  /** Stop sequences. */
  stop: string[];
  /** JSON mode: a schema to fill, or `{}` for any JSON object. */
  json?: { schema?: unknown };
  /** Whether the request enabled reasoning (Anthropic `thinking`). */
  thinking: boolean;
  /** Characters of prompt text, for the input token count (a prefill included). */
  promptChars: number;
  /** The partial answer to continue, when the request carries one. */
  prefill?: SimPrefill;
}
