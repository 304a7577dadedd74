import { sign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { type GoogleServiceAccount, generateServiceAccount } from './google-service-account.js';
import { GoogleTokenIssuer } from './google-token-endpoint.js';

const TOKEN_URI = 'http://127.0.0.1:1/_sim/google/token';
const GOOGLE_AUDIENCE = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A JWT-bearer grant body as google-auth-library sends it, signed with the account's key. */
function grant(account: GoogleServiceAccount, claims: Record<string, unknown>, header = { alg: 'RS256' }) {
  const signingInput = `${base64url(header)}.${base64url(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(signingInput), account.private_key).toString('base64url');
  return new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
    assertion: `${signingInput}.${signature}`,
  }).toString();
}

let now: number;
let issuer: GoogleTokenIssuer;
const main = generateServiceAccount({ tokenUri: TOKEN_URI, projectId: 'proj-a', name: 'detour' });
const stranger = generateServiceAccount({ tokenUri: TOKEN_URI, projectId: 'proj-a', name: 'stranger' });

function claims(overrides: Record<string, unknown> = {}) {
  const iat = Math.floor(now / 1000);
  return {
    iss: main.account.client_email,
    scope: SCOPE,
    aud: GOOGLE_AUDIENCE,
    iat,
    exp: iat + 3600,
    ...overrides,
  };
}

function issue(): string {
  const reply = issuer.exchange(grant(main.account, claims()));
  expect(reply.status).toBe(200);
  return String(reply.body.access_token);
}

beforeEach(() => {
  now = Date.UTC(2026, 10, 30, 12);
  issuer = new GoogleTokenIssuer({
    lifetimeSeconds: 600,
    now: () => now,
    isOwnUri: (uri) => uri === TOKEN_URI,
  });
  issuer.register(main.account.client_email, main.publicKey, 'proj-a');
});

describe('GoogleTokenIssuer.exchange', () => {
  it('issues a bearer token for a grant signed by a known account, with Google audience or its own', () => {
    const reply = issuer.exchange(grant(main.account, claims()));
    expect(reply).toEqual({
      status: 200,
      body: { access_token: expect.stringMatching(/^ya29\./), expires_in: 600, token_type: 'Bearer' },
    });
    expect(issuer.exchange(grant(main.account, claims({ aud: TOKEN_URI }))).status).toBe(200);
  });

  it('refuses a grant signed with another key as an invalid JWT signature', () => {
    const forged = grant(stranger.account, claims());
    expect(issuer.exchange(forged)).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
  });

  it('refuses an account it does not know', () => {
    const reply = issuer.exchange(grant(stranger.account, claims({ iss: stranger.account.client_email })));
    expect(reply.body.error).toBe('invalid_grant');
    expect(reply.body.error_description).toContain('account not found');
  });

  it('refuses expired, over-long and future assertions, a foreign audience and a missing scope', () => {
    const iat = Math.floor(now / 1000);
    const refused = (overrides: Record<string, unknown>) =>
      issuer.exchange(grant(main.account, claims(overrides))).body.error;
    expect(refused({ iat: iat - 4000, exp: iat - 400 })).toBe('invalid_grant');
    expect(refused({ exp: iat + 7200 })).toBe('invalid_grant');
    expect(refused({ iat: iat + 900, exp: iat + 1800 })).toBe('invalid_grant');
    expect(refused({ aud: 'https://elsewhere.example/token' })).toBe('invalid_grant');
    expect(refused({ scope: undefined })).toBe('invalid_scope');
    expect(issuer.exchange(grant(main.account, claims(), { alg: 'HS256' })).body.error).toBe('invalid_grant');
  });

  it('refuses other grant types and malformed assertions', () => {
    expect(issuer.exchange('grant_type=client_credentials').body.error).toBe('unsupported_grant_type');
    const malformed = 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=abc';
    expect(issuer.exchange(malformed).body.error).toBe('invalid_request');
  });
});

describe('GoogleTokenIssuer.authorize', () => {
  const resource = 'projects/proj-a/locations/us-east5/publishers/anthropic/models/claude-x';

  it('lets an issued token through until it expires on the injected clock', () => {
    const token = issue();
    expect(issuer.authorize(`Bearer ${token}`, undefined, resource)).toBeUndefined();
    now += 599_000;
    expect(issuer.authorize(`Bearer ${token}`, undefined, resource)).toBeUndefined();
    now += 1_000;
    expect(issuer.authorize(`Bearer ${token}`, undefined, resource)).toMatchObject({
      status: 401,
      errorCode: 'ACCESS_TOKEN_EXPIRED',
    });
  });

  it('answers 401 for a missing or unknown token and for an API key', () => {
    expect(issuer.authorize(undefined, undefined, resource)).toMatchObject({
      status: 401,
      errorCode: 'CREDENTIALS_MISSING',
    });
    expect(issuer.authorize('Bearer ya29.made-up', undefined, resource)).toMatchObject({
      status: 401,
      errorCode: 'ACCESS_TOKEN_TYPE_UNSUPPORTED',
    });
    expect(issuer.authorize(undefined, 'AIza-key', resource)?.message).toContain(
      'API keys are not supported',
    );
  });

  it('answers 403 when the account belongs to another project', () => {
    const token = issue();
    const other = 'projects/proj-b/locations/global/publishers/google/models/gemini-x';
    expect(issuer.authorize(`Bearer ${token}`, undefined, other)).toMatchObject({
      status: 403,
      errorCode: 'IAM_PERMISSION_DENIED',
    });
  });
});
