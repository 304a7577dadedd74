import { describe, expect, it } from 'vitest';
import type { ClientKeyRecord } from '../../store/index.js';
import { viewOf } from './admin-keys.js';

const NOW = 1_790_000_000_000;

function key(changes: Partial<ClientKeyRecord> = {}): ClientKeyRecord {
  return {
    id: 'key_a',
    name: 'team-search',
    prefix: 'dtr_Ab3xYz9Q',
    hash: 'f'.repeat(64),
    createdAt: NOW - 1_000,
    scopes: { models: ['m'] },
    metadata: { team: 'search' },
    ...changes,
  };
}

describe('viewOf', () => {
  it('is revoked from the instant of revocation, expired from the instant of expiry, active before', () => {
    expect(viewOf(key({ revokedAt: NOW }), NOW).status).toBe('revoked');
    expect(viewOf(key({ revokedAt: NOW + 1 }), NOW).status).toBe('active');
    expect(viewOf(key({ expiresAt: NOW }), NOW).status).toBe('expired');
    expect(viewOf(key({ expiresAt: NOW + 1 }), NOW).status).toBe('active');
    expect(viewOf(key(), NOW).status).toBe('active');
    // Revoked wins over expired: the operator's act is what the key's owner needs to know.
    expect(viewOf(key({ revokedAt: NOW - 5, expiresAt: NOW - 10 }), NOW).status).toBe('revoked');
    // A revocation set for later does not hide an expiry already past.
    expect(viewOf(key({ revokedAt: NOW + 5, expiresAt: NOW - 10 }), NOW).status).toBe('expired');
  });

  it('shows every field with null for what is not set, and never the hash', () => {
    expect(viewOf(key(), NOW)).toEqual({
      id: 'key_a',
      name: 'team-search',
      prefix: 'dtr_Ab3xYz9Q',
      status: 'active',
      createdAt: NOW - 1_000,
      expiresAt: null,
      revokedAt: null,
      models: ['m'],
      rpm: null,
      tpm: null,
      budget: null,
      metadata: { team: 'search' },
    });
    const limited = viewOf(
      key({
        expiresAt: NOW + 10,
        revokedAt: NOW + 20,
        scopes: { models: [], rpm: 5, tpm: 600, budget: { usd: 2, period: 'day' } },
      }),
      NOW,
    );
    expect(limited).toMatchObject({
      expiresAt: NOW + 10,
      revokedAt: NOW + 20,
      models: [],
      rpm: 5,
      tpm: 600,
      budget: { usd: 2, period: 'day' },
    });
    expect(JSON.stringify(limited)).not.toContain('f'.repeat(64));
  });
});
