import { type BaseUrl, splitBaseUrl } from '../base-url.js';

/**
 * Splits a Google endpoint's configured base URL. Detour appends the API version itself (`/v1`,
 * `/v1beta`), as `@google/genai` does; a base URL written with that version at its end (as
 * `@anthropic-ai/vertex-sdk` wants its own) has it dropped, so both spellings reach the same path.
 */
export function splitGoogleBaseUrl(baseUrl: string, apiVersion: string): BaseUrl {
  const { origin, basePath } = splitBaseUrl(baseUrl);
  const suffix = `/${apiVersion}`;
  return { origin, basePath: basePath.endsWith(suffix) ? basePath.slice(0, -suffix.length) : basePath };
}
