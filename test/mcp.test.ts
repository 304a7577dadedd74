import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentHealthRow } from '../src/server/index.js';
import { type Stack, startStack } from './support/start-stack.js';

/**
 * The MCP server with the SDK's own client: over streamable HTTP at the gateway's `/mcp`, and over
 * stdio from `detour mcp` run as a child process, both against a real gateway and simulator.
 */
const ADMIN_KEY = 'admin-mcp-secret';
const MAIN = resolve('src/cli/main.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
let stack: Stack;
const clients: Client[] = [];

beforeAll(async () => {
  stack = await startStack({
    config: (simUrl) => `
server: { adminKey: ${ADMIN_KEY} }
auth: { mode: keys }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a-secret }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b-secret }
models:
  m:
    deployments:
      - { provider: a, model: up-m }
      - { provider: b, model: up-m }
  solo:
    deployments:
      - { provider: a, model: up-solo }
health: { probes: { enabled: false } }
`,
  });
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  // Every test starts with every deployment undrained.
  await admin('POST', '/admin/deployments/enable', { provider: 'a' });
  await admin('POST', '/admin/deployments/enable', { provider: 'b' });
});

afterAll(async () => {
  await stack.close();
});

async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.detour.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_KEY}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function healthOf(deployment: string): Promise<DeploymentHealthRow> {
  const body = (await (await admin('GET', '/admin/health')).json()) as { deployments: DeploymentHealthRow[] };
  const row = body.deployments.find((candidate) => candidate.deployment === deployment);
  if (row === undefined) throw new Error(`no health row for ${deployment}`);
  return row;
}

async function httpClient(adminKey = ADMIN_KEY): Promise<Client> {
  const client = new Client({ name: 'detour-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${stack.detour.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${adminKey}` } },
  });
  await client.connect(transport);
  clients.push(client);
  return client;
}

interface ToolAnswer {
  isError: boolean;
  text: string;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args });
  const content = result.content as Array<{ type: string; text?: string }>;
  return { isError: result.isError === true, text: content.map((part) => part.text ?? '').join('') };
}

function json<T>(answer: ToolAnswer): T {
  expect(answer.isError, answer.text).toBe(false);
  return JSON.parse(answer.text) as T;
}

