import { anthropicWire } from './anthropic-wire.js';
import { azureWire } from './azure-wire.js';
import { geminiApiWire, vertexGeminiWire } from './gemini-wire.js';
import { answerTokenRequest } from './google-token-endpoint.js';
import { openaiWire } from './openai-wire.js';
import type { SimCredentials } from './sim-credentials.js';
import type { SimHttpRequest, SimRouteContext, SimWire } from './sim-wire.js';
import { vertexAnthropicWire } from './vertex-anthropic-wire.js';

/** A route to a vendor API: the simulated model answers it in the route's wire format. */
export interface SimApiRoute extends Omit<SimRouteContext, 'endpoint'> {
  endpoint: SimRouteContext['endpoint'] | 'models';
  wire: SimWire;
}

/** A plain JSON answer. */
export interface SimPlainAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * A route outside the model APIs (e.g. a token endpoint): answered by its own function, with no
 * fault, no count and no record.
 */
export interface SimOtherRoute {
  endpoint: 'other';
  answer(request: SimHttpRequest, credentials: SimCredentials): Promise<SimPlainAnswer>;
}

/** What a path under `/hosts/<name>` leads to. */
export type SimRoute = SimApiRoute | SimOtherRoute;

/**
 * One entry of the route table: reads the path under `/hosts/<name>` (raw, percent-encoding as
 * received) and the query; answers the route, or undefined when the path is not its own.
 */
export type SimRouteMatcher = (path: string, query: URLSearchParams) => SimRoute | undefined;

/** A matcher for one fixed path. */
export function exactRoute(path: string, wire: SimWire, endpoint: SimApiRoute['endpoint']): SimRouteMatcher {
  return (candidate, query) => (candidate === path ? { endpoint, wire, query } : undefined);
}

/**
 * A matcher for a pattern whose groups carry values (a model id): `build` gets the groups decoded
 * once with `decodeURIComponent` (clients differ in what they escape: the AWS SDK encodes `:` in a
 * Bedrock model id, `@anthropic-ai/bedrock-sdk` does not). A group that does not decode is no match.
 */
export function patternRoute(
  pattern: RegExp,
  build: (groups: string[], query: URLSearchParams) => SimRoute | undefined,
): SimRouteMatcher {
  return (path, query) => {
    const match = pattern.exec(path);
    if (match === null) return undefined;
    try {
      return build(
        match.slice(1).map((group) => decodeURIComponent(group ?? '')),
        query,
      );
    } catch {
      return undefined;
    }
  };
}

/**
 * The Gemini API: `/{version}/models/{model}:generateContent` and `:streamGenerateContent` (the
 * method after the colon decides streaming).
 * @see https://ai.google.dev/api/generate-content
 */
const geminiApiRoute = patternRoute(
  /^\/(?:v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/,
  ([model, method], query) => ({
    endpoint: 'chat',
    wire: geminiApiWire,
    model: model ?? '',
    stream: method === 'streamGenerateContent',
    query,
  }),
);

/**
 * Vertex AI publisher models, on `v1` and `v1beta1` (`@google/genai`'s default), any location
 * (`global` included): Claude through `:rawPredict` / `:streamRawPredict` (and its
 * `count-tokens:rawPredict`), Gemini through `:generateContent` / `:streamGenerateContent`.
 * @see https://cloud.google.com/vertex-ai/docs/reference/rest/v1/projects.locations.publishers.models
 */
const vertexRoute = patternRoute(
  /^\/(?:v1|v1beta1)\/projects\/[^/]+\/locations\/[^/]+\/publishers\/(anthropic|google)\/models\/([^/:]+):(\w+)$/,
  ([publisher, model, method], query) => {
    if (publisher === 'anthropic' && model === 'count-tokens' && method === 'rawPredict')
      return { endpoint: 'count_tokens', wire: vertexAnthropicWire, query };
    if (publisher === 'anthropic' && (method === 'rawPredict' || method === 'streamRawPredict'))
      return {
        endpoint: 'chat',
        wire: vertexAnthropicWire,
        model,
        stream: method === 'streamRawPredict',
        query,
      };
    if (publisher === 'google' && (method === 'generateContent' || method === 'streamGenerateContent'))
      return {
        endpoint: 'chat',
        wire: vertexGeminiWire,
        model,
        stream: method === 'streamGenerateContent',
        query,
      };
    return undefined;
  },
);

/** Azure's answer to a deployment URL without `api-version`: its gateway finds no such resource. */
async function azureResourceNotFound(): Promise<SimPlainAnswer> {
  return { status: 404, body: { error: { code: '404', message: 'Resource not found' } } };
}

/**
 * Azure OpenAI's deployment URLs, `/openai/deployments/{deployment}/chat/completions?api-version=…`:
 * the deployment is the model.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference
 */
const azureDeploymentRoute = patternRoute(
  /^\/openai\/deployments\/([^/]+)\/chat\/completions$/,
  ([deployment], query) =>
    query.get('api-version') === null
      ? { endpoint: 'other', answer: azureResourceNotFound }
      : { endpoint: 'chat', wire: azureWire, model: deployment ?? '', query },
);

/** Every vendor API the simulator speaks, first match wins. */
const HOST_ROUTES: readonly SimRouteMatcher[] = [
  exactRoute('/v1/chat/completions', openaiWire, 'chat'),
  exactRoute('/v1/messages', anthropicWire, 'chat'),
  exactRoute('/v1/messages/count_tokens', anthropicWire, 'count_tokens'),
  exactRoute('/v1/models', openaiWire, 'models'),
  geminiApiRoute,
  vertexRoute,
  // Google's token endpoint, where the simulator's service-account keys send their JWT grants.
  (path) => (path === '/token' ? { endpoint: 'other', answer: answerTokenRequest } : undefined),
  azureDeploymentRoute,
  // Azure's v1 endpoint: the deployment in the body's `model`, `api-version` optional.
  exactRoute('/openai/v1/chat/completions', azureWire, 'chat'),
];

const HOST_PREFIX = /^\/hosts\/([^/]+)(\/[^?]*)(?:\?(.*))?$/;

/** A request to a simulated host. */
export interface HostRequest {
  /** The host's name (the `<name>` in `/hosts/<name>/`). */
  host: string;
  /** The path under the host, raw. */
  path: string;
  route: SimRoute;
}

/** Finds the host and route of a request target (path and query as received). */
export function matchHostRoute(target: string): HostRequest | undefined {
  const match = HOST_PREFIX.exec(target);
  if (match === null) return undefined;
  let host: string;
  try {
    host = decodeURIComponent(match[1] ?? '');
  } catch {
    return undefined;
  }
  const path = match[2] ?? '/';
  const query = new URLSearchParams(match[3] ?? '');
  for (const matcher of HOST_ROUTES) {
    const route = matcher(path, query);
    if (route !== undefined) return { host, path, route };
  }
  return undefined;
}
