import { describe, expect, it } from 'vitest';
import { apiKeyOf } from './__fixtures__/api-key-of.js';
import { defaultConfig, redactConfig } from './index.js';

describe('redactConfig', () => {
  it('replaces every secret with *** and leaves the original untouched', () => {
    const config = defaultConfig({
      server: { adminKey: 'admin-secret' },
      providers: {
        openai: {
          protocol: 'openai-chat',
          baseUrl: 'https://api.openai.com/v1',
          apiKey: 'sk-secret',
          headers: { 'OpenAI-Organization': 'org-secret' },
        },
        local: { protocol: 'openai-chat', baseUrl: 'http://127.0.0.1:8000/v1' },
      },
      models: { 'gpt-5': { deployments: [{ provider: 'openai', model: 'gpt-5' }] } },
      store: { postgres: 'postgres://detour:db-secret@db.internal:5432/detour' },
    });
    const redacted = redactConfig(config);
    expect(JSON.stringify(redacted)).not.toMatch(/secret/);
    expect(redacted.server.adminKey).toBe('***');
    expect(redacted.providers.openai).toMatchObject({
      apiKey: '***',
      headers: { 'OpenAI-Organization': '***' },
    });
    expect(redacted.providers.local).not.toHaveProperty('apiKey');
    expect(redacted.store).toEqual({
      type: 'postgres',
      url: 'postgres://detour:***@db.internal:5432/detour',
    });
    expect(apiKeyOf(config.providers.openai)).toBe('sk-secret');
  });
});

describe('defaultConfig', () => {
  it('builds a defaulted config from plain values, durations as written or in ms', () => {
    const config = defaultConfig({ timeouts: { firstToken: '2s', idle: 400 } }, '/srv/detour');
    expect(config.timeouts).toMatchObject({ connect: 5_000, firstToken: 2_000, idle: 400, total: 600_000 });
    expect(config.providers).toEqual({});
    expect(config.store).toEqual({ type: 'sqlite', path: '/srv/detour/detour.db' });
    expect(config).not.toHaveProperty('sourcePath');
  });

  it('throws a ConfigError naming the key, without a line', () => {
    expect(() => defaultConfig({ retry: { maxAttempts: 0 } })).toThrow(
      '<defaultConfig>: retry.maxAttempts: must be at least 1',
    );
  });
});
