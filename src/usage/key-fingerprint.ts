import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Names the client key of a request for the log without storing it: `sha256:` and the first 12 hex
 * digits of the SHA-256 of the key presented (`Authorization: Bearer` or `x-api-key`, the headers
 * DESIGN.md section 8 accepts), or null when none was. Client keys with ids are a later issue; until
 * then requests of one key share one fingerprint, and the key itself cannot be recovered from it.
 */
export function keyFingerprint(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  let presented: string | undefined;
  if (typeof authorization === 'string' && /^bearer\s+/i.test(authorization))
    presented = authorization.replace(/^bearer\s+/i, '').trim();
  const apiKey = headers['x-api-key'];
  if ((presented === undefined || presented === '') && typeof apiKey === 'string') presented = apiKey.trim();
  if (presented === undefined || presented === '') return null;
  return `sha256:${createHash('sha256').update(presented).digest('hex').slice(0, 12)}`;
}
