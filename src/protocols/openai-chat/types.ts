/**
 * OpenAI Chat Completions wire types, as far as Detour reads or writes them.
 * @see https://platform.openai.com/docs/api-reference/chat
 */

/** A text content part. */
export interface OpenaiTextPart {
  type: 'text';
  text: string;
}

/** An image content part (`data:` URL or http(s) URL). */
export interface OpenaiImagePart {
  type: 'image_url';
  image_url: { url: string; detail?: string };
}

/** A refusal content part (assistant messages only). */
export interface OpenaiRefusalPart {
  type: 'refusal';
  refusal: string;
}

/** A tool call made by the assistant. */
export interface OpenaiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One message of a request. */
export type OpenaiMessage =
  | { role: 'system' | 'developer'; content: string | OpenaiTextPart[]; name?: string }
  | { role: 'user'; content: string | Array<OpenaiTextPart | OpenaiImagePart>; name?: string }
  | {
      role: 'assistant';
      content: string | Array<OpenaiTextPart | OpenaiRefusalPart> | null;
      tool_calls?: OpenaiToolCall[];
      refusal?: string | null;
      name?: string;
    }
  | { role: 'tool'; content: string | OpenaiTextPart[]; tool_call_id: string };

/** A function tool offered to the model. */
export interface OpenaiTool {
  type: 'function';
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean | null;
  };
}

/** How tools must be used. */
export type OpenaiToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; function: { name: string } };

/** The answer's required shape. */
export type OpenaiResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: {
        name: string;
        schema?: Record<string, unknown>;
        description?: string;
        strict?: boolean | null;
      };
    };

/** Token counts as OpenAI reports them. Detail objects and their fields may be missing or null. */
export interface OpenaiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** The assistant message of a non-streamed choice. */
export interface OpenaiResponseMessage {
  role: 'assistant';
  content: string | null;
  refusal: string | null;
  tool_calls?: OpenaiToolCall[];
  /** Not OpenAI's own: some OpenAI-compatible hosts (DeepSeek, vLLM) return reasoning here. */
  reasoning_content?: string | null;
}

/** A complete `chat.completion` object. */
export interface OpenaiChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    message: OpenaiResponseMessage;
    logprobs: null;
    finish_reason: string;
  }>;
  usage?: OpenaiUsage;
}

/** The `delta` of a streamed choice. */
export interface OpenaiChunkDelta {
  role?: 'assistant';
  content?: string | null;
  refusal?: string | null;
  reasoning_content?: string | null;
  tool_calls?: Array<{
    index: number;
    id?: string;
    type?: 'function';
    function?: { name?: string; arguments?: string };
  }>;
}

/** One `chat.completion.chunk` of a stream. */
export interface OpenaiChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: OpenaiChunkDelta;
    logprobs: null;
    finish_reason: string | null;
  }>;
  /** Present (as null, then as the counts) only when the client asked for `include_usage`. */
  usage?: OpenaiUsage | null;
}

/** The error object inside `{ error: ... }` bodies and stream chunks. */
export interface OpenaiErrorObject {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}
