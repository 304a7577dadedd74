import { checkGeminiApiKey } from './check-api-key.js';
import { type SimAnswer, tokenize } from './compose-answer.js';
import {
  type GoogleService,
  googleErrorBody,
  googleStatusHttp,
  googleStreamErrorBody,
} from './google-error.js';
import { jsonSchemaFromGoogleSchema } from './google-schema.js';
import { authorizeVertexCall } from './google-token-endpoint.js';
import type { SimPrompt } from './sim-prompt.js';
import {
  asRecord,
  countChars,
  errorSpec,
  type ResponseIds,
  rejectRequest as reject,
  type SimWire,
  SSE_HEADERS,
  type StreamPiece,
} from './sim-wire.js';

const FINISH_REASON: Readonly<Record<SimAnswer['finish'], string>> = {
  end: 'STOP',
  stop_sequence: 'STOP',
  length: 'MAX_TOKENS',
  // Gemini ends a function call with STOP too: callers find the call in the parts.
  tool_calls: 'STOP',
  content_filter: 'SAFETY',
};

const PART_FIELDS = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
];

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Validates `contents` as the API does, with its error texts (field paths in proto naming). */
function checkContents(contents: unknown): asserts contents is unknown[] {
  if (!Array.isArray(contents) || contents.length === 0)
    reject('* GenerateContentRequest.contents: contents is not specified\n');
  contents.forEach((item, index) => {
    const content = asRecord(item);
    const role = content?.role;
    if (role !== undefined && role !== 'user' && role !== 'model')
      reject('Please use a valid role: user, model.');
    const parts = content?.parts;
    if (!Array.isArray(parts) || parts.length === 0)
      reject(`* GenerateContentRequest.contents[${index}].parts: contents.parts must not be empty.\n`);
    parts.forEach((value, partIndex) => {
      const part = asRecord(value) ?? {};
      const at = `contents[${index}].parts[${partIndex}]`;
      if (!PART_FIELDS.some((field) => part[field] !== undefined))
        reject(
          `* GenerateContentRequest.${at}.data: required oneof field 'data' must have one initialized field\n`,
        );
      const inline = asRecord(part.inlineData);
      if (part.inlineData !== undefined && (typeof inline?.data !== 'string' || !BASE64.test(inline.data)))
        reject(`Invalid value at '${at}.inline_data.data' (TYPE_BYTES), Base64 decoding failed`);
      const functionResponse = asRecord(part.functionResponse);
      if (part.functionResponse !== undefined && asRecord(functionResponse?.response) === undefined)
        reject(
          `Invalid value at '${at}.function_response.response' (type.googleapis.com/google.protobuf.Struct)`,
        );
    });
  });
}

function partsOf(content: unknown): Array<Record<string, unknown>> {
  const parts = asRecord(content)?.parts;
  if (!Array.isArray(parts)) return [];
  return parts.flatMap((part) => {
    const record = asRecord(part);
    return record === undefined ? [] : [record];
  });
}

/** A function's result as text: `{output: "x"}` reads as `x`, anything else as its JSON. */
function functionResultText(part: Record<string, unknown>): string | undefined {
  const call = asRecord(part.functionResponse);
  if (call === undefined) return undefined;
  const response = asRecord(call.response) ?? {};
  const keys = Object.keys(response);
  if (keys.length === 1 && typeof response.output === 'string') return response.output;
  return JSON.stringify(response);
}

function readTools(value: unknown): SimPrompt['tools'] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((tool) => {
    const declarations = asRecord(tool)?.functionDeclarations;
    if (!Array.isArray(declarations)) return [];
    return declarations.flatMap((item) => {
      const declaration = asRecord(item);
      if (typeof declaration?.name !== 'string') return [];
      if (declaration.parameters !== undefined && declaration.parametersJsonSchema !== undefined)
        reject('parameters and parametersJsonSchema are mutually exclusive.');
      const schema =
        declaration.parametersJsonSchema ??
        (declaration.parameters === undefined
          ? { type: 'object' }
          : jsonSchemaFromGoogleSchema(declaration.parameters));
      return [{ name: declaration.name, schema }];
    });
  });
}

/** `toolConfig.functionCallingConfig`: AUTO, ANY (optionally limited to named functions) or NONE. */
function readToolChoice(toolConfig: unknown, tools: SimPrompt['tools']) {
  const config = asRecord(asRecord(toolConfig)?.functionCallingConfig);
  const allowed = Array.isArray(config?.allowedFunctionNames)
    ? config.allowedFunctionNames.filter((name): name is string => typeof name === 'string')
    : [];
  switch (config?.mode) {
    case 'NONE':
      return { tools, toolChoice: { type: 'none' } as const };
    case 'ANY':
    case 'VALIDATED': {
      if (allowed.length === 1 && allowed[0] !== undefined)
        return { tools, toolChoice: { type: 'tool', name: allowed[0] } as const };
      const offered = allowed.length > 0 ? tools.filter((tool) => allowed.includes(tool.name)) : tools;
      return { tools: offered, toolChoice: { type: 'required' } as const };
    }
    default:
      return { tools, toolChoice: { type: 'auto' } as const };
  }
}

