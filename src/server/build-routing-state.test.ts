import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { ManualClock } from '../core/index.js';
import { buildRoutingState } from './build-routing-state.js';

const config = (health: string) =>
  parseConfig(
    `
providers:
  a: { protocol: openai-chat, baseUrl: http://a.invalid/v1 }
models:
  m: { deployments: [ { provider: a, model: up-m } ] }
health:
${health}
`,
    'detour.yaml',
    {},
  );

describe('buildRoutingState', () => {
  it('gives the breakers the configured half-open trials and trial timeout', () => {
    const clock = new ManualClock();
    const state = buildRoutingState(
      config('  ejection: { baseTime: 1s, jitter: 0 }\n  halfOpen: { trials: 2, trialTimeout: 7s }'),
      clock,
    );
    const health = state.health;
    for (let index = 0; index < 5; index += 1)
      health.record({ deploymentId: 'a/up-m', at: clock.now(), result: 'server_error', latencyMs: 1 });
    clock.advance(1_000);
    expect(health.status('a/up-m')).toMatchObject({ state: 'half_open', trialsAvailable: 2 });
    health.breaker('a/up-m').acquireTrial(clock.now());
    clock.advance(6_999);
    expect(health.status('a/up-m').state).toBe('half_open');
    clock.advance(1);
    expect(health.status('a/up-m')).toMatchObject({ state: 'open', ejectionCount: 2 });
  });
});
