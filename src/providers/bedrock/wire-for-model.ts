import type { WireProtocol } from '../../core/index.js';

/**
 * An Anthropic model id as Bedrock names it: a base id (`anthropic.claude-…`) or a cross-region
 * inference profile, whose id is the base id behind a geography prefix (`us.`, `eu.`, `apac.`,
 * `global.`, and the ones AWS adds later such as `jp.` or `us-gov.`).
 */
const ANTHROPIC_MODEL_ID = /^(?:[a-z]{2,6}(?:-[a-z]+)?\.)?anthropic\./;

/**
 * The wire format Bedrock speaks for a model id (the README's model-id rule):
 * - Anthropic models — `anthropic.…`, a profile `us.anthropic.…`, or an ARN whose resource id is
 *   one of those (`…:inference-profile/us.anthropic.…`, `…::foundation-model/anthropic.…`) — take
 *   Anthropic Messages bodies through InvokeModel, so every Claude feature Bedrock offers works;
 * - every other id — Amazon Nova, Meta Llama, Mistral, DeepSeek, and ARNs whose resource id says
 *   nothing about the model (application inference profiles, provisioned throughput) — goes
 *   through Converse, which Bedrock offers for every model, Claude included.
 */
export function bedrockWireFor(modelId: string): WireProtocol {
  return ANTHROPIC_MODEL_ID.test(resourceIdOf(modelId)) ? 'anthropic-messages' : 'bedrock-converse';
}

/**
 * The model part of an ARN (`arn:partition:bedrock:region:account:type/ID`): what follows the
 * resource type. A plain id is its own resource id.
 */
function resourceIdOf(modelId: string): string {
  if (!modelId.startsWith('arn:')) return modelId;
  // The first five colons separate the ARN's fixed fields; the resource may hold colons (`…-v1:0`).
  let at = 0;
  for (let field = 0; field < 5; field += 1) {
    at = modelId.indexOf(':', at) + 1;
    if (at === 0) return '';
  }
  const resource = modelId.slice(at);
  return resource.slice(resource.indexOf('/') + 1);
}
