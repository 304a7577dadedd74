import { splitBaseUrl } from '../base-url.js';

/**
 * The `api-version` sent on deployment URLs when the config names none: the latest GA version of
 * the Azure OpenAI data-plane inference API (newer features come through the v1 endpoint, which
 * needs no version).
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle
 */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** A base URL ending in `/openai/v1` addresses Azure's v1 endpoint (no api-version, model in the body). */
const V1_SUFFIX = /\/openai\/v1$/;

/**
 * `AzureOpenAI`'s own `baseURL` form (`{endpoint}/openai`) is accepted as the endpoint it is
 * built from, so either spelling copied from an SDK example reaches the same URLs.
 */
const OPENAI_SUFFIX = /\/openai$/;

/** How an Azure OpenAI resource is addressed. */
export type AzureEndpointStyle =
  /** `/openai/deployments/{deployment}/chat/completions?api-version=…`: the deployment in the path. */
  | 'deployments'
  /** `/openai/v1/chat/completions`: the deployment named by `model` in the body. */
  | 'v1';

/** Where an Azure OpenAI provider sends its calls. */
export interface AzureEndpoint {
  /** Scheme, host and port. */
  origin: string;
  /** Which URL scheme the base URL selects. */
  style: AzureEndpointStyle;
  /** The endpoint for logs and the admin API, with `{deployment}` standing for the deployment. */
  display: string;
  /** Path and query of the Chat Completions call for one deployment. */
  chatCompletionsPath(deployment: string): string;
}

/** Whether a base URL addresses Azure's v1 endpoint. Config validation asks this too. */
export function isAzureV1BaseUrl(baseUrl: string): boolean {
  return V1_SUFFIX.test(splitBaseUrl(baseUrl).basePath);
}

/**
 * Reads an Azure OpenAI base URL: `https://NAME.openai.azure.com` (or a proxy in front of it)
 * gives deployment URLs with `api-version`; a base ending in `/openai/v1` gives the v1 endpoint,
 * where an `apiVersion` has no meaning and is refused.
 * @see https://learn.microsoft.com/azure/ai-foundry/openai/reference
 */
export function resolveAzureEndpoint(baseUrl: string, apiVersion: string | undefined): AzureEndpoint {
  const { origin, basePath } = splitBaseUrl(baseUrl);
  if (V1_SUFFIX.test(basePath)) {
    if (apiVersion !== undefined) {
      throw new Error(
        'apiVersion does not apply to the Azure OpenAI v1 endpoint (a baseUrl ending in /openai/v1)',
      );
    }
    const path = `${basePath}/chat/completions`;
    return { origin, style: 'v1', display: `${origin}${path}`, chatCompletionsPath: () => path };
  }
  const prefix = `${basePath.replace(OPENAI_SUFFIX, '')}/openai/deployments/`;
  const suffix = `/chat/completions?api-version=${encodeURIComponent(apiVersion ?? DEFAULT_AZURE_API_VERSION)}`;
  return {
    origin,
    style: 'deployments',
    display: `${origin}${prefix}{deployment}${suffix}`,
    // A deployment name is the operator's own: encoded so that no name can change the path.
    chatCompletionsPath: (deployment) => `${prefix}${encodeURIComponent(deployment)}${suffix}`,
  };
}
