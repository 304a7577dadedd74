/**
 * `npm run bench:request-log`: SQLite work per request-log row, with request ids as Detour makes
 * them now (time first, then random) against fully random ids as before. Rows are inserted in
 * batches of 500 into an in-memory SQLite store through the store's own `insertRequestLogs`, five
 * rounds of 50,000 rows each, the two id schemes alternating; prints the µs per row of each round
 * and the medians. CPU-bound on one core: compare the two columns of one run, not runs of two days.
 */
import { randomBytes } from 'node:crypto';
import { newRequestId } from '../src/core/index.js';
import { type RequestLogRow, SqliteStore } from '../src/store/index.js';

const ROWS = 50_000;
const BATCH = 500;
const ROUNDS = 5;

function row(id: string, time: number, index: number): RequestLogRow {
  return {
    id,
    time,
    key: `key_${index % 50}`,
    surface: 'openai-chat',
    stream: index % 2 === 0,
    requestedModel: `model-${index % 10}`,
    answeringModel: `model-${index % 10}`,
    deployment: `provider-${index % 4}/model-${index % 10}`,
    attempts: [{ deployment: `provider-${index % 4}/model-${index % 10}`, outcome: 'success', latencyMs: 3 }],
    status: 200,
    outcome: 'success',
    finishReason: 'stop',
    tokens: { input: 12, output: 24, cached: null, reasoning: null },
    costUsd: 0.00012,
    latencyMs: 3,
    timeToFirstTokenMs: null,
    routeReason: null,
    requestBody: null,
    responseBody: null,
  };
}

async function microsPerRow(ids: (time: number) => string): Promise<number> {
  const store = new SqliteStore({ path: ':memory:' });
  const start = Date.now();
  const rows = Array.from({ length: ROWS }, (_, index) => row(ids(start + index), start + index, index));
  const began = process.hrtime.bigint();
  for (let index = 0; index < ROWS; index += BATCH)
    await store.insertRequestLogs(rows.slice(index, index + BATCH));
  const elapsed = Number(process.hrtime.bigint() - began) / 1_000;
  await store.close();
  return elapsed / ROWS;
}

const schemes = {
  'time-ordered ids (now)': (time: number) => newRequestId(time),
  'random ids (before)': () => `req_${randomBytes(12).toString('hex')}`,
};
const results: Record<string, number[]> = {};
for (let round = 1; round <= ROUNDS; round += 1) {
  for (const [name, ids] of Object.entries(schemes)) {
    const micros = await microsPerRow(ids);
    results[name] = [...(results[name] ?? []), micros];
    process.stdout.write(`round ${round} ${name}: ${micros.toFixed(2)} µs/row\n`);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
for (const [name, values] of Object.entries(results))
  process.stdout.write(
    `median ${name}: ${median(values).toFixed(2)} µs/row (${values.map((v) => v.toFixed(1)).join(', ')})\n`,
  );