function readJsonMode(config: Record<string, unknown> | undefined): SimPrompt['json'] {
  const mime = config?.responseMimeType;
  const hasSchema = config?.responseSchema !== undefined || config?.responseJsonSchema !== undefined;
  if (hasSchema && mime !== 'application/json')
    reject(
      '* GenerateContentRequest.generation_config.response_mime_type: response_mime_type must be application/json when a response schema is set.\n',
    );
  if (mime !== 'application/json') return undefined;
  if (config?.responseJsonSchema !== undefined) return { schema: config.responseJsonSchema };
  if (config?.responseSchema !== undefined)
    return { schema: jsonSchemaFromGoogleSchema(config.responseSchema) };
  return {};
}

/** The verdict Google attaches to a blocked prompt or a candidate stopped for SAFETY. */
const BLOCKED_RATINGS = [
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true },
  { category: 'HARM_CATEGORY_HARASSMENT', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
  { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
];

/** A candidate: its parts, and its finish with the safety verdict when the filter stopped it. */
function candidate(parts: Array<Record<string, unknown>>, finish: SimAnswer['finish'] | undefined) {
  const value: Record<string, unknown> = { content: { role: 'model', parts }, index: 0 };
  if (finish !== undefined) value.finishReason = FINISH_REASON[finish];
  if (finish === 'content_filter') value.safetyRatings = BLOCKED_RATINGS;
  return value;
}

function reasoningTokens(answer: SimAnswer): number {
  return answer.reasoning === undefined ? 0 : tokenize(answer.reasoning.text).length;
}

function usageMetadata(answer: SimAnswer) {
  const thoughts = reasoningTokens(answer);
  const usage: Record<string, unknown> = {
    promptTokenCount: answer.inputTokens,
    candidatesTokenCount: answer.outputTokens - thoughts,
    // totalTokenCount includes the thoughts; candidatesTokenCount does not.
    totalTokenCount: answer.inputTokens + answer.outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: answer.inputTokens }],
  };
  if (thoughts > 0) usage.thoughtsTokenCount = thoughts;
  return usage;
}

function functionCallParts(answer: SimAnswer): Array<Record<string, unknown>> {
  return answer.toolCalls.map((call) => ({
    functionCall: { name: call.name, args: JSON.parse(call.arguments) as unknown },
  }));
}

/**
 * Models that think sign their turn: the signature rides on the first part after the thoughts
 * and must be sent back with it in the next turn.
 */
function signFirstPart(parts: Array<Record<string, unknown>>, answer: SimAnswer): void {
  const first = parts.find((part) => part.thought !== true);
  if (first !== undefined && answer.reasoning !== undefined)
    first.thoughtSignature = Buffer.from(answer.reasoning.signature).toString('base64');
}

/**
 * The generateContent wire format of the Gemini API and of Gemini on Vertex AI. The two differ only
 * in small fields (`createTime`, the service in error details), so one factory makes both.
 * @see https://ai.google.dev/api/generate-content
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/projects.locations.publishers.models/generateContent
 */
