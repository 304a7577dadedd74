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
  /** Characters of prompt text, for the input token count. */
  promptChars: number;
}
