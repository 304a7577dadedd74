import {
  assertNever,
  type ChatRequest,
  type ImagePart,
  type Message,
  type Part,
  type TextPart,
  type ToolChoice,
} from '../../core/index.js';
import { unmarkGeminiSignature } from '../gemini/index.js';
import { parseToolInput } from '../parse-tool-input.js';
import { UNTRANSLATABLE_PARTS } from './decode-request.js';
import { JSON_MODE_TOOL_DESCRIPTION, JSON_MODE_TOOL_NAME } from './json-mode-tool.js';

/**
 * Anthropic requires `max_tokens`; OpenAI does not. A request from an OpenAI client without a limit
 * gets this one (the README lists it).
 */
export const DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
type WireMessage = { role: 'user' | 'assistant'; content: Block[] };

function encodeImage(part: ImagePart): Block {
  return part.source.type === 'base64'
    ? { type: 'image', source: { type: 'base64', media_type: part.source.mediaType, data: part.source.data } }
    : { type: 'image', source: { type: 'url', url: part.source.url } };
}

function encodePart(part: Part): Block | undefined {
  switch (part.type) {
    case 'text':
      // Anthropic rejects empty text blocks.
      return part.text === '' ? undefined : { type: 'text', text: part.text };
    case 'image':
      return encodeImage(part);
    case 'tool_call':
      return { type: 'tool_use', id: part.id, name: part.name, input: parseToolInput(part.arguments) };
    case 'tool_result': {
      const content = part.content.flatMap((item) =>
        item.type === 'text'
          ? item.text === ''
            ? []
            : [{ type: 'text', text: item.text }]
          : [encodeImage(item)],
      );
      const block: Block = { type: 'tool_result', tool_use_id: part.toolCallId, content };
      if (part.isError) block.is_error = true;
      return block;
    }
    case 'reasoning':
      // Anthropic accepts reasoning back only with the signature it made; reasoning from another
      // vendor cannot be verified and is left out. Gemini's signatures are marked as Gemini's.
      if (part.redactedData !== undefined) return { type: 'redacted_thinking', data: part.redactedData };
      if (part.signature !== undefined && unmarkGeminiSignature(part.signature) === undefined)
        return { type: 'thinking', thinking: part.text, signature: part.signature };
      return undefined;
    default:
      return assertNever(part);
  }
}

/** Anthropic wants alternating turns: tool results travel in user turns, and same-role turns merge. */
function encodeMessages(messages: readonly Message[]): WireMessage[] {
  const encoded: WireMessage[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = message.content.map(encodePart).filter((block): block is Block => block !== undefined);
    if (blocks.length === 0) continue;
    const previous = encoded.at(-1);
    if (previous?.role === role) {
      // Tool results must open a user turn.
      const results = blocks.filter((block) => block.type === 'tool_result');
      const rest = blocks.filter((block) => block.type !== 'tool_result');
      previous.content = [
        ...previous.content.filter((block) => block.type === 'tool_result'),
        ...results,
        ...previous.content.filter((block) => block.type !== 'tool_result'),
        ...rest,
      ];
    } else {
      encoded.push({ role, content: blocks });
    }
  }
  return encoded;
}

function encodeToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined): Block | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  switch (choice.type) {
    case 'auto':
      return { type: 'auto', ...disable };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any', ...disable };
    case 'tool':
      return { type: 'tool', name: choice.name, ...disable };
    default:
      return assertNever(choice);
  }
}

/**
 * The system prompt without its empty parts (Anthropic rejects empty text blocks: "system: text
 * content blocks must be non-empty"), as a string when one part is left; undefined when none is.
 */
function encodeSystem(system: readonly TextPart[] | undefined): string | Block[] | undefined {
  const parts = (system ?? []).filter((part) => part.text !== '');
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0]!.text;
  return parts.map((part) => ({ type: 'text', text: part.text }));
}

/**
 * Encodes a canonical request as a Messages body for `upstreamModel`. Fields kept from an Anthropic
 * client (`vendorOptions['anthropic-messages']`) are written back as they came. JSON mode becomes a
 * forced call of one tool whose input schema is the requested schema (see `json-mode-tool.ts`).
 * @see https://docs.anthropic.com/en/api/messages
 */
export function encodeAnthropicRequest(request: ChatRequest, upstreamModel: string): Record<string, unknown> {
  const { [UNTRANSLATABLE_PARTS]: _untranslatable, ...kept } =
    request.vendorOptions['anthropic-messages'] ?? {};
  const body: Record<string, unknown> = {
    ...kept,
    model: upstreamModel,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: encodeMessages(request.messages),
  };
  const system = encodeSystem(request.system);
  if (system !== undefined) body.system = system;

  const tools: Block[] = (request.tools ?? []).map((tool) => {
    const encoded: Block = { name: tool.name, input_schema: tool.parameters };
    if (tool.description !== undefined) encoded.description = tool.description;
    return encoded;
  });
  let toolChoice = encodeToolChoice(request.toolChoice, request.parallelToolCalls);
  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    tools.push({
      name: JSON_MODE_TOOL_NAME,
      description:
        format.type === 'json_schema' && format.description !== undefined
          ? format.description
          : JSON_MODE_TOOL_DESCRIPTION,
      input_schema: format.type === 'json_schema' ? format.schema : { type: 'object' },
    });
    toolChoice = { type: 'tool', name: JSON_MODE_TOOL_NAME };
  }
  if (tools.length > 0) {
    body.tools = tools;
    if (toolChoice !== undefined) body.tool_choice = toolChoice;
  }
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  // OpenAI's range is 0–2, Anthropic's 0–1: the top of OpenAI's range maps to Anthropic's top.
  if (request.temperature !== undefined) body.temperature = Math.min(request.temperature, 1);
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.topK !== undefined) body.top_k = request.topK;
  if (request.metadata.user !== undefined) body.metadata = { user_id: request.metadata.user };
  body.stream = request.stream;
  return body;
}
