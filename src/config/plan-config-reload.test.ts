import { describe, expect, it } from 'vitest';
import { CONFIG_EFFECTS, classifyConfigChange, parseConfig, planConfigReload } from './index.js';
import { configSchema } from './schema.js';

const base = `server: { port: 4000, adminKey: admin-1 }
providers:
  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1, apiKey: sk-1 }
models:
  claude-opus-4.7: { deployments: [ { provider: openai, model: a }, { provider: openai, model: b } ] }
store: { sqlite: ./one.db }
`;

const parse = (text: string) => parseConfig(text, '/etc/detour/detour.yaml', {});

describe('classifyConfigChange', () => {
  it('names every top-level section of the schema, so a new section cannot go unclassified', () => {
    for (const key of Object.keys(configSchema.shape))
      expect(Object.hasOwn(CONFIG_EFFECTS, key), key).toBe(true);
  });

  it('takes the longest matching prefix, and treats an unknown key as restart-only', () => {
    expect(classifyConfigChange(['server', 'adminKey'])).toBe('live');
    expect(classifyConfigChange(['server', 'bodyLimit'])).toBe('restart');
    expect(classifyConfigChange(['server', 'requestTimeout'])).toBe('restart');
    expect(classifyConfigChange(['server', 'bodyTimeout'])).toBe('restart');
    expect(classifyConfigChange(['server', 'maxConnectionsPerIp'])).toBe('restart');
    expect(classifyConfigChange(['models', 'constructor', 'deployments'])).toBe('live');
    expect(classifyConfigChange(['routing', 'strategy'])).toBe('live');
    expect(classifyConfigChange(['store', 'path'])).toBe('restart');
    expect(classifyConfigChange(['toString'])).toBe('restart');
  });
});

describe('planConfigReload', () => {
  it('finds no change when the same file is read twice', () => {
    expect(planConfigReload(parse(base), parse(base))).toMatchObject({ live: [], restart: [] });
  });

  it('splits the changed keys into live and restart-only, naming each by its key path', () => {
    const next = base
      .replace('port: 4000, adminKey: admin-1', 'port: 4001, adminKey: admin-2, requestTimeout: 30s')
      .replace(
        '{ provider: openai, model: a }, { provider: openai, model: b }',
        '{ provider: openai, model: b }',
      )
      .replace('apiKey: sk-1', 'apiKey: sk-2')
      .replace('./one.db', './two.db');
    const plan = planConfigReload(parse(base), parse(`${next}retry: { budgetRatio: 0.5 }\n`));
    expect(plan.live.map((change) => [change.key, change.kind])).toEqual([
      ['server.adminKey', 'changed'],
      ['providers.openai.apiKey', 'changed'],
      ['models["claude-opus-4.7"].deployments', 'changed'],
      ['retry.budgetRatio', 'changed'],
    ]);
    expect(plan.restart.map((change) => [change.key, change.kind])).toEqual([
      ['server.port', 'changed'],
      ['server.requestTimeout', 'changed'],
      ['store.path', 'changed'],
    ]);
  });

  it('runs the new config with the running value of every restart-only key', () => {
    const running = parse(base);
    const next = parse(
      base.replace('port: 4000, adminKey: admin-1', 'port: 4001, adminKey: admin-2, requestTimeout: 30s'),
    );
    const { effective } = planConfigReload(running, next);
    expect(effective.server).toEqual({ ...running.server, adminKey: 'admin-2' });
    expect(effective.server.requestTimeout).toBe(running.server.requestTimeout);
    expect(next.server).toMatchObject({ port: 4001, requestTimeout: 30_000 });
  });

  it('keeps the running store when its kind changes', () => {
    const running = parse(base);
    const next = parse(base.replace('{ sqlite: ./one.db }', '{ postgres: "postgres://db/detour" }'));
    const plan = planConfigReload(running, next);
    expect(plan.restart.map((change) => change.key)).toEqual(['store.type', 'store.path', 'store.url']);
    expect(plan.effective.store).toEqual(running.store);
  });
});
