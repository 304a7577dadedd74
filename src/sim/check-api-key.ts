import type { IncomingHttpHeaders } from 'node:http';
import type { VendorErrorSpec } from './sim-wire.js';

/**
 * Which keys a key-checking host accepts: the configured list when there is one, else any non-empty
 * key that does not start with `bad` — so tests get a rejected key by writing `bad-…`, with no setup.
 */
export function isAcceptedKey(key: string, accepted: readonly string[] | undefined): boolean {
  if (accepted !== undefined) return accepted.includes(key);
  return key !== '' && !key.startsWith('bad');
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The Gemini API's key check: `x-goog-api-key` or `?key=`. No key is a 403 PERMISSION_DENIED; a wrong
 * one a 400 INVALID_ARGUMENT whose ErrorInfo reason is `API_KEY_INVALID` (Google's replies, verbatim
 * in status and reason).
 * @see https://ai.google.dev/gemini-api/docs/troubleshooting
 */
export function checkGeminiApiKey(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
  accepted: readonly string[] | undefined,
): VendorErrorSpec | undefined {
  const key = headerOf(headers, 'x-goog-api-key') ?? query.get('key') ?? undefined;
  if (key === undefined || key === '')
    return {
      status: 403,
      message:
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    };
  if (!isAcceptedKey(key, accepted))
    return {
      status: 400,
      errorCode: 'API_KEY_INVALID',
      message: 'API key not valid. Please pass a valid API key.',
    };
  return undefined;
}

/**
 * Azure OpenAI's key check: the `api-key` header, or a bearer token in `Authorization` (Entra ID
 * tokens, and what the plain OpenAI client sends to the v1 endpoint). Both failures are Azure's 401.
 */
export function checkAzureKey(
  headers: IncomingHttpHeaders,
  accepted: readonly string[] | undefined,
): VendorErrorSpec | undefined {
  const bearer = /^bearer\s+(.+)$/i.exec(headerOf(headers, 'authorization') ?? '')?.[1]?.trim();
  const key = headerOf(headers, 'api-key') ?? bearer;
  if (key === undefined || key === '')
    return {
      status: 401,
      message:
        'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.',
    };
  return isAcceptedKey(key, accepted) ? undefined : { status: 401 };
}
