import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.js';
import { resolveModelTimeouts } from './resolve-model-timeouts.js';

const config = (timeouts: string) =>
  parseConfig(
    `
providers:
  a: { protocol: openai-chat, baseUrl: http://a.invalid/v1 }
models:
  plain: { deployments: [ { provider: a, model: up-plain } ] }
  own:
    deployments: [ { provider: a, model: up-own } ]
    timeouts: { firstToken: 7s, idle: 3s, total: 40s }
${timeouts}
`,
    'detour.yaml',
    {},
  );

describe('resolveModelTimeouts', () => {
  it('gives reasoning models 60 s to the first token and others 20 s by default', () => {
    const defaults = config('');
    expect(resolveModelTimeouts(defaults, 'plain', true).firstToken).toBe(60_000);
    expect(resolveModelTimeouts(defaults, 'plain', false).firstToken).toBe(20_000);
    // A model the catalog does not know is not taken for a reasoning one.
    expect(resolveModelTimeouts(defaults, 'plain', undefined)).toEqual({
      firstToken: 20_000,
      idle: 30_000,
      total: 600_000,
      adaptiveFirstToken: { multiplier: 4, floor: 2_000, minSamples: 50 },
    });
  });

  it('takes the global limits the config sets, and a model’s own over both', () => {
    const set = config('timeouts: { firstToken: 9s, reasoningFirstToken: 90s, idle: 4s, total: 50s }');
    expect(resolveModelTimeouts(set, 'plain', true)).toMatchObject({
      firstToken: 90_000,
      idle: 4_000,
      total: 50_000,
    });
    expect(resolveModelTimeouts(set, 'plain', false).firstToken).toBe(9_000);
    for (const reasoning of [true, false, undefined])
      expect(resolveModelTimeouts(set, 'own', reasoning)).toMatchObject({
        firstToken: 7_000,
        idle: 3_000,
        total: 40_000,
      });
  });

  it('carries the adaptive first-token knobs when on, and none when off', () => {
    const tuned = config(
      'timeouts: { adaptiveFirstToken: { multiplier: 3, floor: 1500ms, minSamples: 20 } }',
    );
    expect(resolveModelTimeouts(tuned, 'plain', false).adaptiveFirstToken).toEqual({
      multiplier: 3,
      floor: 1_500,
      minSamples: 20,
    });
    const off = config('timeouts: { adaptiveFirstToken: { enabled: false } }');
    expect(resolveModelTimeouts(off, 'plain', false).adaptiveFirstToken).toBeUndefined();
  });
});
