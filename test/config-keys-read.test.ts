import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { configSchema, parseConfig } from '../src/config/index.js';
import { startGateway } from '../src/server/index.js';
import { SIM_BEDROCK_API_KEY, startSimulator } from '../src/sim/index.js';
import { recordReads } from './support/record-reads.js';
import { deletePrefix, REDIS_TEST_URL, uniquePrefix } from './support/redis.js';
import { formatKeyPattern, readsUnder, schemaKeyPaths } from './support/schema-key-paths.js';

/**
 * Every optional key without a default is set here, so that the code paths reading it run; keys
 * with defaults are filled in by the schema. A new optional key needs a line here too.
 */
function fullConfig(simUrl: string, hookUrl: string, keyFile: string): string {
  return `
server: { port: 0, host: 127.0.0.1, adminKey: admin-secret, bodyLimit: 1mb, requestTimeout: 30s }
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a, headers: { x-team: one }, prefill: vllm }
  b:
    protocol: anthropic-messages
    baseUrl: ${simUrl}/hosts/b
    apiKey: key-b
    anthropicVersion: 2023-06-01
    headers: { x-team: two }
  br:
    protocol: bedrock
    region: us-east-1
    baseUrl: ${simUrl}/hosts/br
    accessKeyId: ${AWS_KEYS.accessKeyId}
    secretAccessKey: ${AWS_KEYS.secretAccessKey}
    sessionToken: ${AWS_KEYS.sessionToken}
    headers: { x-team: three }
  br-key: { protocol: bedrock, region: us-west-2, baseUrl: ${simUrl}/hosts/br-key, apiKey: ${SIM_BEDROCK_API_KEY} }
  vx:
    protocol: vertex
    project: proj-keys
    region: us-east5
    credentials: ${keyFile}
    baseUrl: ${simUrl}/hosts/vx
    headers: { x-team: four }
  gm: { protocol: gemini, baseUrl: ${simUrl}/hosts/gm, apiKey: key-gm, headers: { x-team: five } }
  az: { protocol: azure-openai, baseUrl: ${simUrl}/hosts/az, apiKey: key-az, apiVersion: 2024-10-21, headers: { x-team: six } }
models:
  m:
    deployments:
      - { provider: a, model: up-m, weight: 3, price: { input: 1, output: 2, cachedInput: 0.5, cacheWrite: 1.25 } }
      - { provider: b, model: up-m, weight: 1 }
    fallbacks: [n]
    timeouts: { firstToken: 5s, idle: 5s, total: 20s }
    strategy: weighted
    description: the model
    contextWindow: 100000
    log: { bodies: true }
    streams: { recovery: continue, acrossModels: true }
    hedging: { maxShare: 0.1, floor: 2s }
  n:
    deployments: [ { provider: a, model: up-n } ]
  fast: { auto: { among: [n, m], prefer: balanced } }
  k-br: { deployments: [ { provider: br, model: us.amazon.nova-pro-v1:0 } ] }
  k-br-key: { deployments: [ { provider: br-key, model: anthropic.claude-sonnet-4-5-20250929-v1:0 } ] }
  k-vx: { deployments: [ { provider: vx, model: gemini-2.5-flash } ] }
  k-gm: { deployments: [ { provider: gm, model: gemini-2.5-flash } ] }
  k-az: { deployments: [ { provider: az, model: gpt-dep } ] }
routing: { strategy: least-latency }
timeouts:
  firstToken: 20s
  reasoningFirstToken: 60s
  adaptiveFirstToken: { enabled: true, multiplier: 4, floor: 2s, minSamples: 50 }
store: { sqlite: ":memory:" }
state: { redis: ${REDIS_TEST_URL}, keyPrefix: "${REDIS_PREFIX}" }
auth: { mode: keys, cacheTtl: 2s }
streams: { recovery: continue, acrossModels: false }
status: { title: Keys, public: [m] }
webhooks:
  - { url: ${hookUrl}, secret: hook-secret, format: slack, events: [component, incident, alert] }
# Spans go to the simulator, which answers 404: an exporter's failure is silent and costs nothing here.
telemetry: { otlp: { endpoint: ${simUrl}/otlp, headers: { x-collector-key: ck }, serviceName: keys-read } }
`;
}

