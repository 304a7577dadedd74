import type { SimAnswer } from './compose-answer.js';
import type { SimPrompt } from './sim-prompt.js';
import {
  asRecord,
  countChars,
  errorSpec,
  MALFORMED_SSE_EVENT,
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
    // count_tokens takes a Messages request without `max_tokens`.
    const request =
      given !== undefined && route.endpoint === 'count_tokens' ? { max_tokens: 1, ...given } : given;
    if (request === undefined) reject('The request body must be a JSON object.');
    if (typeof request.model !== 'string' || request.model === '') reject('model: Field required');
    if (typeof request.max_tokens !== 'number') reject('max_tokens: Field required');
    const messages = request.messages;
    if (!Array.isArray(messages) || messages.length === 0) reject('messages: Field required');
    const lastUser = asRecord([...messages].reverse().find((message) => asRecord(message)?.role === 'user'));
    const last = asRecord(messages.at(-1));
    const tools = Array.isArray(request.tools)
      ? request.tools.flatMap((item) => {
          const tool = asRecord(item);
          return typeof tool?.name === 'string' ? [{ name: tool.name, schema: tool.input_schema }] : [];
        })
      : [];
    const choice = asRecord(request.tool_choice);
    const prompt: SimPrompt = {
      model: request.model,
      stream: request.stream === true,
      includeUsage: true,
      lastUserText: textOf(lastUser?.content),
      tools,
      toolChoice: readToolChoice(request.tool_choice),
      parallelToolCalls: choice?.disable_parallel_tool_use !== true,
      maxTokens: request.max_tokens,
      stop: Array.isArray(request.stop_sequences) ? request.stop_sequences : [],
      thinking: asRecord(request.thinking)?.type === 'enabled',
      promptChars: countChars(messages) + countChars(request.system),
    };
    const toolResult = last?.role === 'user' ? toolResultsOf(last.content) : undefined;
    if (toolResult !== undefined) prompt.toolResult = toolResult;
    return prompt;
  },

  response(answer, prompt, ids) {
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
  },

  stream(answer, prompt, ids) {
    const pieces: StreamPiece[] = [];
    const head = (data: unknown, event: string) => pieces.push({ kind: 'head', data: sse(data, event) });
    const content = (data: unknown, event: string) =>
      pieces.push({ kind: 'content', data: sse(data, event) });
    const tail = (data: unknown, event: string) => pieces.push({ kind: 'tail', data: sse(data, event) });

    head(
      {
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
      },
      'message_start',
    );
    let index = 0;
    if (answer.reasoning !== undefined) {
      content(
        { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '' } },
        'content_block_start',
      );
      content(
        {
          type: 'content_block_delta',
          index,
          delta: { type: 'thinking_delta', thinking: answer.reasoning.text },
        },
        'content_block_delta',
      );
      content(
        {
          type: 'content_block_delta',
          index,
          delta: { type: 'signature_delta', signature: answer.reasoning.signature },
        },
        'content_block_delta',
      );
      content({ type: 'content_block_stop', index }, 'content_block_stop');
      index += 1;
    }
    if (answer.tokens.length > 0) {
      head(
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        'content_block_start',
      );
      head({ type: 'ping' }, 'ping');
      for (const token of answer.tokens) {
        content(
          { type: 'content_block_delta', index, delta: { type: 'text_delta', text: token } },
          'content_block_delta',
        );
      }
      content({ type: 'content_block_stop', index }, 'content_block_stop');
      index += 1;
    }
    for (const call of answer.toolCalls) {
      content(
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'tool_use', id: `toolu_${call.idSuffix}`, name: call.name, input: {} },
        },
        'content_block_start',
      );
      for (let start = 0; start < call.arguments.length; start += 10) {
        content(
          {
            type: 'content_block_delta',
            index,
            delta: { type: 'input_json_delta', partial_json: call.arguments.slice(start, start + 10) },
          },
          'content_block_delta',
        );
      }
      content({ type: 'content_block_stop', index }, 'content_block_stop');
      index += 1;
    }
    tail(
      {
        type: 'message_delta',
        delta: { stop_reason: STOP_REASON[answer.finish], stop_sequence: answer.stopSequence ?? null },
        usage: { output_tokens: answer.outputTokens },
      },
      'message_delta',
    );
    tail({ type: 'message_stop' }, 'message_stop');
    return pieces;
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

  responseHeaders(requestId) {
    return { 'request-id': requestId, 'anthropic-organization-id': 'sim-org' };
  },
};
