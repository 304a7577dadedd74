import type {
  ChatRequest,
  ImagePart,
  Message,
  Part,
  ResponseFormat,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../core/index.js';
import { toInvalidRequest } from '../format-validation-error.js';
import { decodeImageUrl } from './map-image-url.js';
import {
  MAPPED_REQUEST_FIELDS,
  openaiRequestSchema,
  type ValidatedOpenaiMessage,
  type ValidatedOpenaiRequest,
} from './request-schema.js';

/** What OpenAI assumes when a function tool has no `parameters`: a call without arguments. */
const NO_PARAMETERS: Readonly<Record<string, unknown>> = { type: 'object', properties: {} };

type ValidatedContent = string | Array<{ type: 'text'; text: string }>;

function decodeTextContent(content: ValidatedContent): TextPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part) => ({ type: 'text', text: part.text }));
}

function decodeUserContent(content: Extract<ValidatedOpenaiMessage, { role: 'user' }>['content']): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part): TextPart | ImagePart => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    const image: ImagePart = { type: 'image', source: decodeImageUrl(part.image_url.url) };
    if (typeof part.image_url.detail === 'string') image.detail = part.image_url.detail;
    return image;
  });
}

function decodeAssistant(message: Extract<ValidatedOpenaiMessage, { role: 'assistant' }>): Part[] {
  const parts: Part[] = [];
  const { content } = message;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    for (const part of content) {
      // A refusal the client sends back is what the assistant said; it travels as text.
      parts.push({ type: 'text', text: part.type === 'text' ? part.text : part.refusal });
    }
  }
  if (typeof message.refusal === 'string' && message.refusal !== '' && parts.length === 0) {
    parts.push({ type: 'text', text: message.refusal });
  }
  for (const call of message.tool_calls ?? []) {
    parts.push({
      type: 'tool_call',
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    });
  }
  return parts;
}

function withName(message: Message, name: string | null | undefined): Message {
  if (typeof name === 'string') message.name = name;
  return message;
}

function decodeTools(tools: NonNullable<ValidatedOpenaiRequest['tools']>): ToolDefinition[] {
  return tools.map(({ function: fn }) => {
    const tool: ToolDefinition = { name: fn.name, parameters: fn.parameters ?? { ...NO_PARAMETERS } };
    if (typeof fn.description === 'string') tool.description = fn.description;
    if (typeof fn.strict === 'boolean') tool.strict = fn.strict;
    return tool;
  });
}

function decodeToolChoice(choice: NonNullable<ValidatedOpenaiRequest['tool_choice']>): ToolChoice {
  return typeof choice === 'string' ? { type: choice } : { type: 'tool', name: choice.function.name };
}

function decodeResponseFormat(
  format: NonNullable<ValidatedOpenaiRequest['response_format']>,
): ResponseFormat {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json_object':
      return { type: 'json' };
    case 'json_schema': {
      const { json_schema: spec } = format;
      const decoded: ResponseFormat = { type: 'json_schema', name: spec.name, schema: spec.schema ?? {} };
      if (typeof spec.description === 'string') decoded.description = spec.description;
      if (typeof spec.strict === 'boolean') decoded.strict = spec.strict;
      return decoded;
    }
  }
}

/**
 * Validates a client's Chat Completions body strictly and decodes it into a canonical request.
 * Unmapped top-level fields are kept in `vendorOptions['openai-chat']`; so is `max_completion_tokens`
 * when the client used it, so an OpenAI upstream is asked with the same field name.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function decodeOpenaiRequest(body: unknown): ChatRequest {
  const parsed = openaiRequestSchema.safeParse(body);
  if (!parsed.success) throw toInvalidRequest(parsed.error.issues, body);
  const wire = parsed.data;

  const system: TextPart[] = [];
  const messages: Message[] = [];
  for (const message of wire.messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        system.push(...decodeTextContent(message.content));
        break;
      case 'user':
        messages.push(withName({ role: 'user', content: decodeUserContent(message.content) }, message.name));
        break;
      case 'assistant':
        messages.push(withName({ role: 'assistant', content: decodeAssistant(message) }, message.name));
        break;
      case 'tool':
        messages.push({
          role: 'tool',
          content: [
            {
              type: 'tool_result',
              toolCallId: message.tool_call_id,
              content: decodeTextContent(message.content),
              isError: false,
            },
          ],
        });
        break;
    }
  }

  const metadata: Record<string, string> = { ...(wire.metadata ?? {}) };
  if (typeof wire.user === 'string') metadata.user = wire.user;

  const vendorOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) {
    if (!MAPPED_REQUEST_FIELDS.has(key)) vendorOptions[key] = value;
  }
  const maxCompletionTokens = wire.max_completion_tokens ?? undefined;
  if (maxCompletionTokens !== undefined) vendorOptions.max_completion_tokens = maxCompletionTokens;

  const request: ChatRequest = {
    model: wire.model,
    messages,
    stream: wire.stream === true,
    metadata,
    vendorOptions: { 'openai-chat': vendorOptions },
  };
  if (system.length > 0) request.system = system;
  if (wire.tools != null) request.tools = decodeTools(wire.tools);
  if (wire.tool_choice != null) request.toolChoice = decodeToolChoice(wire.tool_choice);
  if (typeof wire.parallel_tool_calls === 'boolean') request.parallelToolCalls = wire.parallel_tool_calls;
  const maxTokens = maxCompletionTokens ?? wire.max_tokens ?? undefined;
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  if (typeof wire.temperature === 'number') request.temperature = wire.temperature;
  if (typeof wire.top_p === 'number') request.topP = wire.top_p;
  if (wire.stop != null) request.stop = typeof wire.stop === 'string' ? [wire.stop] : wire.stop;
  if (wire.response_format != null) request.responseFormat = decodeResponseFormat(wire.response_format);
  if (typeof wire.stream_options?.include_usage === 'boolean') {
    request.streamUsage = wire.stream_options.include_usage;
  }
  return request;
}
