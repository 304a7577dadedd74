import { randomBytes } from 'node:crypto';

// One pool of random bytes refilled in bulk: a request id per request must not cost a syscall each.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function randomHex(byteCount: number): string {
  if (offset + byteCount > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const hex = pool.toString('hex', offset, offset + byteCount);
  offset += byteCount;
  return hex;
}

/** A new request id, e.g. `req_3f9a...` (24 hex digits). */
export function newRequestId(): string {
  return `req_${randomHex(12)}`;
}

/** A new id with the given prefix, e.g. `newId('chatcmpl')`. */
export function newId(prefix: string): string {
  return `${prefix}-${randomHex(12)}`;
}
