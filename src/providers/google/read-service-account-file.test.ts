import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTestKeyPair, writeTestServiceAccount } from './__fixtures__/local-token-server.js';
import { readServiceAccountFile } from './read-service-account-file.js';

const { privateKeyPem } = generateTestKeyPair();

function fileWith(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'detour-sa-')), 'key.json');
  writeFileSync(path, text);
  return path;
}

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('readServiceAccountFile', () => {
  it('reads the fields a token needs, token_uri included', () => {
    const path = writeTestServiceAccount('https://oauth.example.test/token', privateKeyPem);

    expect(readServiceAccountFile('vx', path)).toEqual({
      client_email: 'detour@test-project.iam.gserviceaccount.com',
      private_key: privateKeyPem,
      private_key_id: 'key-id-1',
      project_id: 'test-project',
      token_uri: 'https://oauth.example.test/token',
    });
  });

  it('leaves out the optional fields the file does not have', () => {
    const path = fileWith(
      JSON.stringify({
        type: 'service_account',
        client_email: 'a@b.iam.gserviceaccount.com',
        private_key: privateKeyPem,
      }),
    );
    expect(readServiceAccountFile('vx', path)).toStrictEqual({
      client_email: 'a@b.iam.gserviceaccount.com',
      private_key: privateKeyPem,
    });
  });

  it('takes an http token_uri (a local token server) as well as https', () => {
    const path = fileWith(
      JSON.stringify({
        type: 'service_account',
        client_email: 'a@b',
        private_key: privateKeyPem,
        token_uri: 'http://127.0.0.1:9/token',
      }),
    );
    expect(readServiceAccountFile('vx', path).token_uri).toBe('http://127.0.0.1:9/token');
  });

  it('leaves token_uri out when the file has none (Google’s own endpoint is then used)', () => {
    const path = writeTestServiceAccount('', privateKeyPem, { token_uri: undefined });

    expect(readServiceAccountFile('vx', path).token_uri).toBeUndefined();
  });

  it('names the provider, the file and the system error for a file that cannot be read', () => {
    const path = join(tmpdir(), 'detour-no-such-dir', 'sa.json');

    expect(messageOf(() => readServiceAccountFile('vertex-eu', path))).toBe(
      `provider "vertex-eu": credentials file ${JSON.stringify(path)} cannot be read (ENOENT)`,
    );
  });

  it.each([
    ['not JSON', `{"private_key": "${'x'.repeat(10)}SECRETPART`, 'is not JSON'],
    ['a JSON array', '[]', 'is not a JSON object'],
    ['JSON null', 'null', 'is not a JSON object'],
    ['a JSON string', '"SECRETPART"', 'is not a JSON object'],
    ['a JSON number', '5', 'is not a JSON object'],
    [
      'a key with an empty type',
      JSON.stringify({ type: '', private_key: 'SECRETPART' }),
      'is not a service-account key (type is missing, expected "service_account")',
    ],
    [
      'a key whose type is a number',
      JSON.stringify({ type: 5, private_key: 'SECRETPART' }),
      'is not a service-account key (type is missing, expected "service_account")',
    ],
    [
      'a key whose client_email is a number',
      JSON.stringify({ type: 'service_account', client_email: 42, private_key: privateKeyPem }),
      'has no client_email',
    ],
    [
      'a key with an empty private_key',
      JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: '' }),
      'has no private_key',
    ],
    [
      'a key with an empty client_email',
      JSON.stringify({ type: 'service_account', client_email: '', private_key: 'SECRETPART' }),
      'has no client_email',
    ],
    [
      'user credentials',
      JSON.stringify({ type: 'authorized_user', refresh_token: 'SECRETPART' }),
      'is not a service-account key (type is "authorized_user", expected "service_account")',
    ],
    [
      'a key without type',
      JSON.stringify({ private_key: 'SECRETPART' }),
      'is not a service-account key (type is missing, expected "service_account")',
    ],
    [
      'a key without client_email',
      JSON.stringify({ type: 'service_account', private_key: 'SECRETPART' }),
      'has no client_email',
    ],
    [
      'a key without private_key',
      JSON.stringify({ type: 'service_account', client_email: 'a@b.iam.gserviceaccount.com' }),
      'has no private_key',
    ],
    [
      'a private_key that is no PEM key',
      JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: 'SECRETPART' }),
      'has a private_key that is not a PEM private key',
    ],
    [
      'a token_uri that is no URL',
      JSON.stringify({
        type: 'service_account',
        client_email: 'a@b',
        private_key: privateKeyPem,
        token_uri: 'oauth',
      }),
      'has a token_uri that is not an http(s) URL',
    ],
    [
      'a token_uri that is no http(s) URL',
      JSON.stringify({
        type: 'service_account',
        client_email: 'a@b',
        private_key: privateKeyPem,
        token_uri: 'ftp://oauth.example/token',
      }),
      'has a token_uri that is not an http(s) URL',
    ],
  ])('refuses %s, naming the provider and file but none of its contents', (_what, text, problem) => {
    const path = fileWith(text);

    const message = messageOf(() => readServiceAccountFile('vx', path));

    expect(message).toBe(`provider "vx": credentials file ${JSON.stringify(path)} ${problem}`);
    expect(message).not.toContain('SECRETPART');
  });
});
