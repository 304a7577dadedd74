import { anthropicWire } from './anthropic-wire.js';
import { googleErrorBody, isGoogleStatus } from './google-error.js';
import { authorizeVertexCall } from './google-token-endpoint.js';
import { asRecord, rejectRequest as reject, type SimWire, sse, type VendorErrorSpec } from './sim-wire.js';

/**
 * Statuses Vertex's own front end answers before the model sees the request (auth, the model's
 * availability in the project, quota, deadlines): these come in Google's shape. Everything else is
 * the model's own error and comes in Anthropic's shape (e.g. 529 `overloaded_error`).
 */
const PLATFORM_STATUSES = new Set([401, 403, 404, 429, 504]);

/**
 * Vertex's quota errors on the publisher-model endpoints arrive wrapped in a one-element array
 * (seen in cline#651, aider#1912); the simulator sends them that way so decoders accept both.
 */
const ARRAY_WRAPPED_STATUSES = new Set([429]);

function platformError(spec: VendorErrorSpec) {
  const body = googleErrorBody(spec, 'aiplatform.googleapis.com');
  return ARRAY_WRAPPED_STATUSES.has(spec.status) ? [body] : body;
}

/**
 * Anthropic's Messages format as Vertex AI serves it at `…/publishers/anthropic/models/{model}:rawPredict`
 * and `:streamRawPredict`: no `model` in the body (it is in the path), `anthropic_version` in the body
 * instead of a header (any value: `@anthropic-ai/vertex-sdk` copies its own header value there), and an
 * extra `vertex_event` in streams that Anthropic's own API never sends.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
export const vertexAnthropicWire: SimWire = {
  ...anthropicWire,

  authenticate: async (request, credentials) => authorizeVertexCall(request, credentials),

  readPrompt(body, headers, route) {
    const request = asRecord(body);
    if (request === undefined) reject('The request body must be a JSON object.');
    if (typeof request.anthropic_version !== 'string') reject('anthropic_version: Field required');
    // count-tokens:rawPredict names the model in the body; the other calls name it in the path.
    const given = { ...request };
    if (route.model !== undefined) given.model = route.model;
    if (route.stream !== undefined) given.stream = route.stream;
    return anthropicWire.readPrompt(
      given,
      { ...headers, 'anthropic-version': request.anthropic_version },
      route,
    );
  },

  stream(answer, prompt, ids) {
    const pieces = anthropicWire.stream(answer, prompt, ids);
    const usage = {
      input_tokens: answer.inputTokens,
      output_tokens: 1,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
    };
    // Vertex's extra event follows message_start (vercel/ai#11309): decoders must skip unknown events.
    pieces.splice(1, 0, { kind: 'head', data: sse({ type: 'vertex_event', usage }, 'vertex_event') });
    return pieces;
  },

  errorBody(spec) {
    // A Google status name as errorType forces the platform shape; an Anthropic type forces the model's.
    if (isGoogleStatus(spec.errorType)) return platformError(spec);
    if (spec.errorType === undefined && PLATFORM_STATUSES.has(spec.status)) return platformError(spec);
    return anthropicWire.errorBody(spec);
  },

  responseHeaders(requestId) {
    return { 'request-id': requestId, vary: 'Origin, X-Origin, Referer' };
  },
};
