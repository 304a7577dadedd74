import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyOf } from './__fixtures__/api-key-of.js';
import { ConfigError, checkConfigFile, loadConfigFile } from './index.js';

const good = `providers:
  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1, apiKey: \${KEY} }
  local: { protocol: openai-chat, baseUrl: http://127.0.0.1:8000/v1 }
models:
  gpt-5:
    deployments:
      - { provider: openai, model: gpt-5 }
      - { provider: local, model: gpt-5 }
  small: { deployments: [ { provider: local, model: qwen } ] }
`;

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'detour-load-'));
  await writeFile(join(folder, 'good.yaml'), good);
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('loadConfigFile', () => {
  it('loads a file and records where it came from', async () => {
    const path = join(folder, 'good.yaml');
    const config = await loadConfigFile(path, { KEY: 'sk-1' });
    expect(config.sourcePath).toBe(path);
    expect(config.configDir).toBe(folder);
    expect(config.store).toEqual({ type: 'sqlite', path: join(folder, 'detour.db') });
    expect(apiKeyOf(config.providers.openai)).toBe('sk-1');
  });

  it('names a missing file in a ConfigError', async () => {
    const path = join(folder, 'missing.yaml');
    const error = await loadConfigFile(path, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toBe(`${path}: cannot read config file: no such file`);
  });

  it('names a folder given as the file', async () => {
    const error = await loadConfigFile(folder, {}).catch((caught: unknown) => caught);
    expect(String(error)).toBe(`${folder}: cannot read config file: is a directory`);
  });
});

describe('checkConfigFile', () => {
  it('summarises providers, models and deployments', async () => {
    const path = join(folder, 'good.yaml');
    expect(await checkConfigFile(path, { KEY: 'sk-1' })).toBe(
      `${path}: OK — 2 providers (openai, local), 2 models (gpt-5, small), 3 deployments`,
    );
  });

  it('throws the ConfigError of a bad file', async () => {
    const path = join(folder, 'good.yaml');
    const error = await checkConfigFile(path, {}).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ line: 2, key: 'providers.openai.apiKey' });
  });
});
