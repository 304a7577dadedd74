import type { FailureClass } from '../../core/index.js';
import type { UpstreamErrorDetails } from '../../protocols/index.js';
import { OPENAI_ERROR_CLASSES, readOpenAiErrorDetails } from '../openai-compatible/index.js';

/**
 * Azure OpenAI's error codes that decide the class before the status does: OpenAI's own (Azure
 * passes most of them through), plus Azure's. Its content filter's refusal of a prompt is a 400
 * with `code: content_filter` (already OpenAI's row) and `innererror.code:
 * ResponsibleAIPolicyViolation`; either one makes it `content_policy`. Azure's 401 and 429 carry
 * their status as the code (`"401"`, `"429"`), so the status decides those.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/concepts/content-filter
 */
export const AZURE_OPENAI_ERROR_CLASSES: Readonly<Record<string, FailureClass>> = {
  ...OPENAI_ERROR_CLASSES,
  ResponsibleAIPolicyViolation: 'content_policy',
  // The deployment named in the path does not exist on this resource: our config, not the request.
  DeploymentNotFound: 'not_found',
  // The deployment exists but serves a model without chat completions (an embeddings model):
  // this deployment can never answer, so it is disabled like an unknown one, not blamed on the client.
  OperationNotSupported: 'not_found',
};

function innerErrorCode(parsed: unknown): string | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const error = (parsed as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return undefined;
  const inner = (error as { innererror?: unknown }).innererror;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const code = (inner as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function isKnown(code: string | undefined): code is string {
  return code !== undefined && Object.hasOwn(AZURE_OPENAI_ERROR_CLASSES, code);
}

/**
 * Reads an Azure OpenAI error body: OpenAI's shape. When the outer code decides nothing (absent,
 * or a generic one such as `BadRequest`), Azure's `innererror.code` takes its place if the table
 * knows it. A known outer code stays: it is what reaches the client (`content_filter` is the code
 * Azure's own clients match on).
 */
export function readAzureErrorDetails(parsed: unknown, text: string): UpstreamErrorDetails {
  const details = readOpenAiErrorDetails(parsed, text);
  const inner = innerErrorCode(parsed);
  if (!isKnown(details.code) && isKnown(inner)) details.code = inner;
  return details;
}
