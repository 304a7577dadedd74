import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** How many keys' fingerprints are kept. */
const RECENT_KEYS = 1024;
/** Fingerprints of the keys seen last, by key, oldest first (Map keeps insertion order). */
const recent = new Map<string, string>();

/**
 * Names the client key of a request for the log without storing it: `sha256:` and the first 12 hex
 * digits of the SHA-256 of the key presented (`Authorization: Bearer` or `x-api-key`, the headers
 * DESIGN.md section 8 accepts), or null when none was. Client keys with ids are a later issue; until
 * then requests of one key share one fingerprint, and the key itself cannot be recovered from it.
 */
export function keyFingerprint(headers: IncomingHttpHeaders): string | null {
  const presented = presentedKey(headers);
  if (presented === undefined) return null;
  let fingerprint = recent.get(presented);
  if (fingerprint === undefined) {
    fingerprint = `sha256:${createHash('sha256').update(presented).digest('hex').slice(0, 12)}`;
    // A client sends the same key with every request: the hash is taken once per key, not per
    // request (it measured about 2 % of a logged request's CPU). Bounded, oldest out first.
    if (recent.size >= RECENT_KEYS) recent.delete(recent.keys().next().value as string);
    recent.set(presented, fingerprint);
  }
  return fingerprint;
}

/** The key a request presents, trimmed; undefined when none. */
function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  let presented: string | undefined;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization))
    presented = authorization.replace(/^bearer\s+/i, '').trim();
  const apiKey = headers['x-api-key'];
  if ((presented === undefined || presented === '') && typeof apiKey === 'string') presented = apiKey.trim();
  return presented === undefined || presented === '' ? undefined : presented;
}
