import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../catalog/index.js';
import { ConfigError, parseConfig } from '../config/index.js';
import { catalogExpander, deploymentPrice, expandCatalogHosts } from './expand-catalog-hosts.js';

const catalog = loadCatalog();
const PROVIDERS = `providers:
  anthropic: { protocol: anthropic-messages, baseUrl: https://api.anthropic.com, apiKey: k }
  aws: { protocol: bedrock, region: eu-west-1, apiKey: k }
  gcp: { protocol: vertex, project: my-project, region: us-east5, credentials: /dev/null }
  openai: { protocol: openai-chat, baseUrl: https://api.openai.com/v1, apiKey: k }
  local: { protocol: openai-chat, baseUrl: http://127.0.0.1:8000/v1 }
`;

function load(models: string) {
  return parseConfig(
    `${PROVIDERS}models:\n${models}`,
    'detour.yaml',
    {},
    { expand: catalogExpander(catalog, {}) },
  );
}

function deploymentsOf(config: ReturnType<typeof load>, model: string): string[] {
  return (config.models[model]?.deployments ?? []).map(
    (deployment) => `${deployment.provider}/${deployment.model}`,
  );
}

describe('expandCatalogHosts', () => {
  it("fills in one deployment per named provider with the catalog's id for its host, in order", () => {
    const config = load('  claude-sonnet-4.5: { hosts: [anthropic, aws, gcp] }\n');
    expect(deploymentsOf(config, 'claude-sonnet-4.5')).toEqual([
      'anthropic/claude-sonnet-4-5',
      'aws/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'gcp/claude-sonnet-4-5@20250929',
    ]);
  });

  it('lets an explicit deployment take the place of the catalog one, and keeps others after', () => {
    const config = load(`  claude-sonnet-4.5:
    hosts: [anthropic, aws]
    deployments:
      - { provider: local, model: sonnet-local }
      - { provider: aws, model: arn:aws:bedrock:eu-west-1:1:application-inference-profile/x }
`);
    expect(deploymentsOf(config, 'claude-sonnet-4.5')).toEqual([
      'anthropic/claude-sonnet-4-5',
      'aws/arn:aws:bedrock:eu-west-1:1:application-inference-profile/x',
      'local/sonnet-local',
    ]);
  });

  it('reports a model the catalog does not know, with its line and key', () => {
    const error = captureConfigError(() => load('  my-model: { hosts: [openai] }\n'));
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]).toMatchObject({ file: 'detour.yaml', line: 8, key: 'models.my-model.hosts' });
    expect(error.issues[0]?.message).toMatch(/not in the model catalog/);
  });

  it('reports a host that does not serve the model, and one the catalog does not know', () => {
    const error = captureConfigError(() =>
      load('  claude-sonnet-4.5: { hosts: [anthropic, openai, local] }\n'),
    );
    expect(error.issues.map((issue) => issue.key)).toEqual([
      'models["claude-sonnet-4.5"].hosts[1]',
      'models["claude-sonnet-4.5"].hosts[2]',
    ]);
    expect(error.issues[0]?.message).toMatch(/not served on openai .* served on: anthropic, bedrock, vertex/);
    expect(error.issues[1]?.message).toMatch(/not a host the model catalog knows/);
  });

  it('reports an unknown provider under hosts through the reference check', () => {
    expect(() => load('  gpt-5: { hosts: [nowhere] }\n')).toThrow(/hosts\[0\]: unknown provider "nowhere"/);
  });

  it('changes nothing when run on its own output', () => {
    const config = load('  gpt-5: { hosts: [openai] }\n');
    expect(expandCatalogHosts(config, catalog, {}).config.models).toEqual(config.models);
  });
});

describe('deploymentPrice', () => {
  it("prefers the deployment's own price, then the catalog's for the id called, then for the model name", () => {
    const config = load(`  fast:
    deployments:
      - { provider: aws, model: us.anthropic.claude-haiku-4-5-20251001-v1:0 }
      - { provider: openai, model: gpt-5-mini, price: { input: 0.2, output: 1.5 } }
      - { provider: local, model: x }
`);
    const [bedrock, openai, local] = config.models.fast?.deployments ?? [];
    const providers = config.providers;
    expect(deploymentPrice(catalog, 'fast', bedrock!, providers.aws!)).toEqual(
      catalog.priceAt('claude-haiku-4.5', 'bedrock'),
    );
    expect(deploymentPrice(catalog, 'fast', openai!, providers.openai!)).toEqual({ input: 0.2, output: 1.5 });
    expect(deploymentPrice(catalog, 'fast', local!, providers.local!)).toBeUndefined();
  });
});

function captureConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
