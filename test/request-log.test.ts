import { afterEach, describe, expect, it, vi } from 'vitest';
import { runRequests, runUsage } from '../src/cli/run-usage.js';
import type { RequestLogRow, UsageBucket } from '../src/store/index.js';
import { SqliteStore } from '../src/store/index.js';
import { type Stack, startStack } from './support/start-stack.js';

const ADMIN_KEY = 'usage-admin-key';

// Health is kept from reacting to the injected failures, so that failovers keep happening through
// the whole run instead of the first host being demoted after a few of them.
function config(simUrl: string, log = ''): string {
  return `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
models:
  m:
    deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ]
  logged:
    deployments: [ { provider: a, model: up-logged } ]
    log: { bodies: true }
health:
  demotion: { failureRate: 1, minRequests: 1000 }
  ejection: { consecutiveFailures: 1000, failureRate: 1, minRequests: 1000 }
  probes: { enabled: false }
${log}
`;
}

/** What the client saw of one request. */
interface Seen {
  id: string;
  status: number;
  deployment: string | null;
  attempts: number;
  stream: boolean;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

async function ask(
  stack: Stack,
  options: { model?: string; stream?: boolean; content?: string; key?: string } = {},
): Promise<Seen> {
  const stream = options.stream ?? false;
  const response = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${options.key ?? 'client-key-1'}`,
    },
    body: JSON.stringify({
      model: options.model ?? 'm',
      messages: [{ role: 'user', content: options.content ?? 'echo: hello there' }],
      stream,
      ...(stream ? { stream_options: { include_usage: true } } : {}),
    }),
  });
  const text = await response.text();
  const seen: Seen = {
    id: response.headers.get('x-request-id') ?? '',
    status: response.status,
    deployment: response.headers.get('x-detour-deployment'),
    attempts: Number(response.headers.get('x-detour-attempts') ?? 1),
    stream,
  };
  if (response.status === 200 && !stream) seen.usage = JSON.parse(text).usage;
  if (response.status === 200 && stream) {
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: {')) continue;
      const chunk = JSON.parse(line.slice('data: '.length));
      if (chunk.usage) seen.usage = chunk.usage;
    }
  }
  return seen;
}

async function admin(stack: Stack, path: string, key: string | null = ADMIN_KEY) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    headers: key === null ? {} : { authorization: `Bearer ${key}` },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Every row of the log through the admin API, page by page. */
async function allRows(stack: Stack, query = ''): Promise<{ rows: RequestLogRow[]; pages: number }> {
  const rows: RequestLogRow[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = query === '' ? '' : '&';
    const page = await admin(
      stack,
      `/admin/requests?limit=50${separator}${query}${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    expect(page.status).toBe(200);
    rows.push(...(page.body.rows as RequestLogRow[]));
    cursor = page.body.nextCursor as string | null;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { rows, pages };
}

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe('request log', () => {
  it('writes one row per request, with the deployment, attempts and tokens the client saw', async () => {
    stack = await startStack({ config: (simUrl) => config(simUrl) });
    const current = stack;
    const seen: Seen[] = [];
    // 200 requests, ten at a time, half streamed; before every third batch host a fails the next
    // three requests (500 before any content), so those fail over to host b inside the request.
    for (let batch = 0; batch < 20; batch += 1) {
      if (batch % 3 === 0)
        current.sim.setFault({ host: 'a', fault: { type: 'status', status: 500 }, times: 3 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          ask(current, { stream: index % 2 === 0, key: index % 4 === 0 ? 'client-key-2' : 'client-key-1' }),
        ),
      );
      seen.push(...answers);
    }
    expect(seen.every((answer) => answer.status === 200)).toBe(true);
    const failedOver = seen.filter((answer) => answer.attempts > 1);
    expect(failedOver.length).toBe(21);
    expect(failedOver.some((answer) => answer.stream)).toBe(true);
    expect(failedOver.some((answer) => !answer.stream)).toBe(true);

    await current.detour.requestLog?.flush();
    const { rows, pages } = await allRows(current);
    expect(pages).toBe(4);
    expect(rows).toHaveLength(200);
    expect(new Set(rows.map((row) => row.id)).size).toBe(200);
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const answer of seen) {
      const row = byId.get(answer.id);
      expect(row, answer.id).toBeDefined();
      if (row === undefined) continue;
      expect(row).toMatchObject({
        surface: 'openai-chat',
        stream: answer.stream,
        requestedModel: 'm',
        answeringModel: 'm',
        deployment: answer.deployment,
        status: 200,
        outcome: 'success',
        finishReason: 'stop',
        costUsd: null,
        tokens: { input: answer.usage?.prompt_tokens, output: answer.usage?.completion_tokens },
      });
      expect(row.tokens.input).toBeGreaterThan(0);
      expect(row.attempts).toHaveLength(answer.attempts);
      expect(row.attempts.at(-1)).toMatchObject({ deployment: answer.deployment, outcome: 'success' });
      if (answer.attempts > 1)
        expect(row.attempts[0]).toMatchObject({ deployment: 'a/up-m', outcome: 'server_error' });
      expect(row.timeToFirstTokenMs === null).toBe(!answer.stream);
      expect(row.key).toMatch(/^sha256:[0-9a-f]{12}$/);
      expect(JSON.stringify(row)).not.toContain('client-key');
    }
    expect(new Set(rows.map((row) => row.key)).size).toBe(2);

    // Usage aggregates are the sums of the rows, for every grouping.
    const sum = (select: (row: RequestLogRow) => number | null) =>
      rows.reduce((total, row) => total + (select(row) ?? 0), 0);
    const usage = await admin(current, '/admin/usage?groupBy=model,deployment,key&period=hour');
    expect(usage.status).toBe(200);
    const buckets = usage.body.usage as UsageBucket[];
    const total = (select: (bucket: UsageBucket) => number) =>
      buckets.reduce((value, bucket) => value + select(bucket), 0);
    expect(total((bucket) => bucket.requests)).toBe(200);
    expect(total((bucket) => bucket.inputTokens)).toBe(sum((row) => row.tokens.input));
    expect(total((bucket) => bucket.outputTokens)).toBe(sum((row) => row.tokens.output));
    for (const bucket of buckets) {
      const members = rows.filter(
        (row) =>
          row.deployment === bucket.deployment &&
          row.key === bucket.key &&
          row.requestedModel === bucket.model,
      );
      expect(bucket.requests).toBe(members.length);
      expect(bucket.inputTokens).toBe(members.reduce((value, row) => value + (row.tokens.input ?? 0), 0));
      const latencies = members.map((row) => row.latencyMs).sort((x, y) => x - y);
      expect(bucket.latencyP50Ms).toBe(latencies[Math.ceil(latencies.length * 0.5) - 1]);
      expect(bucket.latencyP95Ms).toBe(latencies[Math.ceil(latencies.length * 0.95) - 1]);
    }

    // Filters through the API match the rows they select.
    const onB = await allRows(current, 'deployment=b%2Fup-m');
    expect(onB.rows.map((row) => row.id).sort()).toEqual(
      rows
        .filter((row) => row.deployment === 'b/up-m')
        .map((row) => row.id)
        .sort(),
    );
    const keyTwo = rows.find((row) => row.attempts.length > 1)?.key ?? '';
    const byKey = await allRows(current, `key=${encodeURIComponent(keyTwo)}&model=m&status=200`);
    expect(byKey.rows.length).toBe(rows.filter((row) => row.key === keyTwo).length);

    // Tokens per model reach Prometheus too.
    const metrics = await (await fetch(`${current.detour.url}/metrics`)).text();
    expect(metrics).toContain(
      `detour_tokens_total{model="m",type="input"} ${sum((row) => row.tokens.input)}`,
    );
    expect(metrics).toContain('detour_request_log_rows_total{outcome="written"} 200');
  });

  it('records failed and unknown-model requests with their failure class and status', async () => {
    stack = await startStack({ config: (simUrl) => config(simUrl) });
    stack.sim.setFault({ host: '*', fault: { type: 'status', status: 500 }, times: 2 });
    const failed = await ask(stack);
    const unknown = await ask(stack, { model: 'nope' });
    expect([failed.status, unknown.status]).toEqual([502, 404]);
    await stack.detour.requestLog?.flush();
    const failures = await allRows(stack, 'failureClass=server_error');
    expect(failures.rows).toHaveLength(1);
    expect(failures.rows[0]).toMatchObject({
      id: failed.id,
      status: 502,
      outcome: 'server_error',
      deployment: null,
      answeringModel: null,
      tokens: { input: null, output: null },
      attempts: [
        { deployment: 'a/up-m', outcome: 'server_error' },
        { deployment: 'b/up-m', outcome: 'server_error' },
      ],
    });
    const missing = await allRows(stack, 'status=404');
    expect(missing.rows.map((row) => [row.id, row.requestedModel, row.outcome, row.attempts])).toEqual([
      [unknown.id, 'nope', 'client_error', []],
    ]);
    const usage = await admin(stack, '/admin/usage');
    expect(usage.body.usage).toMatchObject([{ requests: 2, errors: 2, errorRate: 1 }]);
  });

  it('never makes a request wait for the store: requests answer while writes hang, then nothing is lost', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let insertCalls = 0;
    class GatedStore extends SqliteStore {
      override async insertRequestLogs(rows: readonly RequestLogRow[]): Promise<void> {
        insertCalls += 1;
        await gate;
        return super.insertRequestLogs(rows);
      }
    }
    const store = new GatedStore({ path: ':memory:' });
    stack = await startStack({
      config: (simUrl) => config(simUrl, 'log: { batchSize: 5, flushInterval: 10ms }'),
      detour: { store },
    });
    const current = stack;
    const answers: Seen[] = [];
    for (let round = 0; round < 6; round += 1) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, index) => ask(current, { stream: index % 3 === 0 })),
        )),
      );
    }
    expect(answers.map((answer) => answer.status)).toEqual(Array(60).fill(200));
    // The writer did try to write (and is stuck in the store), yet every request was answered.
    expect(insertCalls).toBeGreaterThan(0);
    expect((await store.listRequestLogs({ limit: 1000 })).rows).toHaveLength(0);
    release();
    await current.detour.requestLog?.flush();
    const stored = await store.listRequestLogs({ limit: 1000 });
    expect(stored.rows.map((row) => row.id).sort()).toEqual(answers.map((answer) => answer.id).sort());
    expect(current.detour.requestLog?.dropped).toBe(0);
  });

  it('keeps bodies only for a model that opts in, with credentials masked', async () => {
    stack = await startStack({ config: (simUrl) => config(simUrl) });
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz012345';
    const logged = await ask(stack, { model: 'logged', content: `echo: my key is ${secret}` });
    const streamed = await ask(stack, { model: 'logged', stream: true, content: 'echo: streamed' });
    const plain = await ask(stack, { content: 'echo: not kept' });
    await stack.detour.requestLog?.flush();
    const { rows } = await allRows(stack);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const row = byId.get(logged.id);
    expect(row?.requestBody).toContain('my key is [redacted]');
    expect(row?.requestBody).not.toContain(secret);
    expect(row?.responseBody).toContain('[redacted]');
    expect(row?.responseBody).not.toContain(secret);
    expect(byId.get(streamed.id)?.responseBody).toContain('data: ');
    expect(byId.get(plain.id)).toMatchObject({ requestBody: null, responseBody: null });
    for (const stored of rows) expect(JSON.stringify(stored)).not.toContain('client-key-1');
  });

  it('requires the admin key on the request log and usage routes', async () => {
    stack = await startStack({ config: (simUrl) => config(simUrl) });
    for (const path of ['/admin/requests', '/admin/usage']) {
      expect((await admin(stack, path, null)).status).toBe(401);
      const wrong = await admin(stack, path, 'wrong-key');
      expect(wrong.status).toBe(401);
      expect(JSON.stringify(wrong.body)).not.toContain(ADMIN_KEY);
      expect((await admin(stack, path)).status).toBe(200);
    }
    expect((await admin(stack, '/admin/requests?cursor=zzz')).status).toBe(400);
    expect((await admin(stack, '/admin/usage?groupBy=colour')).status).toBe(400);
  });

  it('writes no rows with log.enabled: false, and still counts tokens', async () => {
    stack = await startStack({ config: (simUrl) => config(simUrl, 'log: { enabled: false }') });
    expect(stack.detour.requestLog).toBeUndefined();
    const answer = await ask(stack);
    expect(answer.status).toBe(200);
    expect((await stack.detour.status.store.listRequestLogs({})).rows).toEqual([]);
    const metrics = await (await fetch(`${stack.detour.url}/metrics`)).text();
    expect(metrics).toContain(`detour_tokens_total{model="m",type="input"} ${answer.usage?.prompt_tokens}`);
  });

  it('serves `detour requests` and `detour usage` from the same API, as tables and JSON', async () => {
    stack = await startStack({ config: (simUrl) => config(simUrl) });
    const first = await ask(stack);
    await ask(stack, { stream: true });
    await stack.detour.requestLog?.flush();
    const output: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      output.push(String(chunk));
      return true;
    });
    const common = ['--url', stack.detour.url, '--admin-key', ADMIN_KEY];
    try {
      expect(await runUsage([...common, '--by', 'model', '--json'])).toBe(0);
      expect(await runUsage([...common, '--by', 'model,deployment', '--period', 'day'])).toBe(0);
      expect(await runRequests([...common, '--limit', '1', '--json'])).toBe(0);
      expect(await runRequests([...common, '--model', 'm'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const [usageJson, usageTable, requestsJson, requestsTable] = output;
    expect(JSON.parse(usageJson ?? '{}').usage).toMatchObject([{ model: 'm', requests: 2 }]);
    expect(usageTable?.split('\n')[0]).toMatch(/^PERIOD\s+MODEL\s+DEPLOYMENT\s+REQUESTS\s+ERR%/);
    const page = JSON.parse(requestsJson ?? '{}');
    expect(page.rows).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    expect(requestsTable).toContain(first.id);
    expect(requestsTable?.split('\n').filter((line) => line.includes('a/up-m:success'))).toHaveLength(2);
  });
});