describe('POST /mcp (streamable HTTP)', () => {
  it('lists the tools with read-only hints on reads and destructive hints on actions', async () => {
    const client = await httpClient();
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual(
      [
        'create_key',
        'drain_deployment',
        'explain',
        'quality_status',
        'enable_deployment',
        'force_enable_deployment',
        'get_health',
        'get_incident',
        'list_incidents',
        'list_models',
        'revoke_key',
        'usage_summary',
      ].sort(),
    );
    for (const name of [
      'list_models',
      'get_health',
      'list_incidents',
      'get_incident',
      'usage_summary',
      'explain',
      'quality_status',
    ]) {
      expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(true);
    }
    for (const name of ['drain_deployment', 'enable_deployment', 'force_enable_deployment', 'revoke_key']) {
      expect(byName.get(name)?.annotations?.readOnlyHint, name).toBe(false);
      expect(byName.get(name)?.annotations?.destructiveHint, name).toBe(true);
      expect(byName.get(name)?.inputSchema.properties, name).toHaveProperty('confirm');
    }
  });

  it('lists the models with their deployments and health', async () => {
    const client = await httpClient();
    await admin('POST', '/admin/deployments/drain', { deployment: 'b/up-m' });
    const answer = json<{
      models: Array<{
        model: string;
        deployments: Array<{ deployment: string; state: string; drained: boolean }>;
      }>;
    }>(await call(client, 'list_models'));
    const m = answer.models.find((model) => model.model === 'm');
    expect(answer.models.map((model) => model.model)).toEqual(['m', 'solo']);
    expect(m?.deployments.map((row) => [row.deployment, row.state, row.drained])).toEqual([
      ['a/up-m', 'closed', false],
      ['b/up-m', 'closed', true],
    ]);
  });

  it('gives one deployment its health, and names the field of an unknown one', async () => {
    const client = await httpClient();
    const answer = json<{ deployment: string; deployments: DeploymentHealthRow[]; incidents: unknown[] }>(
      await call(client, 'get_health', { deployment: 'a/up-solo' }),
    );
    expect(answer.deployment).toBe('a/up-solo');
    expect(answer.deployments.map((row) => [row.deployment, row.status.state, row.models])).toEqual([
      ['a/up-solo', 'closed', ['solo']],
    ]);
    expect(answer.incidents).toEqual([]);

    const unknown = await call(client, 'get_health', { deployment: 'nope/x' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain("unknown deployment 'nope/x' (field: deployment)");
    const both = await call(client, 'get_health', { deployment: 'a/up-solo', model: 'solo' });
    expect(both.isError).toBe(true);
    expect(both.text).toContain('exactly one of `model` or `deployment`');
  });

  it('explains a model and names a bad one; reads quality per deployment', async () => {
    const client = await httpClient();
    const explained = json<{ model: string; verdict: string; hosts: Array<{ deployment: string }> }>(
      await call(client, 'explain', { model: 'm', since: '30m' }),
    );
    expect(explained.model).toBe('m');
    expect(explained.verdict).toBe('nothing');
    expect(explained.hosts.map((host) => host.deployment)).toEqual(['a/up-m', 'b/up-m']);
    const unknown = await call(client, 'explain', { model: 'nope' });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain('model');
    const badSince = await call(client, 'explain', { model: 'm', since: 'soon' });
    expect(badSince.isError).toBe(true);
    expect(badSince.text).toContain('since');

    const quality = json<{ canaries: string; deployment: { deployment: string } }>(
      await call(client, 'quality_status', { deployment: 'a/up-solo' }),
    );
    expect(quality).toMatchObject({ canaries: 'off', deployment: { deployment: 'a/up-solo' } });
    const missing = await call(client, 'quality_status', { deployment: 'nope/x' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain('(field: deployment)');
  });

  it('refuses to drain without confirm and changes nothing', async () => {
    const client = await httpClient();
    const refused = await call(client, 'drain_deployment', { deployment: 'a/up-m' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('Pass confirm: true');
    expect((await healthOf('a/up-m')).status.drained).toBe(false);
  });

  it('drains a deployment with confirm and enables it again', async () => {
    const client = await httpClient();
    json(await call(client, 'drain_deployment', { deployment: 'a/up-m', confirm: true }));
    expect((await healthOf('a/up-m')).status.drained).toBe(true);
    expect((await healthOf('b/up-m')).status.drained).toBe(false);
    json(await call(client, 'enable_deployment', { deployment: 'a/up-m', confirm: true }));
    expect((await healthOf('a/up-m')).status.drained).toBe(false);

    const unknown = await call(client, 'drain_deployment', { deployment: 'nope/x', confirm: true });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toContain(
      "no configured deployment matches deployment 'nope/x' (field: deployment)",
    );
  });

  it('answers 401 without the admin key, and the SDK client cannot connect with a wrong one', async () => {
    const response = await fetch(`${stack.detour.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    await expect(httpClient('wrong-key')).rejects.toThrow(/missing or wrong admin key/);
    // Stateless: no server-to-client stream to open, and the key is still checked first.
    expect((await fetch(`${stack.detour.url}/mcp`)).status).toBe(401);
    expect((await admin('GET', '/mcp')).status).toBe(405);
  });

  it('shows an incident opened over the admin API with its evidence and timeline', async () => {
    const created = await admin('POST', '/admin/incidents', {
      title: 'Host a is slow',
      components: ['m'],
      body: 'Looking into it.',
    });
    expect(created.status).toBe(201);
    const { incident } = (await created.json()) as { incident: { id: string } };
    const client = await httpClient();
    const answer = json<{
      id: string;
      title: string;
      evidence: Record<string, unknown>;
      timeline: Array<{ status: string; body: string }>;
    }>(await call(client, 'get_incident', { id: incident.id }));
    expect(answer).toMatchObject({ id: incident.id, title: 'Host a is slow' });
    expect(answer.evidence).toEqual({ note: 'opened by an operator' });
    expect(answer.timeline).toEqual([
      expect.objectContaining({ status: 'investigating', body: 'Looking into it.' }),
    ]);

    const listed = json<{ incidents: Array<{ id: string }> }>(
      await call(client, 'list_incidents', { open: true }),
    );
    expect(listed.incidents.map((row) => row.id)).toContain(incident.id);
    const resolvedOnly = json<{ incidents: Array<{ id: string }> }>(
      await call(client, 'list_incidents', { open: false }),
    );
    expect(resolvedOnly.incidents.map((row) => row.id)).not.toContain(incident.id);
    const health = json<{ incidents: Array<{ id: string }> }>(
      await call(client, 'get_health', { model: 'm' }),
    );
    expect(health.incidents.map((row) => row.id)).toContain(incident.id);

    const missing = await call(client, 'get_incident', { id: 'inc_missing' });
    expect(missing.isError).toBe(true);
    expect(missing.text).toContain("no incident 'inc_missing' (field: id)");
  });

  it('creates a key whose secret works, sums its usage, and revokes it only with confirm', async () => {
    const client = await httpClient();
    const created = json<{
      key: { id: string; name: string; models: string[]; rpm: number };
      secret: string;
    }>(await call(client, 'create_key', { name: 'agent', models: ['m'], rpm: 100 }));
    expect(created.key).toMatchObject({ name: 'agent', models: ['m'], rpm: 100 });
    const chat = () =>
      fetch(`${stack.openaiBaseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${created.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      });
    expect((await chat()).status).toBe(200);

    await stack.detour.requestLog?.flush();
    const usage = json<{ usage: Array<{ key: string; requests: number }> }>(
      await call(client, 'usage_summary', { key: created.key.id, groupBy: ['key'] }),
    );
    expect(usage.usage.map((row) => [row.key, row.requests])).toEqual([[created.key.id, 1]]);

    const refused = await call(client, 'revoke_key', { id: created.key.id });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('Pass confirm: true');
    expect((await chat()).status).toBe(200);

    const revoked = json<{ key: { status: string } }>(
      await call(client, 'revoke_key', { id: created.key.id, confirm: true }),
    );
    expect(revoked.key.status).toBe('revoked');
    expect((await chat()).status).toBe(401);
  });

  it('names the bad field of an invalid input', async () => {
    const client = await httpClient();
    const answer = await call(client, 'create_key', { name: 'x', rpm: 'lots' });
    expect(answer.isError).toBe(true);
    expect(answer.text).toContain('rpm');
  });
});

describe('detour mcp (stdio)', () => {
  // Starting the child through tsx takes seconds on a loaded machine: a generous limit, not a measure.
  it('answers a read and refuses an action without confirm, over a running Detour', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: ['--import', TSX, MAIN, 'mcp', '--url', stack.detour.url, '--admin-key', ADMIN_KEY],
      stderr: 'pipe',
    });
    const client = new Client({ name: 'detour-test', version: '0.0.0' });
    await client.connect(transport);
    clients.push(client);

    const models = json<{ models: Array<{ model: string; deployments: Array<{ deployment: string }> }> }>(
      await call(client, 'list_models'),
    );
    expect(
      models.models.map((model) => [model.model, model.deployments.map((row) => row.deployment)]),
    ).toEqual([
      ['m', ['a/up-m', 'b/up-m']],
      ['solo', ['a/up-solo']],
    ]);

    const refused = await call(client, 'drain_deployment', { deployment: 'b/up-m', confirm: false });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain('Pass confirm: true');
    expect((await healthOf('b/up-m')).status.drained).toBe(false);
  }, 60_000);
});
