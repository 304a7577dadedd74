import { afterEach, describe, expect, it } from 'vitest';
import { type ChatRequest, DetourError } from '../core/index.js';
import { createProvider } from '../providers/index.js';
import { type ModelRoute, ModelTable, promptTokensUpperBound } from '../routing/index.js';
import { type BudgetPeriod, type ClientKeyRecord, type KeyScopes, SqliteStore } from '../store/index.js';
import { AccessControl, type AccessControlOptions, AccessRefused, type Admission } from './access-control.js';
import { BudgetGuard } from './budget-guard.js';
import { generateClientKey } from './client-key.js';
import { KeyDirectory } from './key-directory.js';
import { MemoryRateLimiter } from './rate-limiter.js';

/** Tuesday 2026-03-10, noon UTC. */
const NOON = Date.parse('2026-03-10T12:00:00.000Z');
const MIDNIGHT = Date.parse('2026-03-11T00:00:00.000Z');
const TIMEOUT_MS = 30_000;

const provider = createProvider('host', { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:9/v1' });

function route(name: string): ModelRoute {
  return {
    name,
    // $1000 per million output tokens and nothing for input: a request's worst case is max_tokens / 1000 dollars.
    deployments: [
      {
        modelName: name,
        provider,
        deploymentId: `host/${name}`,
        upstreamModel: name,
        timeouts: { firstTokenMs: 1_000, idleMs: 1_000 },
        price: { input: 0, output: 1_000 },
      },
    ],
    fallbacks: [],
    totalTimeoutMs: TIMEOUT_MS,
    strategy: 'priority',
  };
}

const table = new ModelTable([route('gpt-x'), route('claude-a')]);

function chat(model: string, maxTokens?: number): ChatRequest {
  return {
    model,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }],
    stream: false,
    metadata: {},
    vendorOptions: {},
    ...(maxTokens === undefined ? {} : { maxTokens }),
  };
}

/** The prompt's tokens as the limiter is told them. */
const PROMPT_TOKENS = Math.ceil(promptTokensUpperBound(chat('gpt-x')) / 4);

const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

class FlakyLedgerStore extends SqliteStore {
  failSumSpend = false;
  override async sumSpend(keyId: string, since: number): Promise<number> {
    if (this.failSumSpend) throw new Error('ledger unreadable');
    return super.sumSpend(keyId, since);
  }
}

function setUp(scopes: Partial<KeyScopes> = {}, options: Partial<AccessControlOptions> = {}) {
  const store = new FlakyLedgerStore({ path: ':memory:' });
  stores.push(store);
  const keys = new KeyDirectory({ store });
  const limiter = new MemoryRateLimiter();
  const budgets = new BudgetGuard({ store });
  const access = new AccessControl({ mode: 'keys', keys, limiter, budgets, ...options });
  const key: ClientKeyRecord = {
    id: 'key_a',
    name: 'team-search',
    prefix: 'dtr_00000000',
    hash: '0'.repeat(64),
    createdAt: NOON - 1_000,
    scopes: { models: [], ...scopes },
    metadata: {},
  };
  const admit = (request: ChatRequest, now = NOON): Promise<Admission> => {
    return access.admit({
      key,
      table,
      route: table.get(request.model) ?? route(request.model),
      request,
      now,
    });
  };
  /** What a token limit of `tpm` has left now, without taking any. */
  const tokensLeft = (tpm: number, now = NOON) => limiter.admit(key.id, { tpm }, 0, now).tokens?.remaining;
  return { store, keys, limiter, budgets, access, key, admit, tokensLeft };
}

/** The refusal an admission throws. */
async function refusal(promise: Promise<unknown>): Promise<AccessRefused> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AccessRefused);
  expect(error).toBeInstanceOf(DetourError);
  return error as AccessRefused;
}

describe('AccessControl.authenticate', () => {
  it('lets every request through without a key when auth is off', async () => {
    const { keys, limiter, budgets } = setUp();
    const open = new AccessControl({ mode: 'off', keys, limiter, budgets });
    expect(open.mode).toBe('off');
    expect(await open.authenticate({}, NOON)).toBeUndefined();
    expect(await open.authenticate({ authorization: 'Bearer dtr_unknown' }, NOON)).toBeUndefined();
  });

  it('finds the key presented as a bearer token or in x-api-key', async () => {
    const { access, store } = setUp();
    const generated = generateClientKey();
    await store.insertClientKey({
      id: 'key_live',
      name: 'live',
      prefix: generated.prefix,
      hash: generated.hash,
      createdAt: NOON,
      scopes: { models: [] },
      metadata: {},
    });
    expect(access.mode).toBe('keys');
    expect((await access.authenticate({ authorization: `Bearer ${generated.secret}` }, NOON))?.id).toBe(
      'key_live',
    );
    expect((await access.authenticate({ 'x-api-key': generated.secret }, NOON))?.id).toBe('key_live');
  });

  it('refuses a request without a key with a 401', async () => {
    const { access } = setUp();
    const error = await access.authenticate({}, NOON).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(DetourError);
    expect((error as DetourError).status).toBe(401);
    expect((error as DetourError).code).toBe('unauthorized');
  });
});