export function createGeminiWire(service: GoogleService): SimWire {
  const vertex = service === 'aiplatform.googleapis.com';

  const envelope = (prompt: SimPrompt, ids: ResponseIds) => {
    const fields: Record<string, unknown> = { modelVersion: prompt.model, responseId: ids.id };
    if (vertex) fields.createTime = new Date(ids.created * 1000).toISOString();
    return fields;
  };
  /** One SSE event; the real API separates events with CRLF pairs. */
  const event = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;

  return {
    // Google's response ids have no prefix.
    idPrefix: '',
    streamHeaders: SSE_HEADERS,
    truncation: 'at-event',

    authenticate: async (request, credentials) => {
      if (vertex) return authorizeVertexCall(request, credentials);
      const query = new URLSearchParams(request.target.split('?')[1] ?? '');
      return checkGeminiApiKey(request.headers, query, credentials.geminiApiKeys);
    },

    readPrompt(body, _headers, route) {
      // `streamGenerateContent` without `alt=sse` streams a JSON array instead: not simulated.
      if (route.stream === true && route.query.get('alt') !== 'sse')
        reject('The simulator streams generateContent only as server-sent events: add alt=sse.');
      const request = asRecord(body);
      if (request === undefined) reject('Invalid JSON payload received.');
      const contents = request.contents;
      checkContents(contents);
      const last = asRecord(contents.at(-1));
      const lastUser = [...contents].reverse().find((content) => {
        const role = asRecord(content)?.role;
        return (role === undefined || role === 'user') && partsOf(content).some((part) => 'text' in part);
      });
      const config = asRecord(request.generationConfig);
      const { tools, toolChoice } = readToolChoice(request.toolConfig, readTools(request.tools));
      const stop = Array.isArray(config?.stopSequences)
        ? config.stopSequences.filter((value): value is string => typeof value === 'string')
        : [];
      const prompt: SimPrompt = {
        model: route.model ?? '',
        stream: route.stream === true,
        includeUsage: true,
        lastUserText: partsOf(lastUser)
          .flatMap((part) => (typeof part.text === 'string' && part.thought !== true ? [part.text] : []))
          .join(''),
        tools,
        toolChoice,
        parallelToolCalls: true,
        stop,
        // Thoughts are only returned when asked for; a hidden thinking budget changes nothing visible.
        thinking: asRecord(config?.thinkingConfig)?.includeThoughts === true,
        promptChars: countChars(contents) + countChars(request.systemInstruction),
      };
      const results = partsOf(last).flatMap((part) => functionResultText(part) ?? []);
      if (results.length > 0) prompt.toolResult = results.join('\n');
      if (typeof config?.maxOutputTokens === 'number') prompt.maxTokens = config.maxOutputTokens;
      const json = readJsonMode(config);
      if (json !== undefined) prompt.json = json;
      return prompt;
    },

    response(answer, prompt, ids) {
      const parts: Array<Record<string, unknown>> = [];
      if (answer.reasoning !== undefined) parts.push({ text: answer.reasoning.text, thought: true });
      if (answer.tokens.length > 0) parts.push({ text: answer.tokens.join('') });
      parts.push(...functionCallParts(answer));
      signFirstPart(parts, answer);
      return {
        candidates: [candidate(parts, answer.finish)],
        usageMetadata: usageMetadata(answer),
        ...envelope(prompt, ids),
      };
    },

    stream(answer, prompt, ids) {
      // Each event is a whole GenerateContentResponse carrying only the new parts; usage so far rides
      // along, and the finish reason and final usage come on the last one.
      const partial = { promptTokenCount: answer.inputTokens, totalTokenCount: answer.inputTokens };
      const chunk = (parts: Array<Record<string, unknown>>, finish?: SimAnswer['finish']) =>
        event({
          candidates: [candidate(parts, finish)],
          usageMetadata: finish === undefined ? partial : usageMetadata(answer),
          ...envelope(prompt, ids),
        });
      const contentParts: Array<Record<string, unknown>> = [];
      if (answer.reasoning !== undefined) contentParts.push({ text: answer.reasoning.text, thought: true });
      for (const token of answer.tokens) contentParts.push({ text: token });
      contentParts.push(...functionCallParts(answer));
      signFirstPart(contentParts, answer);
      const pieces: StreamPiece[] = contentParts.map((part) => ({ kind: 'content', data: chunk([part]) }));
      pieces.push({ kind: 'tail', data: chunk([{ text: '' }], answer.finish) });
      return pieces;
    },

    blockedPrompt(prompt, ids) {
      // A blocked prompt is no HTTP error: a 200 with the verdict and no candidates.
      const promptTokenCount = Math.max(1, Math.ceil(prompt.promptChars / 4));
      const body = {
        promptFeedback: { blockReason: 'SAFETY', safetyRatings: BLOCKED_RATINGS },
        usageMetadata: { promptTokenCount, totalTokenCount: promptTokenCount },
        ...envelope(prompt, ids),
      };
      return { body, event: event(body) };
    },

    errorBody(spec) {
      return googleErrorBody(spec, service);
    },

    streamError(errorType, message) {
      return event(googleStreamErrorBody(errorType, message, service));
    },

    streamErrorAsStatus(errorType, message) {
      return errorSpec(googleStatusHttp(errorType) ?? 503, errorType, message);
    },

    malformedEvent(fault) {
      return fault === 'malformed_sse'
        ? 'data: {"candidates": [{"content": {"parts": [{"text": "unterminated\r\n\r\n'
        : 'data: <html>upstream proxy error</html>\r\n\r\n';
    },

    responseHeaders() {
      return { vary: 'Origin, X-Origin, Referer', 'x-content-type-options': 'nosniff' };
    },
  };
}

/** The Gemini API's generateContent (`generativelanguage.googleapis.com`). */
export const geminiApiWire = createGeminiWire('generativelanguage.googleapis.com');

/** Gemini models on Vertex AI (`…/publishers/google/models/{model}:generateContent`). */
export const vertexGeminiWire = createGeminiWire('aiplatform.googleapis.com');
