import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/store/index.js';
import { admin, createKey } from './support/client-keys.js';
import { OffsetClock } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// Scenario 28 in one process: a key with a $1.00 budget and 50 concurrent requests. Spend never
// passes the budget (every admitted request reserved its worst case first), the rest get 429
// insufficient_quota, an unsettled reservation expires, and a restart neither resets nor doubles
// the recorded spend. Budget alerts at 50 / 80 / 100 % go out through the webhook outbox once each.

const ADMIN_KEY = 'admin-key-for-budgets';
const folder = mkdtempSync(join(tmpdir(), 'detour-budget-'));
const hookEvents: Array<Record<string, unknown>> = [];
let hook: Server;
let hookUrl: string;

beforeAll(async () => {
  hook = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => {
      text += String(chunk);
    });
    request.on('end', () => {
      hookEvents.push(JSON.parse(text) as Record<string, unknown>);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => hook.close(() => resolve()));
  rmSync(folder, { recursive: true, force: true });
});

/** Model `m` priced so a request costs a few cents; `out` prices output only. */
function config(simUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  m: { deployments: [ { provider: a, model: up-m, price: { input: 1000, output: 2000 } } ] }
  out: { deployments: [ { provider: a, model: up-out, price: { input: 0, output: 2000 } } ] }
timeouts: { total: 10s }
webhooks: [ { url: ${hookUrl}, events: [alert] } ]
`;
}

const PROMPT = 'echo: one two three four five six seven eight nine ten';

async function chat(stack: Stack, secret: string, model = 'm', signal?: AbortSignal) {
  const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: PROMPT }] }),
    ...(signal === undefined ? {} : { signal }),
  });
  const body = (await response.json()) as { error?: { code?: string; message?: string } };
  return { status: response.status, headers: response.headers, body };
}

interface Spend {
  spentUsd: number;
  reservedUsd: number;
  limitUsd: number;
  periodEnd?: number;
}

async function spendOf(stack: Stack, id: string): Promise<Spend> {
  const shown = await admin(stack.detour, ADMIN_KEY, 'GET', `/admin/keys/${id}`);
  return (shown.body.key as { spend: Spend }).spend;
}

async function ledgerSpend(stack: Stack, id: string): Promise<number> {
  await stack.detour.access.budgets.flush();
  return stack.detour.access.store.sumSpend(id, 0);
}

describe('scenario 28: a $1.00 budget under 50 concurrent requests', () => {
  it('never records more than the budget, and refuses the rest with 429 insufficient_quota', async () => {
    const stack = await startStack({ config: config });
    try {
      const { key, secret } = await createKey(stack.detour, ADMIN_KEY, {
        name: 'fifty',
        budget: { usd: 1, period: 'month' },
      });
      // Every request is held upstream long enough for all 50 to be in flight together.
      stack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 400 } });
      const answers = await Promise.all(Array.from({ length: 50 }, () => chat(stack, secret)));
      const admitted = answers.filter((answer) => answer.status === 200);
      const refused = answers.filter((answer) => answer.status !== 200);
      const costs = admitted.map((answer) => Number(answer.headers.get('x-detour-cost-usd')));
      // Each request costs 2.5 cents: with no reservations all 50 would run and spend $1.25.
      expect(costs.every((cost) => cost > 0.02)).toBe(true);
      expect(admitted.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) {
        expect(answer.status).toBe(429);
        expect(answer.body.error).toMatchObject({ code: 'insufficient_quota' });
        expect(answer.body.error?.message).toContain('budget of $1.00');
        // Until the month's budget resets.
        expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      const recorded = await ledgerSpend(stack, key.id);
      const total = costs.reduce((sum, cost) => sum + cost, 0);
      expect(recorded).toBeCloseTo(total, 9);
      expect(recorded).toBeLessThanOrEqual(1);
      const spend = await spendOf(stack, key.id);
      expect(spend.spentUsd).toBeCloseTo(total, 9);
      expect(spend.reservedUsd).toBe(0);

      // Sequentially, requests keep being admitted while the worst case fits, and never past $1.00.
      stack.sim.clearFaults();
      let last = 200;
      for (let index = 0; index < 40 && last === 200; index += 1) last = (await chat(stack, secret)).status;
      expect(last).toBe(429);
      expect(await ledgerSpend(stack, key.id)).toBeLessThanOrEqual(1);
    } finally {
      await stack.close();
    }
  });

  it('holds a reservation while its request runs, and lets it expire if the request never settles', async () => {
    const clock = new OffsetClock();
    const stack = await startStack({ config: config, detour: { clock } });
    try {
      const { key, secret } = await createKey(stack.detour, ADMIN_KEY, {
        name: 'expiry',
        budget: { usd: 0.12, period: 'total' },
      });
      stack.sim.setFault({ host: 'a', fault: { type: 'latency', ms: 60_000 }, times: 1 });
      const abort = new AbortController();
      const hanging = chat(stack, secret, 'm', abort.signal).catch(() => undefined);
      // Wait until the hanging request holds its reservation.
      let held: Spend = await spendOf(stack, key.id);
      while (held.reservedUsd === 0) held = await spendOf(stack, key.id);
      expect(held.reservedUsd).toBeGreaterThan(0.06);
      expect((await chat(stack, secret)).status).toBe(429);
      // Editing the key's budget keeps what requests in flight hold, a new period included.
      for (const budget of [
        { usd: 0.13, period: 'total' },
        { usd: 0.12, period: 'day' },
      ]) {
        const patched = await admin(stack.detour, ADMIN_KEY, 'PATCH', `/admin/keys/${key.id}`, { budget });
        expect(patched.status).toBe(200);
        expect((await spendOf(stack, key.id)).reservedUsd).toBeCloseTo(held.reservedUsd, 12);
        expect((await chat(stack, secret)).status).toBe(429);
      }
      // Past the request's deadline (10 s) and the grace (60 s), the hold is gone, as if its request had crashed.
      clock.advance(71_000);
      expect((await spendOf(stack, key.id)).reservedUsd).toBe(0);
      expect((await chat(stack, secret)).status).toBe(200);
      abort.abort();
      await hanging;
    } finally {
      await stack.close();
    }
  });

  it('neither resets nor doubles the recorded spend across a restart', async () => {
    const path = join(folder, 'restart.db');
    const first = await startStack({ config: config, detour: { store: new SqliteStore({ path }) } });
    let id: string;
    let secret: string;
    let before: number;
    try {
      const created = await createKey(first.detour, ADMIN_KEY, {
        name: 'restart',
        budget: { usd: 0.5, period: 'day' },
      });
      id = created.key.id;
      secret = created.secret;
      for (let index = 0; index < 3; index += 1) expect((await chat(first, secret)).status).toBe(200);
      before = (await spendOf(first, id)).spentUsd;
      expect(before).toBeGreaterThan(0.05);
    } finally {
      await first.close();
    }
    const second = await startStack({ config: config, detour: { store: new SqliteStore({ path }) } });
    try {
      expect((await spendOf(second, id)).spentUsd).toBeCloseTo(before, 9);
      const answer = await chat(second, secret);
      expect(answer.status).toBe(200);
      const after = (await spendOf(second, id)).spentUsd;
      expect(after).toBeCloseTo(before + Number(answer.headers.get('x-detour-cost-usd')), 9);
      expect(await ledgerSpend(second, id)).toBeCloseTo(after, 9);
    } finally {
      await second.close();
    }
  });

  it('sends a budget alert at 50, 80 and 100 % once each, naming the key but never its secret', async () => {
    const stack = await startStack({ config: config });
    try {
      // Output-only price and answers cut at max_tokens: each request costs exactly its worst case, 1 cent.
      const { key, secret } = await createKey(stack.detour, ADMIN_KEY, {
        name: 'alerts',
        budget: { usd: 0.05, period: 'week' },
      });
      hookEvents.length = 0;
      const statuses = [];
      for (let index = 0; index < 6; index += 1) statuses.push((await chat(stack, secret, 'out')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      await stack.detour.access.budgets.flush();
      await stack.detour.status.notifier.deliverDue();
      const budgetEvents = hookEvents.filter((event) => event.type === 'budget.threshold');
      expect(budgetEvents.map((event) => event.threshold)).toEqual([0.5, 0.8, 1]);
      expect(budgetEvents[0]).toMatchObject({
        key: { id: key.id, name: 'alerts', prefix: key.prefix },
        limitUsd: 0.05,
        period: 'week',
      });
      expect(JSON.stringify(hookEvents)).not.toContain(secret);
    } finally {
      await stack.close();
    }
  });
});
