import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './index.js';

const base = `providers:
  p: { protocol: openai-chat, baseUrl: http://h/v1 }
models:
  m:
    deployments: [ { provider: p, model: up, weight: 3 }, { provider: p, model: up2 } ]
`;

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, 'detour.yaml', {});
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

describe('parseConfig routing', () => {
  it('reads the global strategy, a per-model one and deployment weights', () => {
    const config = parseConfig(
      `${base}    strategy: least-latency\nrouting: { strategy: weighted }\n`,
      'detour.yaml',
      {},
    );
    expect(config.routing.strategy).toBe('weighted');
    expect(config.models.m?.strategy).toBe('least-latency');
    expect(config.models.m?.deployments.map((deployment) => deployment.weight)).toEqual([3, undefined]);
  });

  it('accepts the cost strategy, globally and per model, and refuses an unknown one', () => {
    const config = parseConfig(`${base}    strategy: cost\nrouting: { strategy: cost }\n`, 'detour.yaml', {});
    expect(config.routing.strategy).toBe('cost');
    expect(config.models.m?.strategy).toBe('cost');
    expect(issuesOf(`${base}routing: { strategy: cheapest }\n`)).toHaveLength(1);
  });

  it('refuses a per-model connect timeout, which connection pools shared by the host could not honour', () => {
    expect(issuesOf(`${base}    timeouts: { connect: 1s, firstToken: 2s }\n`)).toEqual([
      "models.m.timeouts.connect: is the host's, not the model's: set it in the global `timeouts.connect`",
    ]);
  });

  it('defaults server.requestTimeout to 60 s and reads a duration', () => {
    expect(parseConfig(base, 'detour.yaml', {}).server.requestTimeout).toBe(60_000);
    expect(
      parseConfig(`server: { requestTimeout: 5s }\n${base}`, 'detour.yaml', {}).server.requestTimeout,
    ).toBe(5000);
  });

  it('defaults server.bodyTimeout to 30 s and server.maxConnectionsPerIp to 1000, and reads both', () => {
    expect(parseConfig(base, 'detour.yaml', {}).server).toMatchObject({
      bodyTimeout: 30_000,
      maxConnectionsPerIp: 1000,
    });
    expect(
      parseConfig(`server: { bodyTimeout: 5s, maxConnectionsPerIp: 20000 }\n${base}`, 'detour.yaml', {})
        .server,
    ).toMatchObject({ bodyTimeout: 5000, maxConnectionsPerIp: 20_000 });
  });

  it('refuses a zero or fractional connection cap and a body timeout that is not a duration', () => {
    expect(issuesOf(`server: { maxConnectionsPerIp: 0 }\n${base}`)).toEqual([
      'server.maxConnectionsPerIp: must be at least 1',
    ]);
    expect(issuesOf(`server: { maxConnectionsPerIp: 2.5 }\n${base}`)).toEqual([
      'server.maxConnectionsPerIp: expected an integer',
    ]);
    expect(issuesOf(`server: { bodyTimeout: soon }\n${base}`)).toHaveLength(1);
  });
});
