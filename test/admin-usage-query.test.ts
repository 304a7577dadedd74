import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogRow, UsageBucket } from '../src/store/index.js';
import { type Stack, startStack } from './support/start-stack.js';

// Every filter of `GET /admin/requests` and `GET /admin/usage` (README "Request log and usage")
// reaches the store: rows that differ in one field each are written straight to the store, and each
// filter must pick out exactly its own.

const ADMIN = 'usage-query-admin';
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 30, 10);
let stack: Stack;

function row(id: string, changes: Partial<RequestLogRow>): RequestLogRow {
  return {
    id,
    time: T0,
    key: 'sha256:aaaaaaaaaaaa',
    surface: 'openai-chat',
    stream: false,
    requestedModel: 'm',
    answeringModel: 'm',
    deployment: 'a/up-m',
    attempts: [],
    status: 200,
    outcome: 'success',
    finishReason: 'stop',
    tokens: { input: 10, output: 5, cached: null, reasoning: null },
    costUsd: null,
    latencyMs: 100,
    timeToFirstTokenMs: null,
    routeReason: null,
    requestBody: null,
    responseBody: null,
    ...changes,
  };
}

// One row per filter, each differing from the plain ones in that field only.
const special = [
  row('early', { time: T0 - 2 * HOUR }),
  row('late', { time: T0 + 2 * HOUR }),
  row('other-model', { requestedModel: 'solo', answeringModel: 'solo' }),
  row('other-deployment', { deployment: 'b/up-m' }),
  row('other-key', { key: 'sha256:bbbbbbbbbbbb' }),
  row('failed', { status: 502, outcome: 'server_error', deployment: null, answeringModel: null }),
];
const plain = Array.from({ length: 104 }, (_, index) => row(`plain-${index}`, { time: T0 + index }));

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
`,
  });
  await stack.detour.status.store.insertRequestLogs([...special, ...plain]);
});

afterAll(async () => {
  await stack.close();
});

async function admin(path: string) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function ids(query: string): Promise<string[]> {
  const answer = await admin(`/admin/requests?limit=1000&${query}`);
  expect(answer.status).toBe(200);
  return (answer.body.rows as RequestLogRow[]).map((entry) => entry.id).sort();
}

async function requests(query: string): Promise<number> {
  const answer = await admin(`/admin/usage?${query}`);
  expect(answer.status).toBe(200);
  return (answer.body.usage as UsageBucket[]).reduce((total, bucket) => total + bucket.requests, 0);
}

describe('request log filters', () => {
  it('picks out each row by its own field, on both routes', async () => {
    const cases: Array<[string, string[]]> = [
      ['model=solo', ['other-model']],
      ['deployment=b/up-m', ['other-deployment']],
      ['key=sha256:bbbbbbbbbbbb', ['other-key']],
      ['status=502', ['failed']],
      ['failureClass=server_error', ['failed']],
      [`to=${T0 - HOUR}`, ['early']],
      [`from=${T0 + HOUR}`, ['late']],
      [`from=${new Date(T0 + HOUR).toISOString()}`, ['late']],
      [`to=${encodeURIComponent(new Date(T0 - HOUR).toISOString().replace('Z', '+00:00'))}`, ['early']],
    ];
    for (const [query, expected] of cases) {
      expect(await ids(query), query).toEqual(expected);
      expect(await requests(query), query).toBe(expected.length);
    }
    expect(await requests('')).toBe(110);
  });

  it('answers 100 rows by default, newest first, with a cursor to the rest', async () => {
    const first = await admin('/admin/requests');
    const rows = first.body.rows as RequestLogRow[];
    expect(rows).toHaveLength(100);
    expect(rows[0]?.id).toBe('late');
    const rest = await admin(`/admin/requests?limit=1000&cursor=${String(first.body.nextCursor)}`);
    expect((rest.body.rows as RequestLogRow[]).length).toBe(10);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('groups and buckets usage as asked', async () => {
    const byModel = (await admin('/admin/usage?groupBy=model,')).body.usage as UsageBucket[];
    expect(byModel.map((bucket) => [bucket.model, bucket.requests]).sort()).toEqual([
      ['m', 109],
      ['solo', 1],
    ]);
    const hourly = (await admin('/admin/usage?period=hour')).body.usage as UsageBucket[];
    expect(hourly.map((bucket) => bucket.periodStart).sort()).toEqual([T0 - 2 * HOUR, T0, T0 + 2 * HOUR]);
    const total = (await admin('/admin/usage')).body.usage as UsageBucket[];
    expect(total).toHaveLength(1);
    expect(total[0]?.periodStart).toBeNull();
  });

  it('refuses a bad value naming the field', async () => {
    for (const [query, field] of [
      ['status=99', 'status'],
      ['from=yesterday', 'from'],
      ['limit=0', 'limit'],
      ['groupBy=colour', 'groupBy.0'],
      ['period=week', 'period'],
      ['colour=red', ''],
    ] as const) {
      const requests = query.startsWith('limit');
      const answer = await admin(`${requests ? '/admin/requests' : '/admin/usage'}?${query}`);
      expect(answer.status, query).toBe(400);
      const error = answer.body.error as { message: string; param?: string };
      // The message says which query and which field; an unknown key has no field to name.
      const what = requests ? 'request log query' : 'usage query';
      expect(error.message.startsWith(field === '' ? `${what}: ` : `${what}: ${field}: `), query).toBe(true);
      expect(error.param, query).toBe(field === '' ? null : field);
    }
    const cursor = await admin('/admin/requests?cursor=zzz');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatchObject({ param: 'cursor' });
    expect((cursor.body.error as { message: string }).message).toMatch(/^request log query: /);
  });
});
