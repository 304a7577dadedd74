import {
  assertNever,
  type ChatRequest,
  type Message,
  type ResponseFormat,
  type TextPart,
  type ToolChoice,
  type ToolResultPart,
} from '../../core/index.js';
import { encodeImageUrl } from './map-image-url.js';
import type {
  OpenaiImagePart,
  OpenaiMessage,
  OpenaiResponseFormat,
  OpenaiTextPart,
  OpenaiTool,
  OpenaiToolCall,
  OpenaiToolChoice,
} from './types.js';

function encodeTextContent(parts: readonly TextPart[]): string | OpenaiTextPart[] {
  if (parts.length === 1) return parts[0]!.text;
  return parts.map((part) => ({ type: 'text', text: part.text }));
}

function encodeToolResult(part: ToolResultPart): OpenaiMessage {
  // OpenAI tool messages carry text only; images in a tool result have no place here and are left out.
  const texts = part.content.filter((item): item is TextPart => item.type === 'text');
  return {
    role: 'tool',
    tool_call_id: part.toolCallId,
    content: texts.length === 0 ? '' : encodeTextContent(texts),
  };
}

function encodeUserLike(message: Message): OpenaiMessage | undefined {
  const parts: Array<OpenaiTextPart | OpenaiImagePart> = [];
  for (const part of message.content) {
    if (part.type === 'text') parts.push({ type: 'text', text: part.text });
    else if (part.type === 'image') {
      const imageUrl: OpenaiImagePart['image_url'] = { url: encodeImageUrl(part.source) };
      if (part.detail !== undefined) imageUrl.detail = part.detail;
      parts.push({ type: 'image_url', image_url: imageUrl });
    }
  }
  if (parts.length === 0) return undefined;
  const only = parts[0]!;
  const content = parts.length === 1 && only.type === 'text' ? only.text : parts;
  return message.name === undefined
    ? { role: 'user', content }
    : { role: 'user', content, name: message.name };
}

function encodeAssistant(message: Message): OpenaiMessage | undefined {
  let text = '';
  let hasText = false;
  const toolCalls: OpenaiToolCall[] = [];
  for (const part of message.content) {
    if (part.type === 'text') {
      text += part.text;
      hasText = true;
    } else if (part.type === 'tool_call') {
      toolCalls.push({
        id: part.id,
        type: 'function',
        function: { name: part.name, arguments: part.arguments },
      });
    }
    // Reasoning is not accepted back by Chat Completions, and images cannot be an assistant's content.
  }
  if (!hasText && toolCalls.length === 0) return undefined;
  const encoded: OpenaiMessage = { role: 'assistant', content: hasText ? text : null };
  if (toolCalls.length > 0) encoded.tool_calls = toolCalls;
  if (message.name !== undefined) encoded.name = message.name;
  return encoded;
}

function encodeMessages(request: ChatRequest): OpenaiMessage[] {
  const messages: OpenaiMessage[] = [];
  if (request.system !== undefined && request.system.length > 0) {
    messages.push({ role: 'system', content: encodeTextContent(request.system) });
  }
  for (const message of request.messages) {
    // Tool results go first: OpenAI wants them right after the assistant turn that made the calls.
    for (const part of message.content) {
      if (part.type === 'tool_result') messages.push(encodeToolResult(part));
    }
    const encoded = message.role === 'assistant' ? encodeAssistant(message) : encodeUserLike(message);
    if (encoded !== undefined) messages.push(encoded);
  }
  return messages;
}

function encodeToolChoice(choice: ToolChoice): OpenaiToolChoice {
  switch (choice.type) {
    case 'auto':
    case 'none':
    case 'required':
      return choice.type;
    case 'tool':
      return { type: 'function', function: { name: choice.name } };
    default:
      return assertNever(choice);
  }
}

function encodeResponseFormat(format: ResponseFormat): OpenaiResponseFormat {
  switch (format.type) {
    case 'text':
      return { type: 'text' };
    case 'json':
      return { type: 'json_object' };
    case 'json_schema': {
      const spec: Extract<OpenaiResponseFormat, { type: 'json_schema' }>['json_schema'] = {
        name: format.name,
        schema: format.schema,
      };
      if (format.description !== undefined) spec.description = format.description;
      if (format.strict !== undefined) spec.strict = format.strict;
      return { type: 'json_schema', json_schema: spec };
    }
    default:
      return assertNever(format);
  }
}

/**
 * Encodes a canonical request as a Chat Completions body for `upstreamModel`. Fields kept from an
 * OpenAI client (`vendorOptions['openai-chat']`) are written back as they came.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export function encodeOpenaiRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown> {
  const kept = request.vendorOptions['openai-chat'] ?? {};
  // The client's own name for the limit: reasoning models accept only `max_completion_tokens`, and some
  // OpenAI-compatible hosts only `max_tokens`, so the field the client chose is the one that works.
  const { max_completion_tokens: clientUsedCompletionTokens, ...rest } = kept;
  const body: Record<string, unknown> = { ...rest, model: upstreamModel, messages: encodeMessages(request) };

  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool): OpenaiTool => {
      const fn: OpenaiTool['function'] = { name: tool.name };
      if (tool.description !== undefined) fn.description = tool.description;
      fn.parameters = tool.parameters;
      if (tool.strict !== undefined) fn.strict = tool.strict;
      return { type: 'function', function: fn };
    });
    // OpenAI rejects both fields when no tools are given.
    if (request.toolChoice !== undefined) body.tool_choice = encodeToolChoice(request.toolChoice);
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.responseFormat !== undefined)
    body.response_format = encodeResponseFormat(request.responseFormat);
  if (request.stop !== undefined && request.stop.length > 0) body.stop = request.stop;
  if (request.maxTokens !== undefined) {
    body[clientUsedCompletionTokens === undefined ? 'max_tokens' : 'max_completion_tokens'] =
      request.maxTokens;
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  // `topK` has no Chat Completions equivalent and is left out.
  body.stream = request.stream;
  if (request.stream && request.streamUsage === true) body.stream_options = { include_usage: true };

  const { user, ...tags } = request.metadata;
  if (user !== undefined) body.user = user;
  // OpenAI has refused `metadata` on completions that are not stored, and only an OpenAI client can
  // ask for `store`: its own `metadata` goes back as it came; another protocol's tags are not sent.
  const fromOpenaiClient = request.vendorOptions['openai-chat'] !== undefined;
  if (fromOpenaiClient && Object.keys(tags).length > 0) body.metadata = tags;
  return body;
}
