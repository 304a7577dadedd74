/**
 * The canonical request: what every surface decodes into and every upstream encodes from.
 * Field names are Detour's own; each protocol maps its wire names onto them.
 */

/** A wire format spoken by a surface or an upstream host. */
export type ProtocolName = 'openai-chat' | 'anthropic-messages';

/**
 * A wire format an upstream host speaks: a client protocol, or one Detour only sends to (Google's
 * generateContent, Bedrock's Converse). Clients never speak the last two.
 */
export type WireProtocol = ProtocolName | 'gemini' | 'bedrock-converse';

/** Plain text content. */
export interface TextPart {
  type: 'text';
  /** The text itself. */
  text: string;
}

/** Where an image comes from: a URL the host fetches, or inline bytes. */
export type ImageSource =
  | {
      type: 'url';
      /** http(s) URL or a `data:` URL. */
      url: string;
    }
  | {
      type: 'base64';
      /** MIME type, e.g. `image/png`. */
      mediaType: string;
      /** Base64 bytes without the `data:` prefix. */
      data: string;
    };

/** An image given to the model. */
export interface ImagePart {
  type: 'image';
  /** Where the bytes come from. */
  source: ImageSource;
  /** OpenAI's `detail` hint (`auto`, `low`, `high`); other protocols ignore it. */
  detail?: string;
}

/** A call the assistant makes to a tool. */
export interface ToolCallPart {
  type: 'tool_call';
  /** The call id the matching tool result refers to. */
  id: string;
  /** The tool's name. */
  name: string;
  /** The arguments as JSON text, exactly as the model produced them. */
  arguments: string;
}

/** The result of a tool call, sent back by the client. */
export interface ToolResultPart {
  type: 'tool_result';
  /** The id of the tool call this answers. */
  toolCallId: string;
  /** What the tool returned. */
  content: Array<TextPart | ImagePart>;
  /** True when the tool failed (Anthropic `is_error`). */
  isError: boolean;
}

/** Model reasoning ("thinking"), kept so it can be sent back on the next turn. */
export interface ReasoningPart {
  type: 'reasoning';
  /** The visible reasoning text (empty for redacted reasoning). */
  text: string;
  /** Vendor signature that proves the reasoning is unmodified (Anthropic `signature`). */
  signature?: string;
  /** Encrypted reasoning the vendor did not reveal (Anthropic `redacted_thinking.data`). */
  redactedData?: string;
}

/** One piece of message content. */
export type Part = TextPart | ImagePart | ToolCallPart | ToolResultPart | ReasoningPart;

/** One turn of the conversation. System prompts live in {@link ChatRequest.system}, not here. */
export interface Message {
  /** Who speaks. Tool results travel as `tool` messages. */
  role: 'user' | 'assistant' | 'tool';
  /** What was said, in order. */
  content: Part[];
  /** Optional participant name (OpenAI `name`). */
  name?: string;
}

/** A function the model may call. */
export interface ToolDefinition {
  /** The name the model calls it by. */
  name: string;
  /** What the tool does, for the model. */
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
  /** OpenAI structured-outputs `strict` flag. */
  strict?: boolean;
}

/** How the model must use tools. */
export type ToolChoice =
  | { type: 'auto' }
  | { type: 'none' }
  /** Must call some tool (OpenAI `required`, Anthropic `any`). */
  | { type: 'required' }
  /** Must call this tool. */
  | { type: 'tool'; name: string };

/** The shape the answer must take. */
export type ResponseFormat =
  | { type: 'text' }
  /** Any valid JSON object (OpenAI `json_object`). */
  | { type: 'json' }
  /** JSON matching a schema (OpenAI `json_schema`). */
  | {
      type: 'json_schema';
      /** The schema's name. */
      name: string;
      /** The JSON Schema itself. */
      schema: Record<string, unknown>;
      /** What the schema is for. */
      description?: string;
      /** Structured-outputs strict mode. */
      strict?: boolean;
    };

/** A chat request in Detour's canonical form. */
export interface ChatRequest {
  /** The model name the client asked for (a Detour model, not an upstream id). */
  model: string;
  /** System and developer instructions, in order. */
  system?: TextPart[];
  /** The conversation. */
  messages: Message[];
  /** Tools the model may call. */
  tools?: ToolDefinition[];
  /** How tools must be used. */
  toolChoice?: ToolChoice;
  /** Whether several tool calls may come in one turn (false = at most one). */
  parallelToolCalls?: boolean;
  /** Upper bound on generated tokens. */
  maxTokens?: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus sampling. */
  topP?: number;
  /** Top-k sampling (Anthropic). */
  topK?: number;
  /** Sequences that end generation. */
  stop?: string[];
  /** Required answer shape. */
  responseFormat?: ResponseFormat;
  /** Whether the client wants a stream. */
  stream: boolean;
  /** For streams: whether the client asked for a final usage event (OpenAI `stream_options.include_usage`). */
  streamUsage?: boolean;
  /** End-user id and other tags (OpenAI `user`, Anthropic `metadata.user_id`). */
  metadata: Record<string, string>;
  /**
   * Fields a protocol does not map, keyed by the protocol that produced them. They are sent again
   * only to an upstream of the same protocol, so nothing unknown is lost on the fast path.
   */
  vendorOptions: Partial<Record<ProtocolName, Record<string, unknown>>>;
}
