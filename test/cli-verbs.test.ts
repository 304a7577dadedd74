import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import type { DeploymentHealthRow } from '../src/server/index.js';
import type { Incident } from '../src/store/index.js';
import { type Stack, startStack } from './support/start-stack.js';

// Issue 16, item 2: `detour health|status`, `incidents [show ID]`, `drain|enable` against a real
// gateway over HTTP, and the exit codes every admin verb shares (0 ok, 1 failed, 2 usage, 3 not
// found, 4 unauthorised, 5 unreachable, 6 health --check found an unhealthy deployment).

const ADMIN_KEY = 'admin-cli-verbs-secret';
let stack: Stack;
/** A loopback URL where nothing listens: a port that was free a moment ago. */
let deadUrl: string;

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
models:
  m:
    deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ]
  solo:
    deployments: [ { provider: a, model: up-solo } ]
health: { probes: { enabled: false } }
`,
  });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  deadUrl = `http://127.0.0.1:${address.port}`;
  await new Promise((resolve) => server.close(resolve));
});

afterAll(async () => {
  await stack.close();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  // Every test starts with every deployment in rotation.
  await admin('POST', '/admin/deployments/enable', { provider: 'a' });
  await admin('POST', '/admin/deployments/enable', { provider: 'b' });
});

interface CliRun {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** Runs `detour …` in this process (the network is real) and captures what it writes. */
async function detour(argv: string[], connection: string[] = connect()): Promise<CliRun> {
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
    const code = await runCli([...argv, ...connection]);
    return { code, stdout, stderr };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
  }
}

function connect(adminKey = ADMIN_KEY, url = stack.detour.url): string[] {
  return ['--url', url, '--admin-key', adminKey];
}

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${stack.detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** The first column of a table's data lines. */
function firstColumn(table: string): string[] {
  return table
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => line.split(/\s+/)[0] ?? '');
}

describe('detour health', () => {
  it('prints every deployment with its models and state, and `status` is the same verb', async () => {
    const run = await detour(['health']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.split('\n')[0]).toMatch(/^DEPLOYMENT +MODELS +STATE/);
    expect(firstColumn(run.stdout)).toEqual(['a/up-m', 'b/up-m', 'a/up-solo']);
    expect(run.stdout).toMatch(/^a\/up-m +m +closed /m);
    const alias = await detour(['status']);
    expect(alias).toEqual(run);
  });

  it('narrows to one model or one deployment, and --json parses', async () => {
    expect(firstColumn((await detour(['health', 'm'])).stdout)).toEqual(['a/up-m', 'b/up-m']);
    expect(firstColumn((await detour(['health', 'a/up-solo'])).stdout)).toEqual(['a/up-solo']);
    const run = await detour(['health', 'm', '--json']);
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout) as { now: number; deployments: DeploymentHealthRow[] };
    expect(body.deployments.map((row) => row.deployment)).toEqual(['a/up-m', 'b/up-m']);
    expect(typeof body.now).toBe('number');
  });

  it('exits 3 for a model or deployment that is not configured', async () => {
    const run = await detour(['health', 'nope/up-x']);
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toContain("'nope/up-x'");
  });

  it('--check exits 0 while all are healthy and 6 naming the one that is not', async () => {
    expect((await detour(['health', '--check'])).code).toBe(0);
    expect((await detour(['drain', 'a/up-solo'])).code).toBe(0);
    const run = await detour(['health', '--check']);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('a/up-solo (closed, drained)');
    expect(run.stderr).not.toContain('a/up-m');
    // Narrowed to a model whose deployments are fine, the probe passes.
    expect((await detour(['health', 'm', '--check'])).code).toBe(0);
    expect((await detour(['enable', 'a/up-solo'])).code).toBe(0);
    expect((await detour(['health', '--check'])).code).toBe(0);
  });
});

