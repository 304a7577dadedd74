import { readMessagesRequest } from './anthropic-wire.js';
import { authenticateBedrockRequest } from './authenticate-bedrock-request.js';
import { eventFrame, eventFrameWithText, padding, withBadChecksum } from './aws-event-stream.js';
import {
  bedrockErrorBody,
  bedrockErrorHeaders,
  bedrockResponseHeaders,
  bedrockStreamErrorAsStatus,
  bedrockStreamException,
} from './bedrock-errors.js';
import type { SimAnswer } from './compose-answer.js';
import { PREFILL_UNSUPPORTED_MESSAGE, readConversePrefill } from './read-prefill.js';
import type { SimPrompt } from './sim-prompt.js';
import {
  asRecord,
  countChars,
  rejectRequest as reject,
  type SimRouteContext,
  type SimWire,
  type StreamPiece,
} from './sim-wire.js';

const STOP_REASON: Readonly<Record<SimAnswer['finish'], string>> = {
  end: 'end_turn',
  stop_sequence: 'stop_sequence',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'content_filtered',
};

/** Text of a message's `{text}` blocks. */
function textOfBlocks(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((block) => asRecord(block)?.text)
    .filter((text) => typeof text === 'string')
    .join('');
}

/** Text of the tool results in a message (`{text}` and `{json}` parts), when it carries any. */
function toolResultsOf(content: unknown): string | undefined {
  if (!Array.isArray(content)) return undefined;
  const results = content.map((block) => asRecord(asRecord(block)?.toolResult)).filter((result) => result);
  if (results.length === 0) return undefined;
  return results
    .map((result) =>
      (Array.isArray(result?.content) ? result.content : [])
        .map((part) => {
          const record = asRecord(part);
          if (typeof record?.text === 'string') return record.text;
          return record?.json === undefined ? '' : JSON.stringify(record.json);
        })
        .join(''),
    )
    .join('\n');
}

function readToolChoice(value: unknown): SimPrompt['toolChoice'] {
  const choice = asRecord(value);
  if (choice?.any !== undefined) return { type: 'required' };
  const name = asRecord(choice?.tool)?.name;
  return typeof name === 'string' ? { type: 'tool', name } : { type: 'auto' };
}

function readJsonMode(outputConfig: unknown): SimPrompt['json'] {
  const format = asRecord(asRecord(outputConfig)?.textFormat);
  if (format?.type !== 'json_schema') return undefined;
  const schema = asRecord(asRecord(format.structure)?.jsonSchema)?.schema;
  if (typeof schema !== 'string') reject('The json schema must be a JSON string.');
  try {
    return { schema: JSON.parse(schema) };
  } catch {
    return reject('The json schema is not valid JSON.');
  }
}

function usesTools(messages: unknown[]): boolean {
  return messages.some((message) => {
    const content = asRecord(message)?.content;
    return (
      Array.isArray(content) &&
      content.some(
        (block) => asRecord(block)?.toolUse !== undefined || asRecord(block)?.toolResult !== undefined,
      )
    );
  });
}

/** Bedrock's 400 for an error the model behind Converse reported (its message passed on). */
function modelError(message: string): never {
  return reject(`The model returned the following errors: ${message}`);
}

/** Reads a Converse request (`messages`, `system`, `inferenceConfig`, `toolConfig`…). */
function readConverseRequest(request: Record<string, unknown>, route: SimRouteContext): SimPrompt {
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    reject(
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  const toolConfig = asRecord(request.toolConfig);
  if (toolConfig === undefined && usesTools(messages))
    reject('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  const tools = (Array.isArray(toolConfig?.tools) ? toolConfig.tools : []).flatMap((item) => {
    const spec = asRecord(asRecord(item)?.toolSpec);
    return typeof spec?.name === 'string'
      ? [{ name: spec.name, schema: asRecord(spec.inputSchema)?.json }]
      : [];
  });
  const inference = asRecord(request.inferenceConfig);
  const additional = asRecord(request.additionalModelRequestFields);
  const lastUser = asRecord([...messages].reverse().find((message) => asRecord(message)?.role === 'user'));
  // Anthropic models take `thinking`, Amazon Nova `reasoningConfig`, both as extra model fields.
  const thinking =
    asRecord(additional?.thinking)?.type === 'enabled' ||
    asRecord(additional?.reasoningConfig)?.type === 'enabled';
  const prefill = readConversePrefill(messages, thinking, modelError);
  // The turn being answered: the one before a prefill.
  const last = asRecord(messages.at(prefill === undefined ? -1 : -2));
  const prompt: SimPrompt = {
    model: route.model ?? '',
    stream: route.stream === true,
    includeUsage: true,
    lastUserText: textOfBlocks(lastUser?.content),
    tools,
    toolChoice: readToolChoice(toolConfig?.toolChoice),
    parallelToolCalls: true,
    stop: Array.isArray(inference?.stopSequences) ? inference.stopSequences : [],
    thinking,
    promptChars: countChars(messages) + countChars(request.system),
  };
  if (typeof inference?.maxTokens === 'number') prompt.maxTokens = inference.maxTokens;
  const toolResult = last?.role === 'user' ? toolResultsOf(last.content) : undefined;
  if (toolResult !== undefined) prompt.toolResult = toolResult;
  if (prefill !== undefined) prompt.prefill = prefill;
  const json = readJsonMode(request.outputConfig);
  if (json !== undefined) prompt.json = json;
  return prompt;
}

