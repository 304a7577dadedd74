import type { SimAnswer } from './compose-answer.js';
import { PREFILL_UNSUPPORTED_MESSAGE, readMessagesPrefill } from './read-prefill.js';
import type { SimPrompt } from './sim-prompt.js';
import {
  asRecord,
  countChars,
  errorSpec,
  MALFORMED_SSE_EVENT,
  type ResponseIds,
  rejectRequest as reject,
  type SimWire,
  SSE_HEADERS,
  type StreamPiece,
  sse,
  textOf,
  type VendorErrorSpec,
} from './sim-wire.js';

/** Anthropic's error type by status. */
const DEFAULTS: Readonly<Record<number, { type: string; message: string }>> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  403: {
    type: 'permission_error',
    message: 'Your API key does not have permission to use the specified resource.',
  },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: {
    type: 'rate_limit_error',
    message: 'Number of request tokens has exceeded your per-minute rate limit.',
  },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

const STOP_REASON: Readonly<Record<SimAnswer['finish'], string>> = {
  end: 'end_turn',
  stop_sequence: 'stop_sequence',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  // Claude's own word for an answer its safety systems stopped.
  content_filter: 'refusal',
};

function readToolChoice(value: unknown): SimPrompt['toolChoice'] {
  const choice = asRecord(value);
  switch (choice?.type) {
    case 'any':
      return { type: 'required' };
    case 'none':
      return { type: 'none' };
    case 'tool':
      return typeof choice.name === 'string' ? { type: 'tool', name: choice.name } : { type: 'auto' };
    default:
      return { type: 'auto' };
  }
}

/** Text of the tool results in a user message, when it carries any. */
function toolResultsOf(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const results = content.map(asRecord).filter((block) => block?.type === 'tool_result');
  if (results.length === 0) return undefined;
  return results.map((block) => textOf(block?.content)).join('\n');
}

function usage(answer: SimAnswer) {
  return {
    input_tokens: answer.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: answer.outputTokens,
    service_tier: 'standard',
  };
}

function contentBlocks(answer: SimAnswer): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (answer.reasoning !== undefined) {
    blocks.push({ type: 'thinking', thinking: answer.reasoning.text, signature: answer.reasoning.signature });
  }
  if (answer.tokens.length > 0) blocks.push({ type: 'text', text: answer.tokens.join('') });
  for (const call of answer.toolCalls) {
    blocks.push({
      type: 'tool_use',
      id: `toolu_${call.idSuffix}`,
      name: call.name,
      input: JSON.parse(call.arguments),
    });
  }
  return blocks;
}

/**
 * Reads the body of a Messages request once the model and streaming are known (the Anthropic API
 * has them in the body; Bedrock and Vertex in the path). A final assistant message is a prefill.
 */
export function readMessagesRequest(
  request: Record<string, unknown>,
  model: string,
  stream: boolean,
): SimPrompt {
  if (typeof request.max_tokens !== 'number') reject('max_tokens: Field required');
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) reject('messages: Field required');
  const lastUser = asRecord([...messages].reverse().find((message) => asRecord(message)?.role === 'user'));
  const thinking = asRecord(request.thinking)?.type === 'enabled';
  const prefill = readMessagesPrefill(messages, thinking);
  // The turn being answered: the one before a prefill.
  const last = asRecord(messages.at(prefill === undefined ? -1 : -2));
  const tools = Array.isArray(request.tools)
    ? request.tools.flatMap((item) => {
        const tool = asRecord(item);
        return typeof tool?.name === 'string' ? [{ name: tool.name, schema: tool.input_schema }] : [];
      })
    : [];
  const choice = asRecord(request.tool_choice);
  const prompt: SimPrompt = {
    model,
    stream,
    includeUsage: true,
    lastUserText: textOf(lastUser?.content),
    tools,
    toolChoice: readToolChoice(request.tool_choice),
    parallelToolCalls: choice?.disable_parallel_tool_use !== true,
    maxTokens: request.max_tokens,
    stop: Array.isArray(request.stop_sequences) ? request.stop_sequences : [],
    thinking,
    promptChars: countChars(messages) + countChars(request.system),
  };
  const toolResult = last?.role === 'user' ? toolResultsOf(last.content) : undefined;
  if (toolResult !== undefined) prompt.toolResult = toolResult;
  if (prefill !== undefined) prompt.prefill = prefill;
  return prompt;
}

/** A complete Messages response. */
export function messageResponse(answer: SimAnswer, prompt: SimPrompt, ids: ResponseIds) {
  return {
    id: ids.id,
    type: 'message',
    role: 'assistant',
    model: prompt.model,
    content: contentBlocks(answer),
    stop_reason: STOP_REASON[answer.finish],
    stop_sequence: answer.stopSequence ?? null,
    usage: usage(answer),
  };
}