describe('AccessControl.admit', () => {
  it('refuses a model outside the key’s globs with a 403, taking nothing', async () => {
    const { admit } = setUp({ models: ['claude-*'], rpm: 1 });
    const error = await refusal(admit(chat('gpt-x')));
    expect(error.status).toBe(403);
    expect(error.code).toBe('permission_denied');
    expect(error.failureClass).toBe('client_error');
    expect(error.message).toBe("this API key may not use the model 'gpt-x'");
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.headers).toEqual({});
    // The refused request took no request from the limit of one a minute.
    await admit(chat('claude-a'));
  });

  it('admits a request with no limits and no headers', async () => {
    const { admit } = setUp();
    expect((await admit(chat('gpt-x'))).headers).toEqual({});
  });

  it('refuses past the requests per minute with a 429, the wait and the headers', async () => {
    const { admit } = setUp({ rpm: 2 });
    const first = await admit(chat('gpt-x'));
    expect(first.headers).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '1',
      'x-ratelimit-reset-requests': '30s',
    });
    expect((await admit(chat('gpt-x'))).headers['x-ratelimit-remaining-requests']).toBe('0');
    const error = await refusal(admit(chat('gpt-x')));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.failureClass).toBe('rate_limited');
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.message).toBe('rate limit reached for this API key: 2 requests per minute');
    expect(error.headers).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '1m0s',
    });
    await admit(chat('gpt-x'), NOON + 30_000);
  });

  it('takes the prompt estimate plus max_tokens from the tokens per minute', async () => {
    const { admit } = setUp({ tpm: 10_000 });
    const withMax = await admit(chat('gpt-x', 100));
    expect(withMax.headers['x-ratelimit-remaining-tokens']).toBe(String(10_000 - PROMPT_TOKENS - 100));
    const withoutMax = await admit(chat('gpt-x'));
    expect(withoutMax.headers['x-ratelimit-remaining-tokens']).toBe(String(10_000 - 2 * PROMPT_TOKENS - 100));
    expect(withoutMax.headers['x-ratelimit-limit-tokens']).toBe('10000');
  });

  it('refuses past the tokens per minute with the wait until the request fits', async () => {
    const estimated = PROMPT_TOKENS + 100;
    const tpm = 2 * estimated - 1;
    const { admit } = setUp({ tpm });
    await admit(chat('gpt-x', 100));
    const error = await refusal(admit(chat('gpt-x', 100)));
    expect(error.status).toBe(429);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.retryAfterMs).toBe(Math.ceil(60_000 / tpm));
    expect(error.message).toBe(`rate limit reached for this API key: ${tpm} tokens per minute`);
    expect(error.headers['x-ratelimit-remaining-tokens']).toBe(String(estimated - 1));
  });

  it('refuses a request larger than a minute’s tokens, saying so and naming no wait', async () => {
    const { admit } = setUp({ tpm: 50 });
    const error = await refusal(admit(chat('gpt-x', 100)));
    expect(error.status).toBe(429);
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toBe(
      `rate limit reached for this API key: 50 tokens per minute, and this request alone is estimated at ${PROMPT_TOKENS + 100}`,
    );
    expect(error.headers).toEqual({
      'x-ratelimit-limit-tokens': '50',
      'x-ratelimit-remaining-tokens': '50',
      'x-ratelimit-reset-tokens': '0ms',
    });
  });

  it('refuses a request the budget cannot cover with 429 insufficient quota, naming the reset', async () => {
    const { admit, store, tokensLeft } = setUp({ tpm: 10_000, budget: { usd: 1, period: 'day' } });
    await store.recordSpend([{ id: 'earlier', keyId: 'key_a', at: NOON - 1_000, usd: 0.95 }]);
    const error = await refusal(admit(chat('gpt-x', 100)));
    expect(error.status).toBe(429);
    expect(error.code).toBe('budget_exceeded');
    expect(error.failureClass).toBe('quota');
    expect(error.retryAfterMs).toBe(MIDNIGHT - NOON);
    expect(error.message).toBe(
      "this API key's daily budget of $1.00 cannot cover this request (spent $0.9500, $0.0000 held by requests in flight, up to $0.1000 for this one); it resets at 2026-03-11T00:00:00.000Z",
    );
    expect(error.headers['x-ratelimit-limit-tokens']).toBe('10000');
    // The request never ran: its tokens went back.
    expect(tokensLeft(10_000)).toBe(10_000);
    // A smaller one still fits.
    await admit(chat('gpt-x', 50));
  });

  it('names the budget’s period and writes dollars from $1 with cents', async () => {
    const words: [BudgetPeriod, string][] = [
      ['week', 'weekly'],
      ['month', 'monthly'],
    ];
    for (const [period, word] of words) {
      const { admit } = setUp({ budget: { usd: 2.5, period } });
      await admit(chat('gpt-x', 2_000));
      const error = await refusal(admit(chat('gpt-x', 1_234)));
      expect(error.message).toContain(
        `this API key's ${word} budget of $2.50 cannot cover this request (spent $0.0000, $2.00 held by requests in flight, up to $1.23 for this one); it resets at `,
      );
    }
  });

  it('gives no reset time or wait for a total budget', async () => {
    const { admit } = setUp({ budget: { usd: 0.5, period: 'total' } });
    const error = await refusal(admit(chat('gpt-x', 600)));
    expect(error.code).toBe('budget_exceeded');
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.message).toBe(
      "this API key's total budget of $0.5000 cannot cover this request (spent $0.0000, $0.0000 held by requests in flight, up to $0.6000 for this one)",
    );
  });

  it('answers 503 and gives the tokens back when the budget’s spend cannot be read', async () => {
    const { admit, store, tokensLeft } = setUp({ tpm: 10_000, budget: { usd: 1, period: 'day' } });
    store.failSumSpend = true;
    const error = await refusal(admit(chat('gpt-x', 100)));
    expect(error.status).toBe(503);
    expect(error.code).toBe('internal_error');
    expect(error.failureClass).toBe('server_error');
    expect(error.retryAfterMs).toBe(1_000);
    expect(error.message).toBe(
      "this API key's spend could not be read, so its budget cannot be checked; try again",
    );
    expect(error.headers['x-ratelimit-limit-tokens']).toBe('10000');
    expect(tokensLeft(10_000)).toBe(10_000);
  });

  it('holds the worst case against the budget until settled', async () => {
    const { admit, budgets } = setUp({ budget: { usd: 1, period: 'day' } });
    await admit(chat('gpt-x', 600));
    expect(await budgets.snapshot('key_a', { usd: 1, period: 'day' }, NOON)).toMatchObject({
      spentUsd: 0,
      reservedUsd: 0.6,
    });
    await refusal(admit(chat('gpt-x', 500)));
    await admit(chat('gpt-x', 400));
  });

  it('lets an unsettled hold expire after the request’s deadline and a minute’s grace', async () => {
    const { admit } = setUp({ budget: { usd: 1, period: 'day' } });
    await admit(chat('gpt-x', 1_000));
    await refusal(admit(chat('gpt-x', 100), NOON + TIMEOUT_MS + 60_000 - 1));
    await admit(chat('gpt-x', 100), NOON + TIMEOUT_MS + 60_000);
  });

  it('takes the grace it is given', async () => {
    const { admit } = setUp({ budget: { usd: 1, period: 'day' } }, { reservationGraceMs: 5_000 });
    await admit(chat('gpt-x', 1_000));
    await refusal(admit(chat('gpt-x', 100), NOON + TIMEOUT_MS + 4_999));
    await admit(chat('gpt-x', 100), NOON + TIMEOUT_MS + 5_000);
  });
});

