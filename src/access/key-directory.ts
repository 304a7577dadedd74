import { DetourError } from '../core/index.js';
import type { ClientKeyRecord, Store } from '../store/index.js';
import { hashClientKey } from './client-key.js';

/** Options of {@link KeyDirectory}. */
export interface KeyDirectoryOptions {
  store: Store;
  /** How long a key read from the store is trusted before it is read again; default 1 s. */
  cacheTtlMs?: number;
  /** Most keys kept in memory. */
  maxEntries?: number;
}

interface CachedKey {
  key: ClientKeyRecord;
  readAt: number;
}

function unauthorized(message: string): DetourError {
  return new DetourError('unauthorized', 'auth', message, { status: 401 });
}

/**
 * Finds the client key a request presents. Lookups go by the SHA-256 of what was presented, so a
 * wrong key, an unknown one and a malformed one take the same path and the same time (nothing is
 * compared character by character). Keys read from the store are kept for `cacheTtlMs`: a key
 * revoked here is dropped at once, one revoked elsewhere (another replica) within that time.
 */
export class KeyDirectory {
  private readonly cache = new Map<string, CachedKey>();
  private readonly reading = new Map<string, Promise<ClientKeyRecord | undefined>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(private readonly options: KeyDirectoryOptions) {
    this.ttlMs = options.cacheTtlMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The live key for a presented secret. @throws DetourError 401 when missing, unknown, revoked or expired. */
  async authenticate(secret: string | undefined, now: number): Promise<ClientKeyRecord> {
    if (secret === undefined) {
      throw unauthorized(
        'missing API key: send it as `Authorization: Bearer <key>` or in the `x-api-key` header',
      );
    }
    const hash = hashClientKey(secret);
    const cached = this.cache.get(hash);
    const key =
      cached !== undefined && now - cached.readAt < this.ttlMs ? cached.key : await this.read(hash, now);
    // The key itself is never echoed, not even masked: only its owner could tell it from another.
    if (key === undefined) throw unauthorized('invalid API key');
    if (key.revokedAt !== undefined && key.revokedAt <= now)
      throw unauthorized('this API key has been revoked');
    if (key.expiresAt !== undefined && key.expiresAt <= now) throw unauthorized('this API key has expired');
    return key;
  }

  /** Drops a key from memory (after a revoke, rotate or change here), whatever secret it was read by. */
  invalidate(keyId: string): void {
    for (const [hash, cached] of this.cache) if (cached.key.id === keyId) this.cache.delete(hash);
  }

  private read(hash: string, now: number): Promise<ClientKeyRecord | undefined> {
    // Concurrent first requests of one key share one read.
    let pending = this.reading.get(hash);
    if (pending === undefined) {
      pending = this.options.store.findClientKeyByHash(hash).then(
        (key) => {
          this.reading.delete(hash);
          if (key !== undefined) {
            if (this.cache.size >= this.maxEntries) this.cache.clear();
            this.cache.set(hash, { key, readAt: now });
          }
          return key;
        },
        (error: unknown) => {
          this.reading.delete(hash);
          // A store that cannot answer leaves a key known a moment ago usable: an outage of the
          // store must not lock every client out. Unknown keys stay refused.
          const stale = this.cache.get(hash);
          if (stale !== undefined) return stale.key;
          throw error;
        },
      );
      this.reading.set(hash, pending);
    }
    return pending;
  }
}
