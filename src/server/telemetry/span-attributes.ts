import type { Attributes } from '@opentelemetry/api';
import type { ProviderKindName } from '../../providers/index.js';
import type { AttemptRecord, Deployment } from '../../routing/index.js';
import type { RequestFacts } from '../../usage/index.js';

/*
 * Attribute names, written out rather than imported: the GenAI names live in the unstable
 * `@opentelemetry/semantic-conventions/incubating` entry point, which OpenTelemetry asks
 * libraries to copy rather than depend on. `gen_ai.provider.name` replaced the deprecated
 * `gen_ai.system` (semantic-conventions 1.45).
 * @see https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/
 */
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ERROR_TYPE = 'error.type';

/** Well-known `gen_ai.provider.name` values by host kind; an OpenAI-compatible host is named by its config name. */
const PROVIDER_NAMES: Readonly<Record<Exclude<ProviderKindName, 'openai-chat'>, string>> = {
  'anthropic-messages': 'anthropic',
  bedrock: 'aws.bedrock',
  vertex: 'gcp.vertex_ai',
  gemini: 'gcp.gemini',
  'azure-openai': 'azure.ai.openai',
};

/** `gen_ai.provider.name` of a deployment: the semantic conventions' name for its kind, else the provider's own name. */
export function providerNameOf(deployment: Deployment): string {
  const kind = deployment.provider.kind;
  return kind === 'openai-chat' ? deployment.provider.name : PROVIDER_NAMES[kind];
}

/** What is known of an attempt as it starts. */
export function attemptStartAttributes(deployment: Deployment, attempt: number): Attributes {
  return {
    [GEN_AI_OPERATION_NAME]: 'chat',
    [GEN_AI_REQUEST_MODEL]: deployment.upstreamModel,
    [GEN_AI_PROVIDER_NAME]: providerNameOf(deployment),
    'detour.deployment': deployment.deploymentId,
    'detour.attempt': attempt,
  };
}

/** What became of an attempt, once it is settled. */
export function attemptEndAttributes(deployment: Deployment, record: AttemptRecord): Attributes {
  const attributes: Attributes = {
    'detour.hedge': record.hedge === true,
    'detour.continuation': record.continuedAt !== undefined,
  };
  if (record.outcome === 'success') {
    attributes[GEN_AI_RESPONSE_MODEL] = deployment.upstreamModel;
    attributes[HTTP_RESPONSE_STATUS_CODE] = 200;
  } else {
    attributes['detour.failure_class'] = record.outcome;
    attributes[ERROR_TYPE] = record.outcome;
    const status = record.error?.upstream?.status;
    if (status !== undefined) attributes[HTTP_RESPONSE_STATUS_CODE] = status;
  }
  if (record.abandoned === true) attributes['detour.abandoned'] = true;
  if (record.silent === true) attributes['detour.silent'] = true;
  if (record.trial === true) attributes['detour.trial'] = true;
  if (record.timeToFirstTokenMs !== undefined)
    attributes['detour.time_to_first_token_ms'] = record.timeToFirstTokenMs;
  return attributes;
}

/** What became of the whole request, from the facts its log row is built from. */
export function requestEndAttributes(facts: RequestFacts, answered: Deployment | undefined): Attributes {
  const attributes: Attributes = {
    [HTTP_RESPONSE_STATUS_CODE]: facts.status,
    'detour.outcome': facts.outcome,
    'detour.attempts': facts.attempts.length,
  };
  if (facts.served !== undefined) {
    attributes['detour.answering_model'] = facts.served.modelName;
    attributes['detour.deployment'] = facts.served.deploymentId;
  }
  if (answered !== undefined) {
    attributes[GEN_AI_RESPONSE_MODEL] = answered.upstreamModel;
    attributes[GEN_AI_PROVIDER_NAME] = providerNameOf(answered);
  }
  if (facts.usage !== undefined) {
    attributes[GEN_AI_USAGE_INPUT_TOKENS] = facts.usage.inputTokens;
    attributes[GEN_AI_USAGE_OUTPUT_TOKENS] = facts.usage.outputTokens;
  }
  if (facts.routeReason !== undefined) attributes['detour.route_reason'] = facts.routeReason;
  if (isFailure(facts.outcome)) attributes[ERROR_TYPE] = facts.outcome;
  return attributes;
}

/** A request whose outcome is neither a success nor a client that left (a stop button is no error). */
export function isFailure(outcome: string): boolean {
  return outcome !== 'success' && outcome !== 'abandoned';
}
