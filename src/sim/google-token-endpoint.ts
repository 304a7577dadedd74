import { type KeyObject, randomBytes, verify } from 'node:crypto';
import type { SimCredentials } from './sim-credentials.js';
import type { SimHttpRequest, VendorErrorSpec } from './sim-wire.js';

/** The audience Google's own token endpoint expects, and what google-auth-library always puts there. */
const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google refuses assertions that live longer than an hour. */
const MAX_ASSERTION_SECONDS = 3600;
/** Clock skew Google tolerates on `iat`. */
const SKEW_SECONDS = 300;

const LIFETIME_MESSAGE =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
const DOCS = ' See https://developers.google.com/identity/sign-in/web/devconsole-project.';

/** A reply of the token endpoint. */
export interface TokenReply {
  status: number;
  body: Record<string, unknown>;
}

interface KnownAccount {
  publicKey: KeyObject;
  projectId: string;
}

interface IssuedToken {
  email: string;
  projectId: string;
  /** Epoch ms. */
  expiresAt: number;
}

function oauthError(error: string, description: string): TokenReply {
  return { status: 400, body: { error, error_description: description } };
}

function decodeJson(segment: string | undefined): Record<string, unknown> | undefined {
  if (segment === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Google's OAuth 2.0 token endpoint for service accounts, and the check of the access tokens it
 * issued. It takes the JWT-bearer grant (RFC 7523) that google-auth-library sends — an RS256 JWT
 * signed with the account's private key — verifies it against the public keys of the accounts it
 * knows, and issues opaque bearer tokens that the Vertex routes accept until they expire.
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#httprest
 */
export class GoogleTokenIssuer {
  private readonly accounts = new Map<string, KnownAccount>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Grants answered with a token since the last {@link resetGrants}. */
  grants = 0;

  constructor(
    private readonly options: {
      /** Seconds an access token lives (Google: 3599). */
      lifetimeSeconds: number;
      /** The simulator's clock, epoch ms. */
      now: () => number;
      /** Whether a URL is this endpoint's own: an assertion may name it as audience, as well as Google's. */
      isOwnUri: (uri: string) => boolean;
    },
  ) {}

  /** Makes a service account known, so grants signed with its key are honoured. */
  register(email: string, publicKey: KeyObject, projectId: string): void {
    this.accounts.set(email, { publicKey, projectId });
  }

  /** Answers one `POST` to the token endpoint; `form` is its `application/x-www-form-urlencoded` body. */
  exchange(form: string): TokenReply {
    const fields = new URLSearchParams(form);
    if (fields.get('grant_type') !== JWT_BEARER)
      return oauthError('unsupported_grant_type', `Invalid grant_type: ${fields.get('grant_type') ?? ''}`);
    const assertion = fields.get('assertion') ?? '';
    const [headerPart, claimsPart, signaturePart] = assertion.split('.');
    const header = decodeJson(headerPart);
    const claims = decodeJson(claimsPart);
    if (header === undefined || claims === undefined || signaturePart === undefined)
      return oauthError('invalid_request', 'Invalid JWT: malformed assertion.');
    if (header.alg !== 'RS256') return oauthError('invalid_grant', 'Invalid JWT: unsupported algorithm.');
    const email = typeof claims.iss === 'string' ? claims.iss : '';
    const account = this.accounts.get(email);
    if (account === undefined) return oauthError('invalid_grant', 'Invalid grant: account not found');
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${claimsPart}`),
      account.publicKey,
      Buffer.from(signaturePart, 'base64url'),
    );
    if (!signed) return oauthError('invalid_grant', 'Invalid JWT Signature.');
    const audience = typeof claims.aud === 'string' ? claims.aud : '';
    if (audience !== GOOGLE_TOKEN_AUDIENCE && !this.options.isOwnUri(audience))
      return oauthError('invalid_grant', 'Invalid JWT: Failed audience check.');
    const now = Math.floor(this.options.now() / 1000);
    const { iat, exp } = claims;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      iat > now + SKEW_SECONDS ||
      exp <= now ||
      exp - iat > MAX_ASSERTION_SECONDS
    )
      return oauthError('invalid_grant', LIFETIME_MESSAGE);
    if (typeof claims.scope !== 'string' || claims.scope === '')
      return oauthError('invalid_scope', 'Invalid OAuth scope or ID token audience provided.');

    this.forgetExpired();
    this.grants += 1;
    const token = `ya29.sim-${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, {
      email,
      projectId: account.projectId,
      expiresAt: this.options.now() + this.options.lifetimeSeconds * 1000,
    });
    return {
      status: 200,
      body: { access_token: token, expires_in: this.options.lifetimeSeconds, token_type: 'Bearer' },
    };
  }

  /**
   * Checks the `Authorization` header of a Vertex call for `project`: undefined when the call may go
   * ahead, else the error Google answers (401 for a missing, unknown or expired token, 403 when the
   * account belongs to another project).
   */
  authorize(
    authorization: string | undefined,
    apiKey: string | undefined,
    resource: string,
  ): VendorErrorSpec | undefined {
    if (authorization === undefined || !/^bearer\s+/i.test(authorization)) {
      if (apiKey !== undefined)
        return {
          status: 401,
          errorCode: 'CREDENTIALS_MISSING',
          message:
            'API keys are not supported by this API. Expected OAuth2 access token or other authentication credentials that assert a principal. See https://cloud.google.com/docs/authentication',
        };
      return {
        status: 401,
        errorCode: 'CREDENTIALS_MISSING',
        message: `Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.${DOCS}`,
      };
    }
    const issued = this.tokens.get(authorization.replace(/^bearer\s+/i, '').trim());
    const invalid = `Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.${DOCS}`;
    if (issued === undefined)
      return { status: 401, errorCode: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', message: invalid };
    if (issued.expiresAt <= this.options.now())
      return { status: 401, errorCode: 'ACCESS_TOKEN_EXPIRED', message: invalid };
    const project = /^projects\/([^/]+)\//.exec(resource)?.[1];
    if (project !== undefined && project !== issued.projectId)
      return {
        status: 403,
        errorCode: 'IAM_PERMISSION_DENIED',
        message: `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`,
      };
    return undefined;
  }

  /** Zeroes the grant counter (the simulator's stats reset). */
  resetGrants(): void {
    this.grants = 0;
  }

  private forgetExpired(): void {
    const now = this.options.now();
    for (const [token, issued] of this.tokens) if (issued.expiresAt <= now) this.tokens.delete(token);
  }
}

/** The token endpoint as a host route answers it: `POST` a form, get Google's JSON. */
export async function answerTokenRequest(
  request: SimHttpRequest,
  credentials: SimCredentials,
): Promise<TokenReply> {
  if (request.method !== 'POST')
    return { status: 405, body: { error: 'invalid_request', error_description: 'Use POST.' } };
  const issuer = credentials.googleTokenIssuer;
  if (issuer === undefined)
    return { status: 400, body: { error: 'invalid_grant', error_description: 'No service accounts.' } };
  return issuer.exchange(request.body.toString('utf8'));
}

/**
 * The auth check of a Vertex AI call: the bearer token must be one the simulator's token endpoint
 * issued, unexpired, to an account of the project in `resource` (`projects/{p}/locations/…`).
 */
export function authorizeVertexCall(
  request: SimHttpRequest,
  credentials: SimCredentials,
): VendorErrorSpec | undefined {
  const [path, queryText] = request.target.split('?');
  const query = new URLSearchParams(queryText ?? '');
  const header = request.headers.authorization;
  const authorization = Array.isArray(header) ? header[0] : header;
  const keyHeader = request.headers['x-goog-api-key'];
  const apiKey = (Array.isArray(keyHeader) ? keyHeader[0] : keyHeader) ?? query.get('key') ?? undefined;
  const resource = /\/(projects\/.*)$/.exec(path ?? '')?.[1] ?? '';
  const issuer = credentials.googleTokenIssuer;
  if (issuer === undefined)
    return { status: 401, errorCode: 'ACCESS_TOKEN_TYPE_UNSUPPORTED', message: 'No token was issued.' };
  return issuer.authorize(authorization, apiKey, resource);
}
