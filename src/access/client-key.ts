import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** What every client key starts with, so a leaked one is recognisable (secret scanners, logs). */
export const CLIENT_KEY_PREFIX = 'dtr_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 43 base62 characters hold 256 bits: the 32 random bytes of DESIGN.md section 8. */
const SECRET_LENGTH = 43;
/** Characters after `dtr_` shown in lists and logs: enough to tell keys apart, far too few to use one. */
const VISIBLE_LENGTH = 8;

/** A new key: the secret (shown once), and what is stored of it. */
export interface NewClientKey {
  secret: string;
  hash: string;
  prefix: string;
}

/** `length` uniform base62 characters; bytes ≥ 248 are drawn again so no character is likelier. */
export function randomBase62(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && text.length < length) text += BASE62[byte % 62];
    }
  }
  return text;
}

/** The stored form of a secret: hex SHA-256. A key has 256 random bits, so no salt or slow hash is needed. */
export function hashClientKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The visible part of a secret. */
export function visiblePrefix(secret: string): string {
  return secret.slice(0, CLIENT_KEY_PREFIX.length + VISIBLE_LENGTH);
}

/** Makes a new `dtr_` key. */
export function generateClientKey(): NewClientKey {
  const secret = `${CLIENT_KEY_PREFIX}${randomBase62(SECRET_LENGTH)}`;
  return { secret, hash: hashClientKey(secret), prefix: visiblePrefix(secret) };
}

/**
 * The key a request presents: `Authorization: Bearer` (OpenAI's SDK) or `x-api-key` (Anthropic's),
 * the headers DESIGN.md section 8 accepts; undefined when neither carries one.
 */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization)) {
    const bearer = authorization.replace(/^bearer\s+/i, '').trim();
    if (bearer !== '') return bearer;
  }
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  return undefined;
}
