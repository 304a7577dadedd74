import { generateKeyPairSync, type KeyObject, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One grant the token server received, with the assertion's parts decoded and its signature checked. */
export interface ReceivedGrant {
  path: string;
  contentType: string | undefined;
  /** Every request header, as node:http lower-cases them. */
  headers: IncomingHttpHeaders;
  grantType: string | null;
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** The assertion verifies against the service account's public key. */
  signatureValid: boolean;
  /** The raw assertion, to check it never leaks. */
  assertion: string;
}

/** What the server answers next; `hang` never answers, `reset` drops the connection unanswered. */
export type TokenReply = { status: number; body: unknown } | 'hang' | 'reset';

/** A tiny OAuth token endpoint for tests: records grants and answers what the test programs. */
export interface LocalTokenServer {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  grants: ReceivedGrant[];
  /** Answers for the next requests, in order; when empty, a fresh token valid for an hour. */
  replies: TokenReply[];
  /** Tokens issued so far, in order. */
  issued: string[];
  close(): Promise<void>;
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  try {
    return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Starts the token server on a free port; `publicKey` checks the grants' signatures. */
export async function startLocalTokenServer(publicKey: KeyObject): Promise<LocalTokenServer> {
  const hanging = new Set<() => void>();
  const state: Omit<LocalTokenServer, 'url' | 'close'> = { grants: [], replies: [], issued: [] };
  const server: Server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      const form = new URLSearchParams(text);
      const assertion = form.get('assertion') ?? '';
      const [header, claims, signature] = assertion.split('.');
      state.grants.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        headers: request.headers,
        grantType: form.get('grant_type'),
        header: decodeSegment(header),
        claims: decodeSegment(claims),
        signatureValid:
          signature !== undefined &&
          verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url')),
        assertion,
      });
      const reply = state.replies.shift();
      if (reply === 'hang') {
        hanging.add(() => response.destroy());
        return;
      }
      if (reply === 'reset') {
        request.socket.destroy();
        return;
      }
      const token = `ya29.local-${state.issued.length + 1}`;
      const { status, body } = reply ?? {
        status: 200,
        body: { access_token: token, expires_in: 3599, token_type: 'Bearer' },
      };
      if (status === 200 && (body as { access_token?: unknown }).access_token === token) state.issued.push(token);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    async close() {
      for (const end of hanging) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** An RSA key pair as a service account has one. */
export interface TestKeyPair {
  publicKey: KeyObject;
  /** PKCS#8 PEM, as in a key file. */
  privateKeyPem: string;
}

/** A fresh 2048-bit RSA key pair. */
export function generateTestKeyPair(): TestKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** Writes a service-account key file whose grants go to `tokenUri`; returns its path. */
export function writeTestServiceAccount(
  tokenUri: string,
  privateKeyPem: string,
  overrides: Record<string, unknown> = {},
): string {
  const json = {
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'key-id-1',
    private_key: privateKeyPem,
    client_email: 'detour@test-project.iam.gserviceaccount.com',
    client_id: '1234567890',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: tokenUri,
    universe_domain: 'googleapis.com',
    ...overrides,
  };
  const path = join(mkdtempSync(join(tmpdir(), 'detour-sa-')), 'service-account.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}
