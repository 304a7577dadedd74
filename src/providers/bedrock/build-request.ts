import type { WireProtocol } from '../../core/index.js';
import type { ClientHeaders } from '../provider-kind.js';

/** The `anthropic_version` Bedrock documents for Anthropic Messages bodies. */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/**
 * The operation's path for a model: InvokeModel for Anthropic bodies, Converse for the rest, each
 * with its streaming twin. The model id is one path segment, encoded as the AWS SDK does it
 * (`:` → `%3A`, an ARN's `/` → `%2F`); the exact path sent is the one signed.
 */
export function bedrockPath(basePath: string, modelId: string, wire: WireProtocol, stream: boolean): string {
  const operation =
    wire === 'anthropic-messages'
      ? stream
        ? 'invoke-with-response-stream'
        : 'invoke'
      : stream
        ? 'converse-stream'
        : 'converse';
  return `${basePath}/model/${encodeModelId(modelId)}/${operation}`;
}

/** `encodeURIComponent` plus the four characters it leaves alone that smithy's label encoder escapes. */
function encodeModelId(modelId: string): string {
  return encodeURIComponent(modelId).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * An Anthropic Messages body as InvokeModel takes it: the model is in the path and the operation
 * decides streaming, so `model` and `stream` go; `anthropic_version` is Bedrock's; and the betas a
 * client asked for in its `anthropic-beta` header move into the body's `anthropic_beta`, the only
 * place Bedrock reads them.
 */
export function toInvokeModelBody(
  body: Record<string, unknown>,
  clientHeaders: ClientHeaders,
): Record<string, unknown> {
  const { model: _model, stream: _stream, ...rest } = body;
  const result: Record<string, unknown> = { ...rest, anthropic_version: BEDROCK_ANTHROPIC_VERSION };
  const betas = mergeBetas(rest.anthropic_beta, clientHeaders['anthropic-beta']);
  if (betas.length > 0) result.anthropic_beta = betas;
  return result;
}

/** A Converse body: the model is in the path and the operation decides streaming. */
export function toConverseBody(body: Record<string, unknown>): Record<string, unknown> {
  const { model: _model, stream: _stream, ...rest } = body;
  return rest;
}

/** The betas already in the body, then the header's (comma-separated, possibly repeated), once each. */
function mergeBetas(inBody: unknown, header: string | string[] | undefined): string[] {
  const betas = new Set<string>();
  if (Array.isArray(inBody)) {
    for (const beta of inBody) if (typeof beta === 'string') betas.add(beta);
  }
  const headerValues = header === undefined ? [] : Array.isArray(header) ? header : [header];
  for (const value of headerValues) {
    for (const beta of value.split(',')) {
      const trimmed = beta.trim();
      if (trimmed !== '') betas.add(trimmed);
    }
  }
  return [...betas];
}
