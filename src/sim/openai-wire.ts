import type { SimAnswer } from './compose-answer.js';
import { readChatCompletionsPrefill } from './read-prefill.js';
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

/** OpenAI's error type and code by status, as its API answers them. */
const DEFAULTS: Readonly<Record<number, { type: string; code: string | null; message: string }>> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Forbidden.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request.',
  },
  503: { type: 'server_error', code: 'service_unavailable', message: 'The engine is currently overloaded.' },
  529: { type: 'overloaded_error', code: null, message: 'Overloaded' },
};

const FINISH: Readonly<Record<SimAnswer['finish'], string>> = {
  end: 'stop',
  stop_sequence: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  content_filter: 'content_filter',
};

function readTools(value: unknown): SimPrompt['tools'] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const fn = asRecord(asRecord(item)?.function);
    return typeof fn?.name === 'string'
      ? [{ name: fn.name, schema: fn.parameters ?? { type: 'object' } }]
      : [];
  });
}

function readToolChoice(value: unknown): SimPrompt['toolChoice'] {
  if (value === 'none' || value === 'required' || value === 'auto') return { type: value };
  const name = asRecord(asRecord(value)?.function)?.name;
  return typeof name === 'string' ? { type: 'tool', name } : { type: 'auto' };
}

function readJsonMode(value: unknown): SimPrompt['json'] {
  const format = asRecord(value);
  if (format?.type === 'json_object') return {};
  if (format?.type === 'json_schema') return { schema: asRecord(format.json_schema)?.schema };
  return undefined;
}

function usage(answer: SimAnswer, reasoning: boolean) {
  return {
    prompt_tokens: answer.inputTokens,
    completion_tokens: answer.outputTokens,
    total_tokens: answer.inputTokens + answer.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning ? Math.min(answer.outputTokens, 5) : 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/**
 * The OpenAI Chat Completions wire format (and every OpenAI-compatible host).
 * @see https://platform.openai.com/docs/api-reference/chat
 */
export const openaiWire: SimWire = {
  idPrefix: 'chatcmpl-',
  streamHeaders: SSE_HEADERS,
  truncation: 'at-event',

  readPrompt(body) {
    const request = asRecord(body);
    if (request === undefined) reject('The request body must be a JSON object.');
    if (typeof request.model !== 'string' || request.model === '')
      reject('you must provide a model parameter');
    const messages = request.messages;
    if (!Array.isArray(messages) || messages.length === 0)
      reject("Invalid 'messages': empty array. Expected an array with minimum length 1.");
    const prefill = readChatCompletionsPrefill(request, messages);
    // The turn being answered: the one before a prefill.
    const end = prefill === undefined ? messages.length - 1 : messages.length - 2;
    const last = asRecord(messages[end]);
    const lastUser = [...messages].reverse().find((message) => asRecord(message)?.role === 'user');
    const toolResults = [];
    for (let index = end; index >= 0; index -= 1) {
      const message = asRecord(messages[index]);
      if (message?.role !== 'tool') break;
      toolResults.unshift(textOf(message.content));
    }
    const maxTokens = request.max_completion_tokens ?? request.max_tokens;
    const prompt: SimPrompt = {
      model: request.model,
      stream: request.stream === true,
      includeUsage: asRecord(request.stream_options)?.include_usage === true,
      lastUserText: textOf(asRecord(lastUser)?.content),
      tools: readTools(request.tools),
      toolChoice: readToolChoice(request.tool_choice),
      parallelToolCalls: request.parallel_tool_calls !== false,
      stop:
        typeof request.stop === 'string' ? [request.stop] : Array.isArray(request.stop) ? request.stop : [],
      thinking: typeof request.reasoning_effort === 'string',
      promptChars: countChars(messages),
    };
    if (last?.role === 'tool') prompt.toolResult = toolResults.join('\n');
    if (prefill !== undefined) prompt.prefill = prefill;
    if (typeof maxTokens === 'number') prompt.maxTokens = maxTokens;
    const json = readJsonMode(request.response_format);
    if (json !== undefined) prompt.json = json;
    return prompt;
  },

  response(answer, prompt, ids) {
    const text = answer.tokens.join('');
    const toolCalls = answer.toolCalls.map((call) => ({
      id: `call_${call.idSuffix}`,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: toolCalls.length > 0 && text === '' ? null : text,
      refusal: null,
      annotations: [],
    };
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return {
      id: ids.id,
      object: 'chat.completion',
      created: ids.created,
      model: prompt.model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[answer.finish] }],
      usage: usage(answer, prompt.thinking),
      service_tier: 'default',
      system_fingerprint: 'fp_detour_sim',
    };
  },

  stream(answer, prompt, ids) {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => {
      const body: Record<string, unknown> = {
        id: ids.id,
        object: 'chat.completion.chunk',
        created: ids.created,
        model: prompt.model,
        system_fingerprint: 'fp_detour_sim',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      };
      if (prompt.includeUsage) body.usage = null;
      return sse(body);
    };
    const pieces: StreamPiece[] = [
      { kind: 'head', data: chunk({ role: 'assistant', content: '', refusal: null }) },
    ];
    for (const token of answer.tokens) pieces.push({ kind: 'content', data: chunk({ content: token }) });
    answer.toolCalls.forEach((call, index) => {
      pieces.push({
        kind: 'content',
        data: chunk({
          tool_calls: [
            {
              index,
              id: `call_${call.idSuffix}`,
              type: 'function',
              function: { name: call.name, arguments: '' },
            },
          ],
        }),
      });
      for (let start = 0; start < call.arguments.length; start += 10) {
        const piece = call.arguments.slice(start, start + 10);
        pieces.push({
          kind: 'content',
          data: chunk({ tool_calls: [{ index, function: { arguments: piece } }] }),
        });
      }
    });
    pieces.push({ kind: 'tail', data: chunk({}, FINISH[answer.finish]) });
    if (prompt.includeUsage) {
      const last = {
        id: ids.id,
        object: 'chat.completion.chunk',
        created: ids.created,
        model: prompt.model,
        system_fingerprint: 'fp_detour_sim',
        choices: [],
        usage: usage(answer, prompt.thinking),
      };
      pieces.push({ kind: 'tail', data: sse(last) });
    }
    pieces.push({ kind: 'tail', data: sse('[DONE]') });
    return pieces;
  },

  errorBody(spec: VendorErrorSpec) {
    const defaults = DEFAULTS[spec.status] ?? {
      type: spec.status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
      message: `HTTP ${spec.status}`,
    };
    return {
      error: {
        message: spec.message ?? defaults.message,
        type: spec.errorType ?? defaults.type,
        param: null,
        code: spec.errorCode ?? defaults.code,
      },
    };
  },

  streamError(errorType, message) {
    return sse({
      error: {
        message: message ?? 'The server is overloaded. Please try again later.',
        type: errorType ?? 'server_error',
        param: null,
        code: null,
      },
    });
  },

  streamErrorAsStatus(errorType, message) {
    return errorSpec(500, errorType, message);
  },

  malformedEvent() {
    return MALFORMED_SSE_EVENT;
  },

  prefillRejection(prefill) {
    // OpenAI's own refusals of the two extensions it does not know: an unknown body field, and a
    // field its message schema does not allow.
    const message =
      prefill.via === 'prefix'
        ? `Additional properties are not allowed ('prefix' was unexpected) - 'messages.${prefill.index}'`
        : 'Unrecognized request argument supplied: continue_final_message';
    return { status: 400, errorType: 'invalid_request_error', message };
  },

  responseHeaders(requestId) {
    return { 'x-request-id': requestId, 'openai-processing-ms': '1' };
  },
};
