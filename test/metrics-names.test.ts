import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OffsetClock } from './support/offset-clock.js';
import { type Stack, startStack } from './support/start-stack.js';

// The metric names and labels README.md documents are a public interface (dashboards and alerts
// are built on them): this scrapes /metrics after traffic that touches every metric and checks the
// README's list against what is served, both ways.

function config(simUrl: string): string {
  return `
providers:
  a: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/a/v1, apiKey: key-a }
  b: { protocol: openai-chat, baseUrl: ${simUrl}/hosts/b/v1, apiKey: key-b }
models:
  m:     { deployments: [ { provider: a, model: up-m }, { provider: b, model: up-m } ], fallbacks: [ spare ] }
  spare: { deployments: [ { provider: b, model: up-spare } ] }
  h:     { deployments: [ { provider: a, model: up-h }, { provider: b, model: up-h } ], hedging: { maxShare: 1, floor: 1ms } }
# One failover may be in flight, never a second: the fallback after two failures is refused.
retry: { budgetRatio: 0, budgetMinConcurrent: 1 }
health: { probes: { enabled: false } }
canaries: { every: 1h }
`;
}

/** Documented metrics that exist only on a gateway with shared state (`state.redis`). */
const WITH_REDIS_ONLY = ['detour_shared_state_up'];

/** A metric as the README writes it: `detour_x_total{model,outcome}`. */
interface DocumentedMetric {
  name: string;
  labels: string[];
}

/** The metrics listed in README.md's "Metrics" section. */
function documentedMetrics(): DocumentedMetric[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Metrics\n');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/`(detour_[a-z_]+)\{([a-z_,]*)\}`/g)].map((match) => ({
    name: match[1] ?? '',
    labels: (match[2] ?? '').split(',').filter((label) => label !== ''),
  }));
}

/** One sample line of the Prometheus text format: its metric name and label names. */
interface Sample {
  name: string;
  labels: string[];
}

function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1] ?? '', type[2] ?? '');
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\} \S+$/.exec(line);
    if (sample === null) continue;
    const labels = [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map(
      (match) => match[1] ?? '',
    );
    samples.push({ name: sample[1] ?? '', labels });
  }
  return { types, samples };
}

let stack: Stack;
let client: OpenAI;
const clock = new OffsetClock();

beforeAll(async () => {
  stack = await startStack({ config, detour: { clock } });
  client = new OpenAI({ baseURL: stack.openaiBaseUrl, apiKey: 'client-key', maxRetries: 0 });
});

afterAll(async () => {
  await stack.close();
});

describe('GET /metrics', () => {
  it('serves every metric README documents, with its labels, and no undocumented one', async () => {
    // Served only with `state.redis`, which this gateway has not: test/scenario-27-replicas.test.ts
    // reads it from replicas sharing a real Redis.
    const documented = documentedMetrics().filter((metric) => !WITH_REDIS_ONLY.includes(metric.name));
    expect(documented.length).toBeGreaterThan(0);

    // A stream that succeeds: requests, attempts, durations, time to first token.
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'echo: streamed' }],
      stream: true,
    });
    for await (const _chunk of stream) {
      // Drain it: the stream's outcome is recorded when it ends.
    }
    // A hedge: twenty quick streams give a/up-h its time-to-first-token baseline, then a slow one
    // there is hedged on b, which answers first.
    const drain = async (model: string) => {
      const hedged = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'echo: hedged' }],
        stream: true,
      });
      for await (const _chunk of hedged) {
        // Drained.
      }
    };
    for (let index = 0; index < 20; index += 1) await drain('h');
    // The baseline is read at most once a second.
    clock.advance(1_100);
    stack.sim.setFault({
      host: 'a',
      model: 'up-h',
      fault: { type: 'time_to_first_token', ms: 5_000 },
      times: 1,
    });
    await drain('h');
    stack.sim.resetStats();
    // Both deployments of `m` fail: one failover (a retry), then the fallback is refused by the budget.
    stack.sim.setFault({ host: '*', model: 'up-m', fault: { type: 'status', status: 500 } });
    const failed = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })
      .catch((caught: unknown) => caught);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect(stack.sim.stats().hosts.b?.recent.map((record) => record.model)).toEqual(['up-m']);

    // Two canary rounds: the first places each deployment in its hour, the second sends.
    const canaries = stack.detour.canaries;
    await canaries?.scheduler.tick(clock.now() + 3_600_000);
    await canaries?.scheduler.tick(clock.now() + 7_200_000);
    expect(canaries?.alarmStates().length).toBeGreaterThan(0);
    const response = await fetch(`${stack.detour.url}/metrics`);
    expect(response.status).toBe(200);
    const { types, samples } = parseExposition(await response.text());

    for (const metric of documented) {
      const type = types.get(metric.name);
      expect(type, `${metric.name} is served`).toBeDefined();
      // A histogram's series are its _bucket (plus `le`), _sum and _count lines.
      const sampleName = type === 'histogram' ? `${metric.name}_count` : metric.name;
      const labelSets = samples
        .filter((sample) => sample.name === sampleName)
        .map((sample) => [...sample.labels].sort().join(','));
      expect(labelSets.length, `${metric.name} has samples after traffic`).toBeGreaterThan(0);
      expect(new Set(labelSets), `${metric.name} labels`).toEqual(
        new Set([[...metric.labels].sort().join(',')]),
      );
    }
    const served = [...types.keys()].filter((name) => name.startsWith('detour_')).sort();
    expect(served).toEqual(documented.map((metric) => metric.name).sort());
  });
});