describe('Admission.settle', () => {
  it('corrects the tokens taken and replaces the hold with the actual cost, once', async () => {
    const { admit, budgets, store, tokensLeft } = setUp({ tpm: 10_000, budget: { usd: 1, period: 'day' } });
    const admission = await admit(chat('gpt-x', 100));
    expect(tokensLeft(10_000)).toBe(10_000 - PROMPT_TOKENS - 100);
    admission.settle({ tokens: PROMPT_TOKENS + 500, costUsd: 0.25 }, NOON);
    admission.settle({ tokens: PROMPT_TOKENS + 500, costUsd: 0.25 }, NOON);
    expect(tokensLeft(10_000)).toBe(10_000 - PROMPT_TOKENS - 500);
    expect(await budgets.snapshot('key_a', { usd: 1, period: 'day' }, NOON)).toMatchObject({
      spentUsd: 0.25,
      reservedUsd: 0,
    });
    await budgets.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.25);
  });

  it('gives back the tokens the answer did not use', async () => {
    const { admit, tokensLeft } = setUp({ tpm: 10_000 });
    const admission = await admit(chat('gpt-x', 1_000));
    admission.settle({ tokens: 10, costUsd: 0 }, NOON);
    expect(tokensLeft(10_000)).toBe(9_990);
  });

  it('records the cost of a key without a budget nowhere', async () => {
    const { admit, budgets, store } = setUp({ tpm: 10_000 });
    (await admit(chat('gpt-x', 100))).settle({ tokens: 1, costUsd: 0.5 }, NOON);
    await budgets.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0);
  });

  it('records each admitted request’s cost once, however often its admission is settled', async () => {
    const { access, key, budgets, store } = setUp({ budget: { usd: 1, period: 'day' } });
    const input = { key, table, route: route('gpt-x'), request: chat('gpt-x', 100), now: NOON };
    const first = await access.admit(input);
    first.settle({ tokens: 1, costUsd: 0.25 }, NOON);
    first.settle({ tokens: 1, costUsd: 0.25 }, NOON);
    (await access.admit(input)).settle({ tokens: 1, costUsd: 0.125 }, NOON);
    await budgets.close();
    expect(await store.sumSpend('key_a', 0)).toBe(0.375);
  });
});
