import { afterEach, describe, expect, it } from 'vitest';
import { type Stack, startStack, twoHostConfig } from './support/start-stack.js';

// Passive quality signals from live traffic (issue 15 item 3), read through GET /admin/quality:
// no bodies are kept, only per-deployment counts.

const ADMIN = 'quality-admin-key';
let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const schema = {
  type: 'object',
  properties: { city: { type: 'string' }, population: { type: 'integer' } },
  required: ['city', 'population'],
};

async function ask(current: Stack, extra: Record<string, unknown>, stream = false): Promise<void> {
  const response = await fetch(`${current.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'm',
      messages: [{ role: 'user', content: 'Describe a city.' }],
      stream,
      ...extra,
    }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

interface QualityRow {
  deployment: string;
  canaries: unknown;
  passive: {
    answers: number;
    lengthShare: number;
    emptyShare: number;
    jsonAnswers: number;
    jsonInvalidShare: number;
  } | null;
}

async function quality(current: Stack): Promise<{ canaries: string; deployments: QualityRow[] }> {
  const response = await fetch(`${current.detour.url}/admin/quality`, {
    headers: { authorization: `Bearer ${ADMIN}` },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { canaries: string; deployments: QualityRow[] };
}

describe('GET /admin/quality: passive signals', () => {
  it('counts JSON answers that break their schema, cut-off answers and streams, per deployment', async () => {
    stack = await startStack({ config: (url) => `server: { adminKey: ${ADMIN} }\n${twoHostConfig(url)}` });
    const format = { response_format: { type: 'json_schema', json_schema: { name: 'city', schema } } };
    for (let index = 0; index < 3; index += 1) await ask(stack, format);
    // The host now answers JSON of the wrong types: the schema check catches it.
    stack.sim.setFault({ host: 'a', fault: { type: 'wrong_answer' }, times: 2 });
    for (let index = 0; index < 2; index += 1) await ask(stack, format);
    await ask(stack, { max_tokens: 2 });
    await ask(stack, {}, true);

    const read = await quality(stack);
    expect(read.canaries).toBe('off');
    const a = read.deployments.find((row) => row.deployment === 'a/up-m');
    expect(a?.canaries).toBeNull();
    expect(a?.passive).toMatchObject({ answers: 7, jsonAnswers: 5, jsonInvalidShare: 0.4, emptyShare: 0 });
    expect(a?.passive?.lengthShare).toBeCloseTo(1 / 7, 5);
    expect(read.deployments.find((row) => row.deployment === 'b/up-m')?.passive).toBeNull();
  });

  it('needs the admin key', async () => {
    stack = await startStack({ config: (url) => `server: { adminKey: ${ADMIN} }\n${twoHostConfig(url)}` });
    expect((await fetch(`${stack.detour.url}/admin/quality`)).status).toBe(401);
  });
});

describe('GET /admin/quality: canaries', () => {
  it('says the canaries are on when the config has a canaries section, with no verdict before a graded run', async () => {
    stack = await startStack({
      config: (url) => `server: { adminKey: ${ADMIN} }\ncanaries: { every: 1h }\n${twoHostConfig(url)}`,
    });
    const read = await quality(stack);
    expect(read.canaries).toBe('on');
    expect(read.deployments.map((row) => row.deployment)).toStrictEqual(['a/up-m', 'b/up-m', 'a/up-solo']);
  });
});