describe('detour drain and enable', () => {
  it('drains one deployment by id and enables it again, printing the rows it changed', async () => {
    const drained = await detour(['drain', 'b/up-m']);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain('Drained 1 deployment(s)');
    expect(drained.stdout).toMatch(/^b\/up-m +m +closed, drained/m);
    const health = await admin('GET', '/admin/health');
    const rows = (health.body as { deployments: DeploymentHealthRow[] }).deployments;
    expect(rows.filter((row) => row.status.drained).map((row) => row.deployment)).toEqual(['b/up-m']);
    const enabled = await detour(['enable', 'b/up-m']);
    expect(enabled.code).toBe(0);
    expect(enabled.stdout).toMatch(/^b\/up-m +m +closed\s*/m);
    expect(enabled.stdout).not.toContain('drained');
  });

  it('selects by --model and --provider, and --json parses', async () => {
    const byModel = await detour(['drain', '--model', 'm', '--json']);
    expect(byModel.code).toBe(0);
    const body = JSON.parse(byModel.stdout) as { action: string; deployments: DeploymentHealthRow[] };
    expect(body.action).toBe('drain');
    expect(body.deployments.map((row) => row.deployment)).toEqual(['a/up-m', 'b/up-m']);
    expect(body.deployments.every((row) => row.status.drained)).toBe(true);
    const byProvider = await detour(['enable', '--provider', 'a']);
    expect(firstColumn(byProvider.stdout.split('\n').slice(1).join('\n'))).toEqual(['a/up-m', 'a/up-solo']);
  });

  it('exits 3 for an unknown deployment and 2 for no or two selectors, changing nothing', async () => {
    const unknown = await detour(['drain', 'nope/up-x']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('HTTP 404');
    expect(unknown.stderr).toContain("'nope/up-x'");
    for (const argv of [['drain'], ['drain', 'a/up-m', '--model', 'm'], ['enable', 'a/up-m', 'b/up-m']]) {
      const run = await detour(argv);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('exactly one of DEPLOYMENT');
    }
    expect((await detour(['health', '--check'])).code).toBe(0);
  });
});

describe('detour incidents', () => {
  it('lists incidents, shows one with its evidence and timeline, and --json parses', async () => {
    const created = await admin('POST', '/admin/incidents', {
      title: 'Elevated errors on m',
      components: ['m'],
      body: 'We are looking into errors on host a.',
      kind: 'overloaded',
      impact: 'major',
    });
    const id = (created.body as { incident: Incident }).incident.id;
    await admin('POST', `/admin/incidents/${id}/updates`, {
      body: 'Traffic moved to b.',
      status: 'monitoring',
    });

    const list = await detour(['incidents']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`^${id} +monitoring +overloaded +major .* m +Elevated errors on m$`, 'm'),
    );
    const open = JSON.parse((await detour(['incidents', '--open', '--json'])).stdout) as {
      incidents: Incident[];
    };
    expect(open.incidents.map((incident) => incident.id)).toContain(id);

    const show = await detour(['incidents', 'show', id]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`id:          ${id}`);
    expect(show.stdout).toContain('kind:        overloaded (impact major), opened by an operator');
    expect(show.stdout).toMatch(/^evidence:\n {2}note: opened by an operator$/m);
    const timeline = show.stdout.slice(show.stdout.indexOf('timeline:'));
    expect(timeline.indexOf('investigating  We are looking')).toBeGreaterThan(0);
    expect(timeline.indexOf('monitoring  Traffic moved to b.')).toBeGreaterThan(
      timeline.indexOf('investigating  We are looking'),
    );
    const json = JSON.parse((await detour(['incidents', 'show', id, '--json'])).stdout) as {
      incident: Incident;
    };
    expect(json.incident.updates).toHaveLength(2);

    await admin('POST', `/admin/incidents/${id}/resolve`, {});
    const stillOpen = await detour(['incidents', '--open']);
    expect(stillOpen.stdout).not.toContain(id);
  });

  it('exits 3 for an unknown incident and 2 for a bad --limit', async () => {
    const run = await detour(['incidents', 'show', 'inc_nope']);
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toContain('HTTP 404');
    expect((await detour(['incidents', '--limit', '0'])).code).toBe(2);
  });
});

describe('exit codes shared by every admin verb', () => {
  const verbs = [['health'], ['incidents'], ['drain', 'a/up-m'], ['keys', 'list'], ['usage'], ['requests']];

  it.each(verbs)('%s exits 4 on a wrong admin key', async (...argv) => {
    const run = await detour(argv, connect('not-the-admin-key'));
    expect(run).toMatchObject({ code: 4, stdout: '' });
    expect(run.stderr).toContain('HTTP 401');
  });

  it.each(verbs)('%s exits 5 when nothing listens at the URL', async (...argv) => {
    const run = await detour(argv, connect(ADMIN_KEY, deadUrl));
    expect(run).toMatchObject({ code: 5, stdout: '' });
    expect(run.stderr).toContain(`cannot reach ${deadUrl}`);
  });

  it.each(verbs)('%s exits 2 with no admin key, or an unknown option', async (...argv) => {
    vi.stubEnv('DETOUR_ADMIN_KEY', undefined);
    const noKey = await detour(argv, ['--url', stack.detour.url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('DETOUR_ADMIN_KEY');
    const badOption = await detour([...argv, '--colour', 'red']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain('--colour');
  });

  it('takes the URL and the admin key from DETOUR_URL and DETOUR_ADMIN_KEY', async () => {
    vi.stubEnv('DETOUR_URL', stack.detour.url);
    vi.stubEnv('DETOUR_ADMIN_KEY', ADMIN_KEY);
    const run = await detour(['health', 'solo'], []);
    expect(run.code).toBe(0);
    expect(firstColumn(run.stdout)).toEqual(['a/up-solo']);
  });
});