/** One event of a Messages stream, its `type` included, and its role for faults. */
export interface MessagesStreamEvent {
  kind: StreamPiece['kind'];
  event: { type: string } & Record<string, unknown>;
}

/**
 * The events of a Messages stream, in order. `ping` adds the keep-alive event the Anthropic API
 * sends after the first block start (Bedrock sends none).
 */
export function messagesStreamEvents(
  answer: SimAnswer,
  prompt: SimPrompt,
  ids: ResponseIds,
  options: { ping: boolean },
): MessagesStreamEvent[] {
  const events: MessagesStreamEvent[] = [];
  const head = (event: MessagesStreamEvent['event']) => events.push({ kind: 'head', event });
  const content = (event: MessagesStreamEvent['event']) => events.push({ kind: 'content', event });
  const tail = (event: MessagesStreamEvent['event']) => events.push({ kind: 'tail', event });

  head({
    type: 'message_start',
    message: {
      id: ids.id,
      type: 'message',
      role: 'assistant',
      model: prompt.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage(answer), output_tokens: 1 },
    },
  });
  let index = 0;
  if (answer.reasoning !== undefined) {
    content({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '' } });
    content({
      type: 'content_block_delta',
      index,
      delta: { type: 'thinking_delta', thinking: answer.reasoning.text },
    });
    content({
      type: 'content_block_delta',
      index,
      delta: { type: 'signature_delta', signature: answer.reasoning.signature },
    });
    content({ type: 'content_block_stop', index });
    index += 1;
  }
  if (answer.tokens.length > 0) {
    head({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    if (options.ping) head({ type: 'ping' });
    for (const token of answer.tokens) {
      content({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: token } });
    }
    content({ type: 'content_block_stop', index });
    index += 1;
  }
  for (const call of answer.toolCalls) {
    content({
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: `toolu_${call.idSuffix}`, name: call.name, input: {} },
    });
    for (let start = 0; start < call.arguments.length; start += 10) {
      content({
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: call.arguments.slice(start, start + 10) },
      });
    }
    content({ type: 'content_block_stop', index });
    index += 1;
  }
  tail({
    type: 'message_delta',
    delta: { stop_reason: STOP_REASON[answer.finish], stop_sequence: answer.stopSequence ?? null },
    usage: { output_tokens: answer.outputTokens },
  });
  tail({ type: 'message_stop' });
  return events;
}

/**
 * The Anthropic Messages wire format.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/messages-streaming
 */
export const anthropicWire: SimWire = {
  idPrefix: 'msg_',
  streamHeaders: SSE_HEADERS,
  truncation: 'at-event',

  readPrompt(body, headers, route) {
    if (headers['anthropic-version'] === undefined) reject('anthropic-version: header is required');
    const given = asRecord(body);
    if (given === undefined) reject('The request body must be a JSON object.');
    // count_tokens takes a Messages request without `max_tokens`.
    const request = route.endpoint === 'count_tokens' ? { max_tokens: 1, ...given } : given;
    if (typeof request.model !== 'string' || request.model === '') reject('model: Field required');
    return readMessagesRequest(request, request.model, request.stream === true);
  },

  response(answer, prompt, ids) {
    return messageResponse(answer, prompt, ids);
  },

  stream(answer, prompt, ids) {
    return messagesStreamEvents(answer, prompt, ids, { ping: true }).map(({ kind, event }) => ({
      kind,
      data: sse(event, event.type),
    }));
  },

  errorBody(spec: VendorErrorSpec) {
    const defaults = DEFAULTS[spec.status] ?? {
      type: spec.status >= 500 ? 'api_error' : 'invalid_request_error',
      message: `HTTP ${spec.status}`,
    };
    return {
      type: 'error',
      error: { type: spec.errorType ?? defaults.type, message: spec.message ?? defaults.message },
    };
  },

  streamError(errorType, message) {
    return sse(
      { type: 'error', error: { type: errorType ?? 'overloaded_error', message: message ?? 'Overloaded' } },
      'error',
    );
  },

  streamErrorAsStatus(errorType, message) {
    return errorSpec(529, errorType, message);
  },

  malformedEvent() {
    return MALFORMED_SSE_EVENT;
  },

  tokenCount(inputTokens) {
    return { input_tokens: inputTokens };
  },

  prefillRejection() {
    return { status: 400, errorType: 'invalid_request_error', message: PREFILL_UNSUPPORTED_MESSAGE };
  },

  responseHeaders(requestId) {
    return { 'request-id': requestId, 'anthropic-organization-id': 'sim-org' };
  },
};