/** Reads a CountTokens request: `{input: {converse: …}}` or `{input: {invokeModel: {body: "<json>"}}}`. */
function readCountTokensRequest(request: Record<string, unknown>, route: SimRouteContext): SimPrompt {
  const input = asRecord(request.input);
  const converse = asRecord(input?.converse);
  if (converse !== undefined) return readConverseRequest(converse, route);
  const body = asRecord(input?.invokeModel)?.body;
  if (typeof body !== 'string') reject('input must hold either converse or invokeModel.');
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = asRecord(JSON.parse(body));
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined) reject('invokeModel.body must be a JSON object.');
  return readMessagesRequest({ max_tokens: 1, ...parsed }, route.model ?? '', false);
}

function contentBlocks(answer: SimAnswer): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if (answer.reasoning !== undefined)
    blocks.push({ reasoningContent: { reasoningText: { ...answer.reasoning } } });
  if (answer.tokens.length > 0) blocks.push({ text: answer.tokens.join('') });
  for (const call of answer.toolCalls) {
    blocks.push({
      toolUse: { toolUseId: `tooluse_${call.idSuffix}`, name: call.name, input: JSON.parse(call.arguments) },
    });
  }
  return blocks;
}

function usage(answer: SimAnswer) {
  return {
    inputTokens: answer.inputTokens,
    outputTokens: answer.outputTokens,
    totalTokens: answer.inputTokens + answer.outputTokens,
  };
}

/** A ConverseStream event frame; the payload is padded as Bedrock pads it. */
function converseEvent(eventType: string, payload: Record<string, unknown>): Uint8Array {
  return eventFrame(eventType, { ...payload, p: padding(JSON.stringify(payload)) });
}

/**
 * Bedrock Converse and ConverseStream: the one request and response shape Bedrock offers for every
 * model. Streams have no start event for text blocks and carry the usage only in the last event,
 * `metadata`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export const bedrockConverseWire: SimWire = {
  idPrefix: '',
  streamHeaders: { 'content-type': 'application/vnd.amazon.eventstream' },
  truncation: 'mid-event',

  authenticate: authenticateBedrockRequest,

  readPrompt(body, _headers, route) {
    const request = asRecord(body);
    if (request === undefined) reject('The request body must be a JSON object.');
    return route.endpoint === 'count_tokens'
      ? readCountTokensRequest(request, route)
      : readConverseRequest(request, route);
  },

  response(answer) {
    return {
      output: { message: { role: 'assistant', content: contentBlocks(answer) } },
      stopReason: STOP_REASON[answer.finish],
      usage: usage(answer),
      metrics: { latencyMs: 1 },
    };
  },

  stream(answer) {
    const pieces: StreamPiece[] = [
      { kind: 'head', data: converseEvent('messageStart', { role: 'assistant' }) },
    ];
    const content = (eventType: string, payload: Record<string, unknown>) =>
      pieces.push({ kind: 'content', data: converseEvent(eventType, payload) });
    let index = 0;
    if (answer.reasoning !== undefined) {
      const { text, signature } = answer.reasoning;
      content('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { text } } });
      content('contentBlockDelta', { contentBlockIndex: index, delta: { reasoningContent: { signature } } });
      content('contentBlockStop', { contentBlockIndex: index });
      index += 1;
    }
    if (answer.tokens.length > 0) {
      for (const token of answer.tokens)
        content('contentBlockDelta', { contentBlockIndex: index, delta: { text: token } });
      content('contentBlockStop', { contentBlockIndex: index });
      index += 1;
    }
    for (const call of answer.toolCalls) {
      content('contentBlockStart', {
        contentBlockIndex: index,
        start: { toolUse: { toolUseId: `tooluse_${call.idSuffix}`, name: call.name } },
      });
      for (let start = 0; start < call.arguments.length; start += 10) {
        content('contentBlockDelta', {
          contentBlockIndex: index,
          delta: { toolUse: { input: call.arguments.slice(start, start + 10) } },
        });
      }
      content('contentBlockStop', { contentBlockIndex: index });
      index += 1;
    }
    pieces.push({
      kind: 'tail',
      data: converseEvent('messageStop', { stopReason: STOP_REASON[answer.finish] }),
    });
    pieces.push({
      kind: 'tail',
      data: converseEvent('metadata', { usage: usage(answer), metrics: { latencyMs: 1 } }),
    });
    return pieces;
  },

  tokenCount(inputTokens) {
    return { inputTokens };
  },

  prefillRejection() {
    return {
      status: 400,
      message: `The model returned the following errors: ${PREFILL_UNSUPPORTED_MESSAGE}`,
    };
  },

  errorBody: bedrockErrorBody,
  errorHeaders: bedrockErrorHeaders,
  streamError: bedrockStreamException,
  streamErrorAsStatus: bedrockStreamErrorAsStatus,

  malformedEvent(fault) {
    return fault === 'malformed_sse'
      ? withBadChecksum(converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: '' } }))
      : eventFrameWithText('contentBlockDelta', '{"contentBlockIndex": 0, "delta": {"text": "unterminated');
  },

  responseHeaders: bedrockResponseHeaders,
};
