import type {
  ChatRequest,
  ImagePart,
  ImageSource,
  Message,
  Part,
  TextPart,
  ToolChoice,
  ToolDefinition,
} from '../../core/index.js';
import { toInvalidRequest } from '../format-validation-error.js';
import {
  anthropicRequestSchema,
  MAPPED_REQUEST_FIELDS,
  type ValidatedAnthropicBlock,
  type ValidatedAnthropicRequest,
} from './request-schema.js';

/**
 * Key in `vendorOptions['anthropic-messages']` listing the paths of parts Detour cannot translate
 * (document blocks, server tools). A request carrying any goes only to Anthropic hosts.
 */
export const UNTRANSLATABLE_PARTS = 'untranslatable_parts';

function decodeImage(source: { type: string; [key: string]: unknown }): ImageSource {
  return source.type === 'base64'
    ? { type: 'base64', mediaType: String(source.media_type), data: String(source.data) }
    : { type: 'url', url: String(source.url) };
}

type BlockOf<T extends string> = Extract<ValidatedAnthropicBlock, { type: T }>;

function decodeToolResultContent(content: BlockOf<'tool_result'>['content']): Array<TextPart | ImagePart> {
  if (content === undefined) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  return content.map((item) =>
    item.type === 'text'
      ? { type: 'text', text: item.text }
      : { type: 'image', source: decodeImage(item.source as { type: string }) },
  );
}

/** Decodes one message; tool results become a `tool` message ahead of the user's other content. */
function decodeMessage(
  message: ValidatedAnthropicRequest['messages'][number],
  path: string,
  untranslatable: string[],
): Message[] {
  if (typeof message.content === 'string') {
    return [{ role: message.role, content: [{ type: 'text', text: message.content }] }];
  }
  const results: Part[] = [];
  const parts: Part[] = [];
  message.content.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: String(block.text) });
        return;
      case 'image':
        parts.push({ type: 'image', source: decodeImage((block as BlockOf<'image'>).source) });
        return;
      case 'tool_use': {
        const call = block as BlockOf<'tool_use'>;
        parts.push({
          type: 'tool_call',
          id: call.id,
          name: call.name,
          arguments: JSON.stringify(call.input),
        });
        return;
      }
      case 'tool_result': {
        const result = block as BlockOf<'tool_result'>;
        results.push({
          type: 'tool_result',
          toolCallId: result.tool_use_id,
          content: decodeToolResultContent(result.content),
          isError: result.is_error === true,
        });
        return;
      }
      case 'thinking': {
        const thinking = block as BlockOf<'thinking'>;
        parts.push(
          thinking.signature === undefined
            ? { type: 'reasoning', text: thinking.thinking }
            : { type: 'reasoning', text: thinking.thinking, signature: thinking.signature },
        );
        return;
      }
      case 'redacted_thinking':
        parts.push({
          type: 'reasoning',
          text: '',
          redactedData: (block as BlockOf<'redacted_thinking'>).data,
        });
        return;
      default:
        untranslatable.push(`${path}.content[${index}] (${block.type})`);
    }
  });
  const decoded: Message[] = [];
  if (results.length > 0) decoded.push({ role: 'tool', content: results });
  if (parts.length > 0 || results.length === 0) decoded.push({ role: message.role, content: parts });
  return decoded;
}

function decodeTools(
  tools: NonNullable<ValidatedAnthropicRequest['tools']>,
  untranslatable: string[],
): ToolDefinition[] {
  const decoded: ToolDefinition[] = [];
  tools.forEach((tool, index) => {
    // Server tools (web search, code execution, computer use) run inside Anthropic's API.
    if ((tool.type !== undefined && tool.type !== 'custom') || tool.input_schema === undefined) {
      untranslatable.push(`tools[${index}] (${tool.type ?? tool.name})`);
      return;
    }
    const definition: ToolDefinition = { name: tool.name, parameters: tool.input_schema };
    if (tool.description !== undefined) definition.description = tool.description;
    decoded.push(definition);
  });
  return decoded;
}

function decodeToolChoice(choice: NonNullable<ValidatedAnthropicRequest['tool_choice']>): ToolChoice {
  switch (choice.type) {
    case 'auto':
      return { type: 'auto' };
    case 'any':
      return { type: 'required' };
    case 'none':
      return { type: 'none' };
    case 'tool':
      return { type: 'tool', name: choice.name };
  }
}

/**
 * Validates a client's Messages body strictly and decodes it into a canonical request. Unmapped
 * top-level fields (`thinking`, `service_tier`, ...) are kept in `vendorOptions['anthropic-messages']`.
 * @see https://docs.anthropic.com/en/api/messages
 */
export function decodeAnthropicRequest(body: unknown): ChatRequest {
  const parsed = anthropicRequestSchema.safeParse(body);
  if (!parsed.success) throw toInvalidRequest(parsed.error.issues, body);
  const wire = parsed.data;
  const untranslatable: string[] = [];

  const messages = wire.messages.flatMap((message, index) =>
    decodeMessage(message, `messages[${index}]`, untranslatable),
  );
  const vendorOptions: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wire)) {
    if (!MAPPED_REQUEST_FIELDS.has(key)) vendorOptions[key] = value;
  }

  const request: ChatRequest = {
    model: wire.model,
    messages,
    maxTokens: wire.max_tokens,
    stream: wire.stream === true,
    metadata: {},
    vendorOptions: { 'anthropic-messages': vendorOptions },
  };
  if (wire.system !== undefined) {
    const system: TextPart[] =
      typeof wire.system === 'string'
        ? [{ type: 'text', text: wire.system }]
        : wire.system.map((part) => ({ type: 'text', text: part.text }));
    if (system.some((part) => part.text !== '')) request.system = system;
  }
  if (wire.tools !== undefined) {
    const tools = decodeTools(wire.tools, untranslatable);
    if (tools.length > 0) request.tools = tools;
  }
  if (wire.tool_choice !== undefined) {
    request.toolChoice = decodeToolChoice(wire.tool_choice);
    if (
      'disable_parallel_tool_use' in wire.tool_choice &&
      wire.tool_choice.disable_parallel_tool_use === true
    ) {
      request.parallelToolCalls = false;
    }
  }
  if (wire.stop_sequences !== undefined && wire.stop_sequences.length > 0) request.stop = wire.stop_sequences;
  if (wire.temperature !== undefined) request.temperature = wire.temperature;
  if (wire.top_p !== undefined) request.topP = wire.top_p;
  if (wire.top_k !== undefined) request.topK = wire.top_k;
  const userId = wire.metadata?.user_id;
  if (typeof userId === 'string') request.metadata.user = userId;
  if (untranslatable.length > 0) vendorOptions[UNTRANSLATABLE_PARTS] = untranslatable;
  return request;
}
