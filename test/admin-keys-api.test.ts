import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { admin, createKey } from './support/client-keys.js';
import { type Stack, withStack } from './support/start-stack.js';

// The client-key admin API's own edges over HTTP (README "Client keys"): what a PATCH changes and
// keeps, a second revoke, the secret's answers never cached, and the errors' texts. Each test starts
// its own gateway on a manual clock, so revocation times are exact.

const ADMIN_KEY = 'admin-keys-api';
const T0 = 1_800_000_000_000;

/** Runs `run` on a gateway of its own, on a manual clock at {@link T0}. */
async function withKeysStack(run: (stack: Stack, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = new ManualClock(T0);
  await withStack(
    {
      config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
health: { probes: { enabled: false } }
`,
      detour: { clock },
    },
    (stack) => run(stack, clock),
  );
}

describe('client keys over the admin API', () => {
  it('PATCH changes the fields it names and keeps the others', async () => {
    await withKeysStack(async (stack) => {
      const made = await createKey(stack.detour, ADMIN_KEY, {
        name: 'before',
        rpm: 10,
        tpm: 1_000,
        budget: { usd: 5, period: 'month' },
        metadata: { team: 'a' },
        expiresAt: T0 + 86_400_000,
      });
      const id = made.key.id;
      const renamed = await admin(stack.detour, ADMIN_KEY, 'PATCH', `/admin/keys/${id}`, {
        name: 'after',
        metadata: { team: 'b' },
      });
      expect(renamed.status).toBe(200);
      expect(renamed.body.key).toMatchObject({
        name: 'after',
        metadata: { team: 'b' },
        rpm: 10,
        tpm: 1_000,
        budget: { usd: 5, period: 'month' },
        expiresAt: T0 + 86_400_000,
      });
      // `null` removes a limit; what is absent stays.
      const lifted = await admin(stack.detour, ADMIN_KEY, 'PATCH', `/admin/keys/${id}`, { rpm: null });
      expect(lifted.body.key).toMatchObject({
        name: 'after',
        rpm: null,
        tpm: 1_000,
        expiresAt: T0 + 86_400_000,
      });
      const shown = await admin(stack.detour, ADMIN_KEY, 'GET', `/admin/keys/${id}`);
      expect(shown.body.key).toMatchObject({ name: 'after', metadata: { team: 'b' }, rpm: null, tpm: 1_000 });
    });
  });

  it('keeps the first revocation time when a key is revoked again', async () => {
    await withKeysStack(async (stack, clock) => {
      const { key } = await createKey(stack.detour, ADMIN_KEY, { name: 'doomed' });
      const first = await admin(stack.detour, ADMIN_KEY, 'POST', `/admin/keys/${key.id}/revoke`);
      expect(first.body.key).toMatchObject({ status: 'revoked', revokedAt: T0 });
      clock.advance(60_000);
      const again = await admin(stack.detour, ADMIN_KEY, 'POST', `/admin/keys/${key.id}/revoke`);
      expect(again.status).toBe(200);
      expect(again.body.key).toMatchObject({ status: 'revoked', revokedAt: T0 });
      const rotated = await admin(stack.detour, ADMIN_KEY, 'POST', `/admin/keys/${key.id}/rotate`);
      expect(rotated.status).toBe(409);
      expect(rotated.body).toMatchObject({ error: { message: 'a revoked key cannot be rotated' } });
    });
  });

  it('answers a new secret with cache-control: no-store, on create and on rotate', async () => {
    await withKeysStack(async (stack) => {
      const post = (path: string, body: unknown) =>
        fetch(`${stack.detour.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const created = await post('/admin/keys', { name: 'cached?' });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const { key } = (await created.json()) as { key: { id: string } };
      const rotated = await post(`/admin/keys/${key.id}/rotate`, {});
      expect(rotated.status).toBe(200);
      expect(rotated.headers.get('cache-control')).toBe('no-store');
      const listed = await fetch(`${stack.detour.url}/admin/keys`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      });
      expect(listed.headers.get('cache-control')).toBeNull();
    });
  });

  it('names the key, the field and the body in its errors', async () => {
    await withKeysStack(async (stack) => {
      const missing = await admin(stack.detour, ADMIN_KEY, 'GET', '/admin/keys/key_nope');
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ error: { message: 'no client key "key_nope"', param: 'id' } });
      const badCreate = await admin(stack.detour, ADMIN_KEY, 'POST', '/admin/keys', { name: 'x', rpm: 0 });
      expect(badCreate.status).toBe(400);
      expect(badCreate.body).toMatchObject({ error: { param: 'rpm' } });
      expect((badCreate.body.error as { message: string }).message).toMatch(/^client key: rpm: /);
      const { key } = await createKey(stack.detour, ADMIN_KEY, { name: 'ok' });
      const badUpdate = await admin(stack.detour, ADMIN_KEY, 'PATCH', `/admin/keys/${key.id}`, { tpm: -1 });
      expect(badUpdate.status).toBe(400);
      expect((badUpdate.body.error as { message: string }).message).toMatch(/^client key: tpm: /);
    });
  });
});