/** Shared state in the test Redis under keys of this run's own (a gateway without Redis falls back locally). */
const REDIS_PREFIX = uniquePrefix('keys-read');

/** Temporary AWS credentials (with a session token), so every Bedrock key is set. */
const AWS_KEYS = {
  accessKeyId: 'AKIAKEYSREADTEST0001',
  secretAccessKey: 'keys-read-secret-access-key',
  sessionToken: 'keys-read-session-token',
};

describe('configSchema', () => {
  it('has no key that a running gateway never reads', async () => {
    const sim = await startSimulator({ port: 0, seed: 3, credentials: { aws: [AWS_KEYS] } });
    const account = await sim.createServiceAccount({ projectId: 'proj-keys' });
    const received: IncomingHttpHeaders[] = [];
    const hook = createServer((request, response) => {
      received.push(request.headers);
      request.resume().on('end', () => response.writeHead(204).end());
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const recorder = recordReads(parseConfig(fullConfig(sim.url, hookUrl, account.keyFile), 'keys.yaml', {}));
    const detour = await startGateway(recorder.value, { logger: false });
    let readPaths: typeof recorder.paths = [];
    try {
      const created = await fetch(`${detour.url}/admin/keys`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-secret', 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'keys-read' }),
      });
      const { secret } = (await created.json()) as { secret: string };
      const client = new OpenAI({ baseURL: `${detour.url}/v1`, apiKey: secret, maxRetries: 0 });
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      for await (const _chunk of stream) {
        // Drained so the attempt is settled and recorded.
      }
      await client.chat.completions.create({ model: 'n', messages: [{ role: 'user', content: 'hi' }] });
      await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
      // One request through each other kind: each one reads its own keys and must be answered.
      for (const model of ['k-br', 'k-br-key', 'k-vx', 'k-gm', 'k-az']) {
        const answer = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'echo: read' }],
        });
        expect(answer.choices[0]?.message.content).toBe('read');
      }
      await detour.status.detector.evaluate();
      for (const path of ['/status', '/status/feed.atom', '/api/v2/summary.json', '/v1/models']) {
        const headers = { authorization: `Bearer ${secret}` };
        expect((await fetch(`${detour.url}${path}`, { headers })).status).toBe(200);
      }
      await detour.prober.tick();
      // Two canary rounds: the first places each deployment in its gap, the second sends (and
      // checks each provider's monthly cap).
      const canaryAt = Date.now() + 3_600_000;
      await detour.canaries?.scheduler.tick(canaryAt);
      await detour.canaries?.scheduler.tick(canaryAt + 30_000);
      expect((await detour.status.store.listCanaryResults({})).length).toBeGreaterThan(0);
      await detour.status.notifier.enqueue({
        type: 'alert.resolved',
        at: Date.now(),
        alertId: 'alert-1',
        deployment: 'a/up-m',
        kind: 'rate_limited',
      });
      await detour.status.notifier.deliverDue();
      expect(received).toHaveLength(1);
      // Reloading diffs the whole config key by key, which would read every key; what matters is
      // that the running gateway reads each one, so the reads are taken before the reload.
      readPaths = [...recorder.paths];
      detour.reload(parseConfig(fullConfig(sim.url, hookUrl, account.keyFile), 'keys.yaml', {}));
      await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    } finally {
      await detour.close();
      await sim.close();
      await new Promise<void>((resolve) => hook.close(() => resolve()));
      await deletePrefix(REDIS_PREFIX).catch(() => undefined);
    }

    const unread = schemaKeyPaths(configSchema)
      .filter((pattern) => !readPaths.some((path) => readsUnder(path, pattern)))
      .map(formatKeyPattern);
    expect(unread, `config keys that nothing read: ${unread.join(', ')}`).toEqual([]);
  });
});
