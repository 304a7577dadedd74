import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  generateTestKeyPair,
  type LocalTokenServer,
  startLocalTokenServer,
  type TestKeyPair,
} from './__fixtures__/local-token-server.js';
import {
  CLOUD_PLATFORM_SCOPE,
  createServiceAccountClient,
  fetchHonouringTokenUri,
  GOOGLE_TOKEN_URL,
  type ServiceAccountKey,
} from './service-account-client.js';

let keys: TestKeyPair;
let tokens: LocalTokenServer;
/** A second loopback server that answers every request with its method and path. */
let other: Server;
let otherUrl: string;

beforeAll(async () => {
  keys = generateTestKeyPair();
  tokens = await startLocalTokenServer(keys.publicKey);
  other = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`other ${request.method} ${request.url}`);
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await tokens.close();
  other.closeAllConnections();
  await new Promise<void>((resolve) => other.close(() => resolve()));
});

afterEach(() => {
  tokens.grants.length = 0;
  tokens.replies.length = 0;
});

describe('fetchHonouringTokenUri', () => {
  it("sends a request for Google's token URL, given as a string, to the token URI", async () => {
    const send = fetchHonouringTokenUri(`${tokens.url}/private/token`);

    const response = await send(GOOGLE_TOKEN_URL, { method: 'POST', body: 'grant_type=test' });

    expect(response.status).toBe(200);
    expect(tokens.grants.map((grant) => [grant.path, grant.grantType])).toStrictEqual([
      ['/private/token', 'test'],
    ]);
  });

  it("sends a request for Google's token URL, given as a URL, to the token URI", async () => {
    const send = fetchHonouringTokenUri(`${tokens.url}/private/token`);

    await send(new URL(GOOGLE_TOKEN_URL), { method: 'POST', body: 'grant_type=url' });

    expect(tokens.grants.map((grant) => [grant.path, grant.grantType])).toStrictEqual([
      ['/private/token', 'url'],
    ]);
  });

  it("sends a Request for Google's token URL to the token URI", async () => {
    const send = fetchHonouringTokenUri(`${tokens.url}/private/token`);

    await send(new Request(GOOGLE_TOKEN_URL, { method: 'POST' }), {
      method: 'POST',
      body: 'grant_type=request',
    });

    expect(tokens.grants.map((grant) => [grant.path, grant.grantType])).toStrictEqual([
      ['/private/token', 'request'],
    ]);
  });

  it.each([
    ['a string', () => `${otherUrl}/v1/models?x=1`],
    ['a URL', () => new URL(`${otherUrl}/v1/models?x=1`)],
    ['a Request', () => new Request(`${otherUrl}/v1/models?x=1`)],
  ])('sends any other request, given as %s, where it was going', async (_what, input) => {
    const send = fetchHonouringTokenUri(`${tokens.url}/private/token`);

    const response = await send(input());

    expect(await response.text()).toBe('other GET /v1/models?x=1');
    expect(tokens.grants).toHaveLength(0);
  });
});

describe('createServiceAccountClient', () => {
  function keyFor(tokenUri: string | undefined, extra: Partial<ServiceAccountKey> = {}): ServiceAccountKey {
    return {
      client_email: 'detour@test-project.iam.gserviceaccount.com',
      private_key: keys.privateKeyPem,
      ...(tokenUri === undefined ? {} : { token_uri: tokenUri }),
      ...extra,
    };
  }

  it('signs the grant with the key, for the cloud-platform scope, with the token URI as audience', async () => {
    const client = createServiceAccountClient(keyFor(`${tokens.url}/token`, { private_key_id: 'key-id-7' }));

    const { token } = await client.getAccessToken();

    expect(token).toBe(tokens.issued.at(-1));
    const [grant] = tokens.grants;
    expect(grant?.header).toStrictEqual({ alg: 'RS256' });
    expect(grant?.claims.scope).toBe(CLOUD_PLATFORM_SCOPE);
    expect(grant?.claims.aud).toBe(`${tokens.url}/token`);
    expect(grant?.signatureValid).toBe(true);
  });

  it("carries the key's id (for self-signed JWTs), and none when the key has none", () => {
    expect(createServiceAccountClient(keyFor(undefined, { private_key_id: 'key-id-7' })).keyId).toBe(
      'key-id-7',
    );
    expect(createServiceAccountClient(keyFor(undefined)).keyId).toBeUndefined();
  });

  it('asks for the scopes it is given instead of the default', async () => {
    const client = createServiceAccountClient(keyFor(`${tokens.url}/token`), {
      scopes: ['https://www.googleapis.com/auth/generative-language', 'openid'],
    });

    await client.getAccessToken();

    expect(tokens.grants[0]?.claims.scope).toBe('https://www.googleapis.com/auth/generative-language openid');
  });

  it("names Google's token URL as the audience when the key has no token_uri", () => {
    const client = createServiceAccountClient(keyFor(undefined));

    expect(client.additionalClaims).toStrictEqual({ aud: GOOGLE_TOKEN_URL });
    expect(GOOGLE_TOKEN_URL).toBe('https://oauth2.googleapis.com/token');
  });

  it("takes the key's project id, and leaves the library's null when the key has none", () => {
    expect(createServiceAccountClient(keyFor(undefined, { project_id: 'proj-1' })).projectId).toBe('proj-1');
    expect(createServiceAccountClient(keyFor(undefined)).projectId).toBeNull();
  });

  it('lets the library retry a failed grant unless retries are turned off', async () => {
    tokens.replies.push({ status: 503, body: { error: 'backend_error' } });
    const retrying = createServiceAccountClient(keyFor(`${tokens.url}/token`));

    const { token } = await retrying.getAccessToken();

    expect(token).toBe(tokens.issued.at(-1));
    expect(tokens.grants).toHaveLength(2);
  });

  it('asks once and fails a failed grant when retries are turned off', async () => {
    tokens.replies.push({ status: 503, body: { error: 'backend_error' } });
    const once = createServiceAccountClient(keyFor(`${tokens.url}/token`), { retries: false });

    await expect(once.getAccessToken()).rejects.toMatchObject({ status: 503 });
    expect(tokens.grants).toHaveLength(1);
  });
});
