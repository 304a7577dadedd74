import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ServiceAccountKey } from './service-account-client.js';

/** A field of a service-account key file that is a non-empty string, or undefined. */
function field(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Reads and checks a service-account key file when the provider is created, so that a missing,
 * unreadable or wrong file stops `detour start` (or a reload) with a message naming the provider
 * and the file — never its contents, which hold a private key.
 */
export function readServiceAccountFile(provider: string, path: string): ServiceAccountKey {
  const problem = (what: string) =>
    new Error(`provider "${provider}": credentials file ${JSON.stringify(path)} ${what}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw problem(`cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the fault: not repeated here.
    throw problem('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw problem('is not a JSON object');
  }
  const record = parsed as Record<string, unknown>;
  const type = field(record, 'type');
  if (type !== 'service_account') {
    // ADC user credentials (`authorized_user`) and workload identity files need other flows.
    throw problem(
      `is not a service-account key (type is ${type === undefined ? 'missing' : JSON.stringify(type)}, expected "service_account")`,
    );
  }
  const clientEmail = field(record, 'client_email');
  const privateKey = field(record, 'private_key');
  if (clientEmail === undefined) throw problem('has no client_email');
  if (privateKey === undefined) throw problem('has no private_key');
  try {
    createPrivateKey(privateKey);
  } catch {
    throw problem('has a private_key that is not a PEM private key');
  }
  const tokenUri = field(record, 'token_uri');
  if (tokenUri !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(tokenUri);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      throw problem('has a token_uri that is not an http(s) URL');
    }
  }
  const key: ServiceAccountKey = { client_email: clientEmail, private_key: privateKey };
  const keyId = field(record, 'private_key_id');
  if (keyId !== undefined) key.private_key_id = keyId;
  const projectId = field(record, 'project_id');
  if (projectId !== undefined) key.project_id = projectId;
  if (tokenUri !== undefined) key.token_uri = tokenUri;
  return key;
}
