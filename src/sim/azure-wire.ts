import { checkAzureKey } from './check-api-key.js';
import { openaiWire } from './openai-wire.js';
import {
  asRecord,
  rejectRequest as reject,
  type SimWire,
  type StreamPiece,
  sse,
  type VendorErrorSpec,
} from './sim-wire.js';

/** The errorCode that makes a 400 Azure's content-filter refusal of the prompt. */
export const AZURE_CONTENT_FILTER_CODE = 'content_filter';

const SAFE = { filtered: false, severity: 'safe' };

/** Azure's per-category verdicts; `filtered` marks every category as caught at high severity. */
function filterResults(filtered: boolean) {
  const verdict = filtered ? { filtered: true, severity: 'high' } : SAFE;
  return { hate: verdict, self_harm: verdict, sexual: verdict, violence: verdict };
}

function promptFilterResults() {
  return [
    {
      prompt_index: 0,
      content_filter_results: { ...filterResults(false), jailbreak: { filtered: false, detected: false } },
    },
  ];
}

function completionFilterResults(filtered: boolean) {
  return {
    ...filterResults(filtered),
    protected_material_text: { filtered: false, detected: false },
    protected_material_code: { filtered: false, detected: false },
  };
}

/** Azure's own error bodies, by status (where Azure does not pass OpenAI's through). */
const AZURE_ERRORS: Readonly<Record<number, { code: string; message: string }>> = {
  401: {
    code: '401',
    message:
      'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
  },
  403: { code: '403', message: 'Traffic is not from an approved private endpoint.' },
  404: {
    code: 'DeploymentNotFound',
    message:
      'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
  },
  408: { code: 'Timeout', message: 'The operation was timeout.' },
  429: {
    code: '429',
    message:
      'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second.',
  },
};

/** Azure's refusal of a prompt its content filter caught. */
function contentFilterError(spec: VendorErrorSpec) {
  return {
    error: {
      message:
        spec.message ??
        "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry.",
      type: null,
      param: 'prompt',
      code: AZURE_CONTENT_FILTER_CODE,
      status: 400,
      innererror: {
        code: 'ResponsibleAIPolicyViolation',
        content_filter_result: {
          ...filterResults(false),
          violence: { filtered: true, severity: 'medium' },
          jailbreak: { filtered: false, detected: false },
        },
      },
    },
  };
}

/** Azure's verdict on one stream chunk of a choice: safe while content flows, caught on a filtered finish. */
function chunkVerdict(finish: unknown) {
  if (finish === null || finish === undefined) return completionFilterResults(false);
  return finish === 'content_filter' ? completionFilterResults(true) : {};
}

/** Adds Azure's filter annotations to one OpenAI stream event; `[DONE]` and usage-only chunks pass through. */
function annotateChunk(piece: StreamPiece): StreamPiece {
  const text = typeof piece.data === 'string' ? piece.data : '';
  const data = text.startsWith('data: ') ? text.slice(6).trim() : '';
  if (!data.startsWith('{')) return piece;
  const chunk = JSON.parse(data) as Record<string, unknown>;
  if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return piece;
  chunk.choices = chunk.choices.map((choice) => {
    const record = asRecord(choice) ?? {};
    // The role-opening chunk carries no verdict; content and finish chunks do.
    if (asRecord(record.delta)?.role !== undefined) return record;
    return { ...record, content_filter_results: chunkVerdict(record.finish_reason) };
  });
  return { kind: piece.kind, data: sse(chunk) };
}

/**
 * OpenAI Chat Completions as Azure OpenAI serves it: the deployment in the path stands for the model,
 * every answer carries Azure's content-filter annotations (`prompt_filter_results`, per-choice
 * `content_filter_results`), and a stream opens with a chunk that has no choices, only the prompt's
 * verdict.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
 */
export const azureWire: SimWire = {
  ...openaiWire,

  authenticate: async (request, credentials) => checkAzureKey(request.headers, credentials.azureApiKeys),

  readPrompt(body, headers, route) {
    const request = asRecord(body);
    if (request === undefined) reject('The request body must be a JSON object.');
    // A deployment URL names the model; Azure ignores a `model` in the body there.
    const model = route.model ?? request.model;
    return openaiWire.readPrompt({ ...request, model }, headers, route);
  },

  response(answer, prompt, ids) {
    const body = asRecord(openaiWire.response(answer, prompt, ids)) ?? {};
    const choices = Array.isArray(body.choices) ? body.choices : [];
    return {
      ...body,
      choices: choices.map((choice) => ({
        ...(asRecord(choice) ?? {}),
        content_filter_results: completionFilterResults(asRecord(choice)?.finish_reason === 'content_filter'),
      })),
      prompt_filter_results: promptFilterResults(),
    };
  },

  stream(answer, prompt, ids) {
    const opening: StreamPiece = {
      kind: 'head',
      data: sse({
        choices: [],
        created: 0,
        id: '',
        model: '',
        object: '',
        prompt_filter_results: promptFilterResults(),
      }),
    };
    const pieces = openaiWire.stream(answer, prompt, ids).map(annotateChunk);
    return [opening, ...pieces];
  },

  errorBody(spec) {
    if (spec.status === 400 && spec.errorCode === AZURE_CONTENT_FILTER_CODE) return contentFilterError(spec);
    const azure = AZURE_ERRORS[spec.status];
    if (azure === undefined) return openaiWire.errorBody(spec);
    const error: Record<string, unknown> = {
      code: spec.errorCode ?? azure.code,
      message: spec.message ?? azure.message,
    };
    if (spec.errorType !== undefined) error.type = spec.errorType;
    return { error };
  },

  responseHeaders(requestId) {
    return { 'apim-request-id': requestId, 'x-request-id': requestId, 'x-ms-region': 'East US' };
  },
};
