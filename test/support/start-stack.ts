import { parseConfig } from '../../src/config/index.js';
import { type Clock, systemClock } from '../../src/core/index.js';
import { type RunningGateway, type StartOptions, startGateway } from '../../src/server/index.js';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../src/sim/index.js';
import { SqliteStore } from '../../src/store/index.js';

/** A simulator and a Detour in front of it, both on free loopback ports. */
export interface Stack {
  sim: Simulator;
  detour: RunningGateway;
  /** Base URL for the OpenAI SDK (`.../v1`). */
  openaiBaseUrl: string;
  /** Base URL for the Anthropic SDK. */
  anthropicBaseUrl: string;
  close(): Promise<void>;
}

/** Options for {@link startStack}. */
export interface StackOptions {
  /**
   * YAML of the config, given the simulator's URL (and the simulator, for what must exist before
   * the config names it, such as a service-account key file). Defaults to {@link twoHostConfig}.
   */
  config?: (simUrl: string, sim: Simulator) => string | Promise<string>;
  /** Simulator options. */
  sim?: SimulatorOptions;
  /** Detour's options (clock, random, logger). */
  detour?: Omit<StartOptions, 'port' | 'host'>;
  /**
   * The store Detour opens when `detour.store` gives none: `memory` (default), an in-memory SQLite
   * one; `config`, the one the config's `store:` names, as `detour start` does.
   */
  store?: 'memory' | 'config';
}

/**
 * The usual test topology: model `m` on host `a` (first) and host `b`, both OpenAI-protocol, with
 * short timeouts so timeout paths run fast; model `solo` on host `a` only.
 */
export function twoHostConfig(simUrl: string): string {
  return `
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
timeouts: { connect: 1s, firstToken: 400ms, idle: 400ms, total: 10s }
`;
}

/** Starts the simulator and Detour; close both with `stack.close()`. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = await startSimulator({ port: 0, seed: 7, ...options.sim });
  try {
    const yaml = await (options.config ?? twoHostConfig)(sim.url, sim);
    const config = parseConfig(withTestDefaults(yaml), 'test.yaml', {});
    const store =
      options.detour?.store ??
      (options.store === 'config' ? undefined : new SqliteStore({ path: ':memory:' }));
    const detour = await startGateway(config, {
      ...options.detour,
      ...(store === undefined ? {} : { store }),
      port: 0,
      host: '127.0.0.1',
    });
    return {
      sim,
      detour,
      openaiBaseUrl: `${detour.url}/v1`,
      anthropicBaseUrl: detour.url,
      async close() {
        await detour.close();
        await sim.close();
      },
    };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

/** Runs `run` against a stack started for it alone, and closes the stack however `run` ends. */
export async function withStack(options: StackOptions, run: (stack: Stack) => Promise<void>): Promise<void> {
  const stack = await startStack(options);
  try {
    await run(stack);
  } finally {
    await stack.close();
  }
}

/** Forgets every deployment's health and every model's client outcomes, so tests start clean. */
export function resetHealth(stack: Stack, clock: Clock = systemClock): void {
  const health = stack.detour.state.health;
  const now = clock.now();
  for (const deployment of health.snapshot()) health.reset(deployment.id, now);
  stack.detour.state.resetModels();
}

/** How many requests the simulator's host `host` has received since its stats were last reset. */
export function upstreamCallsTo(stack: Stack, host: string): number {
  return stack.sim.stats().hosts[host]?.requests ?? 0;
}

/**
 * Most tests are about routing, not keys or quality: they run open and without canaries (whose
 * traffic would use up fault rules and move counts) unless their config says otherwise.
 */
function withTestDefaults(yaml: string): string {
  let text = yaml;
  if (!/^auth:/m.test(text)) text = `${text}\nauth: { mode: off }\n`;
  if (!/^canaries:/m.test(text)) text = `${text}\ncanaries: { enabled: false }\n`;
  return text;
}
