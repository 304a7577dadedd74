import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { type RunningGateway, startGateway } from '../src/server/index.js';
import { SqliteStore } from '../src/store/index.js';

/** A config that never calls its host: these tests are about where Detour listens and who it lets in. */
function config(auth: 'off' | 'keys', server = '') {
  return parseConfig(
    `${server}
providers:
  a: { protocol: openai-chat, baseUrl: http://127.0.0.1:9/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
health: { probes: { enabled: false } }
auth: { mode: ${auth} }
`,
    'auth-mode.yaml',
    {},
  );
}

const running: RunningGateway[] = [];
const stores: SqliteStore[] = [];

function store(): SqliteStore {
  const made = new SqliteStore({ path: ':memory:' });
  stores.push(made);
  return made;
}

async function start(...args: Parameters<typeof startGateway>): Promise<RunningGateway> {
  const gateway = await startGateway(...args);
  running.push(gateway);
  return gateway;
}

afterEach(async () => {
  for (const gateway of running.splice(0)) await gateway.close();
  // A refused start leaves the store to its owner; closing twice is a no-op.
  for (const made of stores.splice(0)) await made.close();
});

/** `GET /v1/models` on the loopback address of the gateway's port, without any key. */
async function modelsStatus(gateway: RunningGateway): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${gateway.port}/v1/models`);
  await response.arrayBuffer();
  return response.status;
}

describe('startGateway auth modes', () => {
  it.each(['0.0.0.0', '::', '192.0.2.10'])(
    'refuses auth off on %s without insecureOpen, naming --insecure-open',
    async (host) => {
      const refused = startGateway(config('off'), { port: 0, host, store: store() });
      await expect(refused).rejects.toThrow(/--insecure-open/);
      await expect(refused).rejects.toThrow(`would listen on ${host}`);
    },
  );

  it("refuses auth off when the config's own server.host is not loopback", async () => {
    await expect(
      startGateway(config('off', 'server: { host: 0.0.0.0 }'), { port: 0, store: store() }),
    ).rejects.toThrow(/--insecure-open/);
  });

  it('starts open on 0.0.0.0 with insecureOpen, and serves without a key', async () => {
    const gateway = await start(config('off'), {
      port: 0,
      host: '0.0.0.0',
      insecureOpen: true,
      store: store(),
    });
    expect(gateway.access.control.mode).toBe('off');
    expect(await modelsStatus(gateway)).toBe(200);
  });

  it.each(['127.0.0.1', 'localhost'])('starts with auth off on %s and serves without a key', async (host) => {
    const gateway = await start(config('off'), { port: 0, host, store: store() });
    expect(await modelsStatus(gateway)).toBe(200);
  });

  it('starts with client keys on 0.0.0.0 without insecureOpen, and refuses a request without a key', async () => {
    const gateway = await start(config('keys'), { port: 0, host: '0.0.0.0', store: store() });
    expect(gateway.access.control.mode).toBe('keys');
    expect(await modelsStatus(gateway)).toBe(401);
  });
});
