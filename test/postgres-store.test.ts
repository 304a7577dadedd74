import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import { type StatusEvent, WebhookNotifier, type WebhookTarget } from '../src/incidents/index.js';
import { PostgresStore, type RequestLogRow } from '../src/store/index.js';
import { admin, createKey } from './support/client-keys.js';
import {
  dropSchema,
  onTestDatabase,
  POSTGRES_TEST_URL,
  requirePostgres,
  uniqueSchema,
} from './support/postgres.js';
import { type Stack, startStack } from './support/start-stack.js';

// Detour started on `store: { postgres: URL }`, as an operator writes it, against a real PostgreSQL
// (a schema of its own, chosen with libpq's `options=-c search_path=…` in the URL). Without a
// server the tests skip with a message, except in CI, where they fail.
const reachable = await requirePostgres();

const ADMIN_KEY = 'admin-key-for-postgres';
let schema: string;
let url: string;
let stack: Stack | undefined;

function config(simUrl: string): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
store: { postgres: "${url}" }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
health: { probes: { enabled: false } }
`;
}

async function chat(current: Stack, key: string | null): Promise<Response> {
  return fetch(`${current.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'echo: hello postgres' }] }),
  });
}

describe.runIf(reachable)('Detour on a PostgreSQL store', () => {
  beforeAll(async () => {
    schema = uniqueSchema('e2e');
    await onTestDatabase((client) => client.query(`CREATE SCHEMA ${schema}`));
    url = `${POSTGRES_TEST_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  });

  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  afterAll(async () => {
    await dropSchema(schema);
  });

  it('logs a chat request readable at GET /admin/requests and serves a key made with POST /admin/keys, across a restart', async () => {
    stack = await startStack({ config, store: 'config' });
    expect(stack.detour.status.store).toBeInstanceOf(PostgresStore);
    const created = await createKey(stack.detour, ADMIN_KEY, { name: 'team-postgres' });
    expect((await chat(stack, null)).status).toBe(401);
    const answer = await chat(stack, created.secret);
    expect(answer.status).toBe(200);
    const requestId = answer.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    await stack.detour.requestLog?.flush();

    const page = await admin(stack.detour, ADMIN_KEY, 'GET', '/admin/requests');
    expect(page.status).toBe(200);
    const rows = page.body.rows as RequestLogRow[];
    expect(rows).toEqual([
      expect.objectContaining({
        id: requestId,
        key: created.key.id,
        requestedModel: 'm',
        deployment: 'a/up-m',
        status: 200,
        outcome: 'success',
      }),
    ]);
    // The rows are in PostgreSQL, in the schema the URL named, not anywhere else.
    const stored = await onTestDatabase(async (client) => ({
      requests: (await client.query(`SELECT id FROM ${schema}.request_log`)).rows.map((row) => row.id),
      keys: (await client.query(`SELECT name FROM ${schema}.client_keys`)).rows.map((row) => row.name),
    }));
    expect(stored).toEqual({ requests: [requestId], keys: ['team-postgres'] });

    // A restart on the same database: the key still works and the log still has the request.
    await stack.close();
    stack = await startStack({ config, store: 'config' });
    const again = await chat(stack, created.secret);
    expect(again.status).toBe(200);
    await stack.detour.requestLog?.flush();
    const after = await admin(stack.detour, ADMIN_KEY, 'GET', '/admin/requests');
    expect((after.body.rows as RequestLogRow[]).map((row) => row.id)).toEqual([
      again.headers.get('x-request-id'),
      requestId,
    ]);
  });

  it('sends each webhook once when two replicas share the outbox', async () => {
    const received: string[] = [];
    const server: Server = createServer((request, response) => {
      received.push(String(request.headers['x-detour-delivery']));
      // A slow receiver, so both replicas' rounds overlap while deliveries are in flight.
      request.resume();
      request.on('end', () => setTimeout(() => response.writeHead(204).end(), 20));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const targets: WebhookTarget[] = [
      {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        format: 'json',
        events: ['component'],
      },
    ];
    const clock = new ManualClock(1_700_000_000_000);
    const replicas = await Promise.all(
      [0, 1].map(() => PostgresStore.open({ url, schema: `${schema}_hooks` })),
    );
    try {
      const notifiers = replicas.map((store) => new WebhookNotifier(store, () => targets, clock));
      for (let index = 0; index < 60; index += 1) {
        const event: StatusEvent = {
          type: 'component.status_changed',
          at: clock.now(),
          component: `m${index}`,
          from: 'operational',
          to: 'major_outage',
        };
        await notifiers[index % 2]!.enqueue(event);
      }
      // Both replicas send rounds at once, again and again, as their timers would.
      await Promise.all(
        notifiers.map(async (notifier) => {
          for (let round = 0; round < 4; round += 1) await notifier.deliverDue();
        }),
      );
      expect(received).toHaveLength(60);
      expect(new Set(received).size).toBe(60);
      expect(await replicas[0]!.listDeliveries({ status: 'delivered', limit: 100 })).toHaveLength(60);
    } finally {
      await Promise.all(replicas.map((store) => store.close()));
      await new Promise((resolve) => server.close(resolve));
      await dropSchema(`${schema}_hooks`);
    }
  });
});
