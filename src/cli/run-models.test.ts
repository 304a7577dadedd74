import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModels } from './run-models.js';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; output: string }> {
  let output = '';
  const code = await runModels(argv, env, (text) => {
    output += text;
  });
  return { code, output };
}

describe('runModels', () => {
  it('lists the catalog as JSON with the providers a config file serves each model on', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'detour-models-'));
    const file = join(folder, 'detour.yaml');
    writeFileSync(
      file,
      `providers:
  anthropic: { protocol: anthropic-messages, baseUrl: https://api.anthropic.com, apiKey: k }
  aws: { protocol: bedrock, region: us-east-1, apiKey: k }
models:
  claude-haiku-4.5: { hosts: [anthropic, aws] }
store: { sqlite: ":memory:" }
`,
    );
    const { code, output } = await run(['--config', file, '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(output) as { configuredFrom: string; models: Array<Record<string, unknown>> };
    expect(parsed.configuredFrom).toBe(file);
    expect(parsed.models.length).toBeGreaterThanOrEqual(40);
    const haiku = parsed.models.find((model) => model.name === 'claude-haiku-4.5');
    expect(haiku).toMatchObject({
      vendor: 'anthropic',
      contextWindow: 200_000,
      price: { input: 1, output: 5 },
      hosts: ['anthropic', 'bedrock', 'vertex'],
      configuredOn: ['anthropic', 'aws'],
    });
    expect(parsed.models.find((model) => model.name === 'gpt-5')).toMatchObject({ configuredOn: [] });
  });

  it('counts the models zero-config would serve from the environment, in a plain table', async () => {
    const { code, output } = await run([], { OPENAI_API_KEY: 'sk-test' });
    expect(code).toBe(0);
    expect(output.split('\n')[0]).toMatch(
      /^MODEL\s+VENDOR\s+CONTEXT\s+IN \$\/M\s+OUT \$\/M\s+HOSTS\s+CONFIGURED ON$/,
    );
    expect(output).toMatch(/^gpt-5\s+openai\s+400k\s+1\.25\s+10\s+openai,azure\s+openai$/m);
    expect(output).toMatch(/12 configured \(from hosts from the environment/);
  });
});
