import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/index.js';
import { createKey } from './support/client-keys.js';
import { deletePrefix, REDIS_TEST_URL, requireRedis, uniquePrefix } from './support/redis.js';
import { type Stack, startStack } from './support/start-stack.js';

// Two gateways as two replicas of one deployment: one store (as PostgreSQL would be), one Redis
// under a key prefix of this run's own, `state: { redis }` written as an operator would.
const reachable = await requireRedis();

const ADMIN_KEY = 'admin-key-for-shared-limits';
const PREFIX = uniquePrefix('shared-limits');

/** One store shared by both gateways, closed once at the end rather than by each gateway. */
class SharedStore extends SqliteStore {
  override async close(): Promise<void> {}
  closeForGood(): Promise<void> {
    return super.close();
  }
}

function config(simUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
state: { redis: ${REDIS_TEST_URL}, keyPrefix: "${PREFIX}" }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
health: { probes: { enabled: false } }
`;
}

describe.runIf(reachable)('two replicas on one Redis', () => {
  const store = new SharedStore({ path: ':memory:' });
  const stacks: Stack[] = [];

  beforeAll(async () => {
    for (let index = 0; index < 2; index += 1) {
      const stack = await startStack({ config, detour: { store } });
      stacks.push(stack);
      const shared = stack.detour.access.shared;
      if (shared !== undefined && !shared.up) await once(shared.client, 'ready');
    }
  });

  afterAll(async () => {
    for (const stack of stacks) await stack.close();
    await store.closeForGood();
    await deletePrefix(PREFIX);
  });

  it('share one key’s requests per minute: a concurrent burst across both admits exactly the limit', async () => {
    const [first, second] = stacks;
    if (first === undefined || second === undefined) throw new Error('two stacks expected');
    expect(first.detour.access.shared?.up).toBe(true);
    expect(second.detour.access.shared?.up).toBe(true);
    const created = await createKey(first.detour, ADMIN_KEY, { name: 'shared', rpm: 5 });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, index) => {
        const stack = index % 2 === 0 ? first : second;
        const answer = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${created.secret}` },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: hi' }] }),
        });
        await answer.arrayBuffer();
        return answer.status;
      }),
    );
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  });
});
