import { anthropicWire } from './anthropic-wire.js';
import { bedrockConverseWire } from './bedrock-converse-wire.js';
import { bedrockInvokeWire } from './bedrock-invoke-wire.js';
import { openaiWire } from './openai-wire.js';
import type { SimCredentials } from './sim-credentials.js';
import type { SimHttpRequest, SimRouteContext, SimWire } from './sim-wire.js';

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

/** Bedrock runtime's operations: the model id is a path label, the operation says whether it streams. */
const BEDROCK_OPERATIONS: Readonly<Record<string, Pick<SimApiRoute, 'endpoint' | 'wire' | 'stream'>>> = {
  invoke: { endpoint: 'chat', wire: bedrockInvokeWire, stream: false },
  'invoke-with-response-stream': { endpoint: 'chat', wire: bedrockInvokeWire, stream: true },
  converse: { endpoint: 'chat', wire: bedrockConverseWire, stream: false },
  'converse-stream': { endpoint: 'chat', wire: bedrockConverseWire, stream: true },
  'count-tokens': { endpoint: 'count_tokens', wire: bedrockConverseWire },
};

/** `/model/{modelId}/{operation}` of Bedrock runtime. */
const bedrockRoute = patternRoute(/^\/model\/([^/]+)\/([a-z-]+)$/, ([model = '', operation = ''], query) => {
  const known = Object.hasOwn(BEDROCK_OPERATIONS, operation) ? BEDROCK_OPERATIONS[operation] : undefined;
  return known === undefined ? undefined : { ...known, model, query };
});

/** Every vendor API the simulator speaks, first match wins. */
const HOST_ROUTES: readonly SimRouteMatcher[] = [
  exactRoute('/v1/chat/completions', openaiWire, 'chat'),
  exactRoute('/v1/messages', anthropicWire, 'chat'),
  exactRoute('/v1/messages/count_tokens', anthropicWire, 'count_tokens'),
  exactRoute('/v1/models', openaiWire, 'models'),
  bedrockRoute,
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
