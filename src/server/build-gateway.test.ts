import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { ManualClock } from '../core/index.js';
import { UpstreamTransport } from '../providers/index.js';
import { buildGateway } from './build-gateway.js';
import { buildRoutingState } from './build-routing-state.js';

describe('buildGateway', () => {
  it('sets each deployment’s first-token limit from the catalog’s reasoning flag, and the adaptive knobs', async () => {
    const config = parseConfig(
      `
providers:
  openai: { protocol: openai-chat, baseUrl: http://openai.invalid/v1 }
models:
  gpt-5: { deployments: [ { provider: openai, model: gpt-5 } ] }
  gpt-4.1: { deployments: [ { provider: openai, model: gpt-4.1 } ] }
  mine: { deployments: [ { provider: openai, model: gpt-5 } ], timeouts: { firstToken: 7s } }
timeouts: { adaptiveFirstToken: { multiplier: 5, floor: 1s, minSamples: 30 } }
`,
      'detour.yaml',
      {},
    );
    const clock = new ManualClock();
    const transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
    try {
      const gateway = buildGateway(config, transport, buildRoutingState(config, clock), clock);
      const deploymentOf = (model: string) => gateway.table.get(model)?.deployments[0];
      expect(deploymentOf('gpt-5')?.timeouts).toEqual({ firstTokenMs: 60_000, idleMs: 30_000 });
      expect(deploymentOf('gpt-4.1')?.timeouts).toEqual({ firstTokenMs: 20_000, idleMs: 30_000 });
      expect(deploymentOf('mine')?.timeouts).toEqual({ firstTokenMs: 7_000, idleMs: 30_000 });
      expect(deploymentOf('gpt-5')?.adaptiveFirstToken).toEqual({
        multiplier: 5,
        floorMs: 1_000,
        minSamples: 30,
      });
    } finally {
      await transport.close();
    }
  });

  it('gives deployments no adaptive limit when it is off', async () => {
    const config = parseConfig(
      `
providers:
  openai: { protocol: openai-chat, baseUrl: http://openai.invalid/v1 }
models:
  gpt-4.1: { deployments: [ { provider: openai, model: gpt-4.1 } ] }
timeouts: { adaptiveFirstToken: { enabled: false } }
`,
      'detour.yaml',
      {},
    );
    const clock = new ManualClock();
    const transport = new UpstreamTransport({ connectTimeoutMs: 1_000 });
    try {
      const gateway = buildGateway(config, transport, buildRoutingState(config, clock), clock);
      expect(gateway.table.get('gpt-4.1')?.deployments[0]?.adaptiveFirstToken).toBeUndefined();
    } finally {
      await transport.close();
    }
  });
});
