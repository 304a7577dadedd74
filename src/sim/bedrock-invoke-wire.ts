import { messageResponse, messagesStreamEvents, readMessagesRequest } from './anthropic-wire.js';
import { authenticateBedrockRequest } from './authenticate-bedrock-request.js';
import { eventFrame, eventFrameWithText, padding, withBadChecksum } from './aws-event-stream.js';
import {
  bedrockErrorBody,
  bedrockErrorHeaders,
  bedrockResponseHeaders,
  bedrockStreamErrorAsStatus,
  bedrockStreamException,
} from './bedrock-errors.js';
import { PREFILL_UNSUPPORTED_MESSAGE } from './read-prefill.js';
import { asRecord, rejectRequest as reject, type SimWire } from './sim-wire.js';

/** Bedrock's own fields in the last chunk of an Anthropic stream. */
const METRICS_FIELD = 'amazon-bedrock-invocationMetrics';

/** A `chunk` frame: the Anthropic event's JSON, base64-encoded, in `bytes`. */
function chunkFrame(event: Record<string, unknown>): Uint8Array {
  const json = JSON.stringify(event);
  return eventFrame('chunk', { bytes: Buffer.from(json).toString('base64'), p: padding(json) });
}

/** Rejects a request as Bedrock's JSON-schema check of the model body does. */
function malformed(detail: string): never {
  return reject(`Malformed input request: #: ${detail}, please reformat your input and try again.`);
}

/**
 * Bedrock InvokeModel and InvokeModelWithResponseStream with an Anthropic Messages body: the model is
 * in the path, `anthropic_version` in the body (any value: `@anthropic-ai/bedrock-sdk` copies its
 * header's date there), and the stream is Anthropic's events, one per `chunk` frame.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages-request-response.html
 */
export const bedrockInvokeWire: SimWire = {
  idPrefix: 'msg_bdrk_',
  streamHeaders: {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-bedrock-content-type': 'application/json',
  },
  truncation: 'mid-event',

  authenticate: authenticateBedrockRequest,

  readPrompt(body, _headers, route) {
    const request = asRecord(body);
    if (request === undefined) malformed('expected type: JSONObject');
    if (typeof request.anthropic_version !== 'string')
      malformed('required key [anthropic_version] not found');
    // The path carries them; Bedrock's schema has no room for either.
    for (const key of ['model', 'stream'])
      if (key in request) malformed(`extraneous key [${key}] is not permitted`);
    return readMessagesRequest(request, route.model ?? '', route.stream === true);
  },

  response: messageResponse,

  answerHeaders(answer) {
    return {
      'X-Amzn-Bedrock-Input-Token-Count': String(answer.inputTokens),
      'X-Amzn-Bedrock-Output-Token-Count': String(answer.outputTokens),
      'X-Amzn-Bedrock-Invocation-Latency': '1',
    };
  },

  stream(answer, prompt, ids) {
    return messagesStreamEvents(answer, prompt, ids, { ping: false }).map(({ kind, event }) => ({
      kind,
      data: chunkFrame(
        event.type === 'message_stop'
          ? {
              ...event,
              [METRICS_FIELD]: {
                inputTokenCount: answer.inputTokens,
                outputTokenCount: answer.outputTokens,
                invocationLatency: 1,
                firstByteLatency: 1,
              },
            }
          : event,
      ),
    }));
  },

  prefillRejection() {
    // Claude's own refusal, passed on as Bedrock's ValidationException.
    return { status: 400, message: PREFILL_UNSUPPORTED_MESSAGE };
  },

  errorBody: bedrockErrorBody,
  errorHeaders: bedrockErrorHeaders,

  streamError(errorType, message) {
    // An Anthropic error type (`overloaded_error`) comes in band, as the model's own error event in a
    // chunk, which is how cross-region profiles pass on an overloaded model.
    if (errorType?.includes('_'))
      return chunkFrame({ type: 'error', error: { type: errorType, message: message ?? 'Overloaded' } });
    return bedrockStreamException(errorType, message);
  },

  streamErrorAsStatus(errorType, message) {
    return bedrockStreamErrorAsStatus(errorType?.includes('_') ? undefined : errorType, message);
  },

  malformedEvent(fault) {
    return fault === 'malformed_sse'
      ? withBadChecksum(chunkFrame({ type: 'ping' }))
      : eventFrameWithText('chunk', '{"bytes": "unterminated');
  },

  responseHeaders: bedrockResponseHeaders,
};
