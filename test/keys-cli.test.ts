import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { KEYS_USAGE, runKeys } from '../src/cli/run-keys.js';
import { ManualClock } from '../src/core/index.js';
import type { ClientKeyView } from '../src/server/routes/admin-keys.js';
import { type Stack, startStack } from './support/start-stack.js';

const ADMIN_KEY = 'admin-keys-cli-secret';
/** A fixed time: the key cache never ages, so a refusal right after a change comes from its invalidation. */
const NOW = Date.UTC(2026, 10, 30, 12);
const clock = new ManualClock(NOW);
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    // Model `m` has a price so a budgeted key's spend moves; `solo` is outside the scopes used below.
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
models:
  m:
    deployments: [ { provider: a, model: up-m, price: { input: 1, output: 2 } } ]
  solo:
    deployments: [ { provider: a, model: up-solo } ]
health: { probes: { enabled: false } }
`,
    detour: { clock },
  });
});

afterAll(async () => {
  await stack.close();
});

afterEach(() => {
  vi.unstubAllEnvs();
});

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `detour keys …` in this process and captures what it writes (the network is real). */
async function keys(argv: string[], connection: string[] = connect()): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await runKeys([...argv, ...connection]);
    return { code, stdout, stderr };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}

function connect(adminKey = ADMIN_KEY): string[] {
  return ['--url', stack.detour.url, '--admin-key', adminKey];
}

/** The value of a `label:   value` line of `detour keys show/create`. */
function field(output: string, label: string): string | undefined {
  return new RegExp(`^${label}: +(.*)$`, 'm').exec(output)?.[1];
}

/** Creates a key through the CLI; returns its id, its secret and what was printed. */
async function createKey(
  name: string,
  options: string[] = [],
): Promise<{ id: string; secret: string; run: CliRun }> {
  const run = await keys(['create', name, ...options]);
  expect(run).toMatchObject({ code: 0, stderr: '' });
  const id = field(run.stdout, 'id');
  const secret = field(run.stdout, 'key');
  if (id === undefined || secret === undefined) throw new Error(`no id or key in:\n${run.stdout}`);
  return { id, secret, run };
}

function client(secret: string): OpenAI {
  return new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: secret, maxRetries: 0 });
}

function chat(secret: string, model = 'm') {
  return client(secret).chat.completions.create({
    model,
    messages: [{ role: 'user', content: 'echo: hello' }],
  });
}

/** The SDK's error for a request that must fail. */
async function refusal(secret: string, model = 'm'): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await chat(secret, model).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

/** What the admin routes answer; each test reads the fields its route and status carry. */
interface AdminAnswer {
  key: ClientKeyView;
  keys: ClientKeyView[];
  secret: string;
  error: { message: string; param?: string };
}

async function admin(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as AdminAnswer };
}

describe('runKeys', () => {
  it('creates a key with every scope, prints its secret once, and the key works with the OpenAI SDK', async () => {
    const { id, secret, run } = await createKey('search-bot', [
      '--models',
      'gpt-*,m',
      '--rpm',
      '10',
      '--tpm',
      '1000',
      '--budget',
      '5/month',
      '--expires',
      '2027-01-01T00:00:00Z',
      '--meta',
      'team=search',
      '--meta',
      'app=x',
    ]);
    expect(secret).toMatch(/^dtr_[0-9A-Za-z]{43}$/);
    expect(run.stdout.split(secret)).toHaveLength(2);
    expect(run.stdout).toContain('This is the only time the key is shown');
    expect(id).toMatch(/^key_/);
    expect(field(run.stdout, 'name')).toBe('search-bot');
    expect(field(run.stdout, 'prefix')).toBe(`${secret.slice(0, 12)}…`);
    expect(field(run.stdout, 'status')).toBe('active');
    expect(field(run.stdout, 'models')).toBe('gpt-*, m');
    expect(field(run.stdout, 'limits')).toBe('10 rpm, 1000 tpm, $5/month');
    expect(field(run.stdout, 'expires')).toBe('2027-01-01T00:00:00.000Z');
    expect(field(run.stdout, 'created')).toBe(new Date(NOW).toISOString());
    expect(field(run.stdout, 'metadata')).toBe('team=search, app=x');

    // What the server stored, not only what the CLI printed.
    const stored = await admin('GET', `/admin/keys/${id}`);
    expect(stored.body.key).toMatchObject({
      models: ['gpt-*', 'm'],
      rpm: 10,
      tpm: 1000,
      budget: { usd: 5, period: 'month' },
      expiresAt: Date.UTC(2027, 0, 1),
      metadata: { team: 'search', app: 'x' },
    });

    const completion = await chat(secret);
    expect(completion.choices[0]?.message.content).toBeTruthy();
    // The scopes hold: `solo` matches neither `gpt-*` nor `m`.
    expect((await refusal(secret, 'solo')).status).toBe(403);
  });

  it.each([
    ['2027-01-31', Date.UTC(2027, 0, 31)],
    ['2027-01-31T18:00:00+02:00', Date.UTC(2027, 0, 31, 16)],
    ['2027-01-31T18:00Z', Date.UTC(2027, 0, 31, 18)],
  ])('takes --expires %s as an ISO 8601 date or time', async (text, expected) => {
    const { id, run } = await createKey(`expires-${expected}`, ['--expires', text]);
    expect(field(run.stdout, 'expires')).toBe(new Date(expected).toISOString());
    expect((await admin('GET', `/admin/keys/${id}`)).body.key.expiresAt).toBe(expected);
  });

  it('prints the key and its secret as JSON with --json', async () => {
    const run = await keys(['create', 'json-bot', '--rpm', '3', '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { key: Record<string, unknown>; secret: string };
    expect(body.secret).toMatch(/^dtr_[0-9A-Za-z]{43}$/);
    expect(body.key).toMatchObject({ name: 'json-bot', rpm: 3, prefix: body.secret.slice(0, 12) });
    expect(body.key).not.toHaveProperty('hash');
  });

  it('lists keys with id and prefix, never the secret', async () => {
    const { id, secret } = await createKey('list-bot', ['--models', 'm', '--rpm', '5']);
    const run = await keys(['list']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual([
      'ID',
      'NAME',
      'PREFIX',
      'STATUS',
      'MODELS',
      'LIMITS',
      'EXPIRES',
      'CREATED',
    ]);
    const row = rows.find((line) => line.startsWith(`${id} `));
    expect(row?.split(/\s{2,}/)).toEqual([
      id,
      'list-bot',
      `${secret.slice(0, 12)}…`,
      'active',
      'm',
      '5 rpm',
      '-',
      new Date(NOW).toISOString(),
    ]);
    expect(run.stdout).not.toContain(secret.slice(0, 13));
  });

  it('lists keys as JSON with --json, without secrets or hashes', async () => {
    const { id, secret } = await createKey('list-json-bot');
    const run = await keys(['list', '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { keys: Array<Record<string, unknown>> };
    expect(body.keys.find((key) => key.id === id)).toMatchObject({
      name: 'list-json-bot',
      prefix: secret.slice(0, 12),
      status: 'active',
      models: [],
      rpm: null,
      budget: null,
    });
    expect(run.stdout).not.toContain(secret.slice(0, 13));
    for (const key of body.keys) expect(key).not.toHaveProperty('hash');
  });

  it("shows a budgeted key's spend this period, before and after a request", async () => {
    const { id, secret } = await createKey('budget-bot', ['--budget', '5/month']);
    const before = await keys(['show', id]);
    expect(before.code).toBe(0);
    expect(field(before.stdout, 'spent')).toBe(
      '$0.000000 of $5 (+ $0.000000 held in flight), resets 2026-12-01T00:00:00.000Z',
    );
    const completion = await chat(secret);
    const usage = completion.usage;
    if (usage === undefined) throw new Error('the simulator reported no usage');
    // Price of `m`: $1 per million input tokens, $2 per million output tokens.
    const cost = (usage.prompt_tokens * 1 + usage.completion_tokens * 2) / 1_000_000;
    expect(cost).toBeGreaterThan(0);
    const after = await keys(['show', id]);
    expect(field(after.stdout, 'spent')).toBe(
      `$${cost.toFixed(6)} of $5 (+ $0.000000 held in flight), resets 2026-12-01T00:00:00.000Z`,
    );
  });

  it('shows no spend line for a key without a budget', async () => {
    const { id } = await createKey('no-budget-bot');
    const run = await keys(['show', id]);
    expect(run.code).toBe(0);
    expect(field(run.stdout, 'id')).toBe(id);
    expect(field(run.stdout, 'spent')).toBeUndefined();
  });

  it('revokes a key, which is refused at once with 401', async () => {
    const { id, secret } = await createKey('revoke-bot');
    // Used once, so the key is in the gateway's cache when it is revoked.
    await chat(secret);
    const run = await keys(['revoke', id]);
    expect(run.code).toBe(0);
    expect(field(run.stdout, 'status')).toBe('revoked');
    const error = await refusal(secret);
    expect(error.status).toBe(401);
    expect(error.message).toContain('revoked');
    const listed = await keys(['list']);
    expect(listed.stdout.split('\n').find((line) => line.startsWith(`${id} `))).toContain('revoked');
  });

  it('rotates a key: the new secret works, the old one is refused with 401, the id stays', async () => {
    const { id, secret: old } = await createKey('rotate-bot', ['--models', 'm', '--rpm', '10']);
    await chat(old);
    const run = await keys(['rotate', id]);
    expect(run.code).toBe(0);
    const fresh = field(run.stdout, 'key');
    expect(fresh).toMatch(/^dtr_[0-9A-Za-z]{43}$/);
    expect(fresh).not.toBe(old);
    expect(field(run.stdout, 'id')).toBe(id);
    expect(field(run.stdout, 'prefix')).toBe(`${fresh?.slice(0, 12)}…`);
    // Scopes are kept.
    expect(field(run.stdout, 'models')).toBe('m');
    expect(field(run.stdout, 'limits')).toBe('10 rpm');
    expect((await refusal(old)).status).toBe(401);
    expect((await chat(fresh ?? '')).choices).toHaveLength(1);
  });

  it('refuses to rotate a revoked key with exit 1 and the HTTP status', async () => {
    const { id } = await createKey('revoked-rotate-bot');
    expect((await keys(['revoke', id])).code).toBe(0);
    const run = await keys(['rotate', id]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('HTTP 409');
  });

  it.each([
    [['create', 'x', '--rpm', '0'], '--rpm'],
    [['create', 'x', '--tpm', '1.5'], '--tpm'],
    [['create', 'x', '--budget', '5/year'], '--budget'],
    [['create', 'x', '--meta', 'noequals'], '--meta'],
    [['create', 'x', '--meta', '=value'], '--meta'],
    // An empty list would be a key for every model: refused, not widened.
    [['create', 'x', '--models', ''], '--models'],
    [['create', 'x', '--models', ' , '], '--models'],
    [['create', 'x', '--expires', 'tomorrow'], '--expires'],
    [['create', 'x', '--expires', '2027-02-30'], '--expires'],
    [['create', 'x', '--expires', '2027-01-31T18:00:00'], '--expires'],
    [['create'], 'NAME'],
    [['create', 'x', 'y'], 'NAME'],
    [['create', 'x', '--colour', 'red'], '--colour'],
    [['show'], 'ID'],
    [['revoke', 'a', 'b'], 'ID'],
  ])('exits 2 on %j, naming %s, and creates nothing', async (argv, named) => {
    const before = (await admin('GET', '/admin/keys')).body.keys.length;
    const run = await keys(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(named);
    expect(run.stderr.startsWith('detour keys: ')).toBe(true);
    expect((await admin('GET', '/admin/keys')).body.keys.length).toBe(before);
  });

  it('prints the usage and exits 2 on an unknown or missing subcommand', async () => {
    for (const argv of [['delete', 'key_1'], []]) {
      const run = await keys(argv, []);
      expect(run).toEqual({ code: 2, stdout: '', stderr: KEYS_USAGE });
    }
  });

  it('exits 4 with the HTTP status when the admin key is wrong', async () => {
    const run = await keys(['list'], connect('not-the-admin-key'));
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('HTTP 401');
    expect(run.stderr).toContain('admin key');
  });

  it('exits 3 with the HTTP status for an unknown key id', async () => {
    const run = await keys(['show', 'key_nope']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('HTTP 404');
  });

  it('exits 2 without calling the server when no admin key is given', async () => {
    vi.stubEnv('DETOUR_ADMIN_KEY', undefined);
    const before = (await admin('GET', '/admin/keys')).body.keys.length;
    const run = await keys(['create', 'no-admin-key'], ['--url', stack.detour.url]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--admin-key');
    expect(run.stderr).toContain('DETOUR_ADMIN_KEY');
    expect((await admin('GET', '/admin/keys')).body.keys.length).toBe(before);
  });

  it('takes the URL and the admin key from DETOUR_URL and DETOUR_ADMIN_KEY', async () => {
    vi.stubEnv('DETOUR_URL', `${stack.detour.url}/`);
    vi.stubEnv('DETOUR_ADMIN_KEY', ADMIN_KEY);
    const run = await keys(['list', '--json'], []);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toHaveProperty('keys');
  });
});

describe('admin API /admin/keys', () => {
  it('refuses an empty name with 400 naming `name`', async () => {
    const answer = await admin('POST', '/admin/keys', { name: '' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.param).toBe('name');
    expect(answer.body.error.message).toContain('name');
  });

  it('refuses an unknown field with 400 naming it', async () => {
    const answer = await admin('POST', '/admin/keys', { name: 'x', colour: 'red' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('colour');
  });

  it('answers 404 for an unknown key id', async () => {
    expect((await admin('GET', '/admin/keys/key_nope')).status).toBe(404);
    expect((await admin('PATCH', '/admin/keys/key_nope', { rpm: 1 })).status).toBe(404);
    expect((await admin('POST', '/admin/keys/key_nope/revoke')).status).toBe(404);
    expect((await admin('POST', '/admin/keys/key_nope/rotate')).status).toBe(404);
  });

  it('changes a limit with PATCH, keeps the others, and removes one given null', async () => {
    const made = await admin('POST', '/admin/keys', {
      name: 'patch-bot',
      rpm: 5,
      tpm: 100,
      budget: { usd: 2, period: 'day' },
    });
    expect(made.status).toBe(201);
    const id = made.body.key.id as string;
    const changed = await admin('PATCH', `/admin/keys/${id}`, { rpm: 7 });
    expect(changed.status).toBe(200);
    expect(changed.body.key).toMatchObject({ rpm: 7, tpm: 100, budget: { usd: 2, period: 'day' } });
    const removed = await admin('PATCH', `/admin/keys/${id}`, { tpm: null, budget: null });
    expect(removed.body.key).toMatchObject({ rpm: 7, tpm: null, budget: null });
    expect((await admin('GET', `/admin/keys/${id}`)).body.key).toMatchObject({
      rpm: 7,
      tpm: null,
      budget: null,
    });
  });

  it('removes an expiry with PATCH expiresAt null', async () => {
    const made = await admin('POST', '/admin/keys', {
      name: 'expiry-bot',
      expiresAt: '2027-06-01T00:00:00Z',
    });
    const id = made.body.key.id as string;
    expect(made.body.key.expiresAt).toBe(Date.UTC(2027, 5, 1));
    const patched = await admin('PATCH', `/admin/keys/${id}`, { expiresAt: null });
    expect(patched.body.key.expiresAt).toBeNull();
    expect((await admin('GET', `/admin/keys/${id}`)).body.key.expiresAt).toBeNull();
  });

  it('applies a PATCH at once: a key given a past expiry is refused with 401', async () => {
    const made = await admin('POST', '/admin/keys', { name: 'expire-now-bot' });
    const secret = made.body.secret as string;
    await chat(secret);
    const patched = await admin('PATCH', `/admin/keys/${made.body.key.id}`, { expiresAt: NOW - 1 });
    expect(patched.body.key.status).toBe('expired');
    const error = await refusal(secret);
    expect(error.status).toBe(401);
    expect(error.message).toContain('expired');
  });

  it('refuses a client key on the admin routes with 403', async () => {
    const made = await admin('POST', '/admin/keys', { name: 'not-admin-bot' });
    const response = await fetch(`${stack.detour.url}/admin/keys`, {
      headers: { authorization: `Bearer ${made.body.secret}` },
    });
    expect(response.status).toBe(403);
  });
});
