import { JWT } from 'google-auth-library';

/** Where google-auth-library sends every JWT-bearer grant, whatever the key file's `token_uri` says. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** The scope Vertex AI needs; without a scope the library signs its own JWT and never asks for a token. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The fields of a service-account key file that getting a token needs. */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  project_id?: string;
  /** Where grants go; Google's own token URL when absent. */
  token_uri?: string;
}

/** Options for {@link createServiceAccountClient}. */
export interface ServiceAccountClientOptions {
  /** OAuth scopes; default the cloud-platform scope. */
  scopes?: string[];
  /** The fetch the token request goes through (before `token_uri` is applied). */
  fetch?: typeof fetch;
  /** Longest wait for the token endpoint, in milliseconds; none when absent. */
  timeoutMs?: number;
  /**
   * Whether the library may retry a failed grant itself (it retries POSTs with back-off by
   * default). Detour turns this off: a dead token endpoint must fail the attempt fast so the
   * request moves on, and routing owns retries.
   */
  retries?: boolean;
}

/**
 * A `fetch` that sends requests for Google's fixed token URL to `tokenUri` instead, and everything
 * else on unchanged. google-auth-library 10 ignores a key file's `token_uri` (its token client posts
 * to a hard-coded URL), so this is how a private token endpoint — or the simulator's — is reached.
 */
export function fetchHonouringTokenUri(tokenUri: string, base: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url !== GOOGLE_TOKEN_URL || tokenUri === GOOGLE_TOKEN_URL) return base(input, init);
    return base(tokenUri, init);
  };
}

/**
 * A google-auth-library client for a service account that exchanges its JWT grant at the key file's
 * own `token_uri` (named as the JWT's audience too), caches the access token and refreshes it
 * before it expires (5 minutes early, the library's default). Any SDK that takes an `authClient`
 * (`@anthropic-ai/vertex-sdk`, `@google/genai`) accepts it.
 */
export function createServiceAccountClient(
  key: ServiceAccountKey,
  options: ServiceAccountClientOptions = {},
): JWT {
  const tokenUri = key.token_uri ?? GOOGLE_TOKEN_URL;
  const client = new JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id === undefined ? {} : { keyId: key.private_key_id }),
    scopes: options.scopes ?? [CLOUD_PLATFORM_SCOPE],
    additionalClaims: { aud: tokenUri },
    transporterOptions: {
      fetchImplementation: fetchHonouringTokenUri(tokenUri, options.fetch),
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      // gaxios deep-merges this with the token request's own retry config, so `retry: 0` holds.
      ...(options.retries === false ? { retryConfig: { retry: 0, noResponseRetries: 0 } } : {}),
    },
  });
  if (key.project_id !== undefined) client.projectId = key.project_id;
  return client;
}
